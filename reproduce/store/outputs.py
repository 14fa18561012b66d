"""Output folders: checked before any work, and named safely in text.

* :func:`check_output_folder`: the folder a command writes must be a folder (or not exist yet,
  under a writable folder) and writable; otherwise an :class:`OutputFolderError` that names it
  and says what to do, before a single run starts.
* :func:`display_path`: a path as text that any file or terminal can hold: a name with bytes that
  are not UTF-8 (``\\xff``) is shown with ``\\xff`` escapes instead of failing to encode.
"""
from __future__ import annotations

import os
from pathlib import Path

from nasbench.errors import NasbenchError


class OutputFolderError(NasbenchError):
    """An output folder that is a file, cannot be created or cannot be written."""


def display_path(path: str | os.PathLike) -> str:
    """``path`` as printable text (undecodable bytes as ``\\xNN`` escapes)."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="backslashreplace")


def check_output_folder(path: str | os.PathLike) -> Path:
    """``path`` when a command may write into it (see the module docstring); nothing is created."""
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


__all__ = ["OutputFolderError", "check_output_folder", "display_path"]
