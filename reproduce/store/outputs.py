"""Output folders: checked before any work, and named safely in text.

* :func:`check_output_folder`: the folder a command writes must be a folder (or not exist yet,
  under a writable folder) and writable; otherwise an :class:`OutputFolderError` that names it
  and says what to do, before a single run starts.
* :func:`display_path`: a path as text that any file or terminal can hold: a name with bytes that
  are not UTF-8 (``\\xff``) is shown with ``\\xff`` escapes instead of failing to encode.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nasbench.errors import NasbenchError


class OutputFolderError(NasbenchError):
    """An output folder that is a file, cannot be created or cannot be written."""


def display_path(path: str | os.PathLike) -> str:
    """``path`` as printable text (undecodable bytes as ``\\xNN`` escapes).

    Parameters
    ----------
    path : str or os.PathLike
        A file or folder path.

    Returns
    -------
    str
        The path decoded as UTF-8, bytes that are not UTF-8 shown as ``\\xNN``.
    """
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="backslashreplace")


def check_output_folder(path: str | os.PathLike) -> Path:
    """``path`` when a command may write into it (see the module docstring); nothing is created.

    Parameters
    ----------
    path : str or os.PathLike
        The folder a command will write (``--out``); it may not exist yet.

    Returns
    -------
    pathlib.Path
        ``path`` as a Path.

    Raises
    ------
    OutputFolderError
        ``path`` (or the closest existing folder above it) is a file, or the closest existing
        folder is not writable.
    """
    out = Path(path)
    shown = display_path(out)
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"{shown} is a file, not a folder; give --out a folder (new or one a previous run wrote)")
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputFolderError(f"cannot create {shown}: {display_path(probe)} is a file, not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "write into" if probe == out else f"create {shown} in"
        raise OutputFolderError(f"cannot {what} {display_path(probe)}: permission denied (read-only?); give --out "
                                "a folder you can write, or copy the results folder somewhere writable first")
    return out


@contextmanager
def files_as_one_set(what: str = "the report files") -> Iterator[None]:
    """Defer Ctrl-C (SIGINT) while a set of files is written, so an interrupt leaves the old set
    or the new one, never table.md without summary.json; the interrupt is raised right after.
    A second Ctrl-C aborts at once. Outside the main thread this does nothing.

    Parameters
    ----------
    what : str
        What is being written, for the message printed on the first Ctrl-C.

    Yields
    ------
    None
        Control while the files are written.

    Raises
    ------
    KeyboardInterrupt
        After the block, when Ctrl-C was pressed during it; at once on a second Ctrl-C.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = signal.getsignal(signal.SIGINT)

    def defer(signum, frame):
        if pending:  # a second Ctrl-C: the user insists
            signal.signal(signal.SIGINT, previous)
            raise KeyboardInterrupt
        pending.append(signum)
        print(f"nasbench: finishing {what} (Ctrl-C again to abort now)", file=sys.stderr, flush=True)

    signal.signal(signal.SIGINT, defer)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pending:
        raise KeyboardInterrupt


__all__ = ["OutputFolderError", "check_output_folder", "display_path", "files_as_one_set"]
