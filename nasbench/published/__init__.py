"""The published benchmark data the product ships, and its checksum list.

The numbers that do not come from a PyPI package (NB201 test accuracy, 12-epoch results and
per-device latencies, the Planetoid graphs, NAS-Bench-Macro, the Suite-Zero subsets, the
NAS-Bench-101 records, the NAS-Bench-301 surrogate) ship inside the project, converted once
into open formats (gzip CSV/JSON, NPZ, ONNX): ``data/`` in a checkout, the package
``nasbench_data`` in an installed wheel. ``data/README.md`` says, per file, where it came from
(repository, commit, the original's sha256, licence) and what each column means;
``data/SHA256SUMS`` lists the sha256 of every shipped file and ``data/sources.json`` the same
provenance in machine-readable form.

Which folder is read: ``$NASBENCH_PUBLISHED_DATA`` when set (a folder in the same layout, e.g.
one that ``python -m nasbench.published.convert YOUR_ORIGINALS --out FOLDER`` wrote from your
own downloads), else the shipped copy. :func:`published_file` verifies a file against the
folder's ``SHA256SUMS`` before a recipe reads it; a mismatch or an absent file raises
:class:`~nasbench.errors.PublishedDataError` naming the file.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import zlib
from collections.abc import Iterator
from pathlib import Path

from nasbench.errors import PublishedDataError

ENV_VAR = "NASBENCH_PUBLISHED_DATA"
CHECKSUMS = "SHA256SUMS"
SOURCES = "sources.json"
_REPO_DATA = Path(__file__).resolve().parent.parent.parent / "data"
_VERIFIED: dict[tuple, str] = {}


def _shipped_dir() -> Path | None:
    if (_REPO_DATA / CHECKSUMS).is_file():  # a checkout (editable install or run from source)
        return _REPO_DATA
    spec = importlib.util.find_spec("nasbench_data")  # an installed wheel
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0])
        if (path / CHECKSUMS).is_file():
            return path
    return None


def data_dir() -> Path:
    """The folder read for published data.

    Returns
    -------
    Path
        ``$NASBENCH_PUBLISHED_DATA`` when set, else the checkout's ``data/`` or the installed
        ``nasbench_data`` package.

    Raises
    ------
    PublishedDataError
        The variable names a folder without ``SHA256SUMS``, or no shipped copy is found.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        path = Path(env).expanduser()
        if not (path / CHECKSUMS).is_file():
            raise PublishedDataError(
                f"{ENV_VAR}={env}: no {CHECKSUMS} there; point it at a folder written by "
                f"`python -m nasbench.published.convert ORIGINALS --out FOLDER`, or unset it to use "
                f"the data shipped with the package"
            )
        return path
    shipped = _shipped_dir()
    if shipped is None:
        raise PublishedDataError(
            "the published data shipped with nasbench is missing (no data/SHA256SUMS in the checkout "
            "and no nasbench_data package installed); reinstall the package, or set "
            f"{ENV_VAR} to a folder written by `python -m nasbench.published.convert`"
        )
    return shipped


_SUMS: dict[tuple, dict[str, str]] = {}


def read_checksums(folder: Path) -> dict[str, str]:
    """``relative path -> sha256`` from ``folder/SHA256SUMS`` (``sha256sum`` format).

    Parsed once per version of the file (``nasbench.load`` consults it on every call).

    Parameters
    ----------
    folder : Path
        A data folder.

    Returns
    -------
    dict of str to str

    Raises
    ------
    FileNotFoundError
        ``folder`` has no ``SHA256SUMS`` (:func:`data_dir` checks this first).
    """
    path = folder / CHECKSUMS
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _SUMS:
        _SUMS[key] = _parse_checksums(path)
    return dict(_SUMS[key])


def _parse_checksums(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            out[name.strip()] = digest.strip()
    return out


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def published_file(relative: str) -> Path:
    """Path of a published file, verified against the checksum list first.

    Parameters
    ----------
    relative : str
        Path under the data folder (``"nb201/nats_test_acc_200.csv.gz"``).

    Returns
    -------
    Path
        The file, whose sha256 matches ``SHA256SUMS``.

    Raises
    ------
    PublishedDataError
        The file is absent, unlisted or differs (the message names it).
    """
    folder = data_dir()
    sums = read_checksums(folder)
    path = folder / relative
    if relative not in sums:
        raise PublishedDataError(
            f"{path}: not in the checksum list {folder / CHECKSUMS}; the data folder is incomplete "
            f"or older than this code (listed: {', '.join(sorted(sums))})"
        )
    if not path.is_file():
        raise PublishedDataError(f"published data file {path} is missing; reinstall the package or regenerate "
                                 f"the folder with `python -m nasbench.published.convert`")
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if _VERIFIED.get(key) != sums[relative]:
        actual = sha256_of(path)
        if actual != sums[relative]:
            raise PublishedDataError(
                f"published data file {path} fails its checksum (sha256 {actual[:16]}..., expected "
                f"{sums[relative][:16]}... in {folder / CHECKSUMS}); restore it from the repository "
                f"(`git checkout -- data/`) or regenerate it with `python -m nasbench.published.convert`"
            )
        _VERIFIED[key] = actual
    _HANDED_OUT.append(path)
    return path


#: every published file :func:`published_file` handed out in this process, in order (for
#: :func:`reading_published` to name the file a failed read was about)
_HANDED_OUT: list[Path] = []
#: what reading a damaged gzip / CSV / JSON / NPZ raises (gzip.BadGzipFile is an OSError,
#: pandas' ParserError and json's JSONDecodeError are ValueErrors)
_READ_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, zlib.error, UnicodeError)


@contextlib.contextmanager
def reading_published(what: str) -> Iterator[None]:
    """Turn a failure to parse a published file inside the block into a PublishedDataError.

    A file that passed its checksum can still be unreadable when the checksum list was edited to
    match it: that becomes a one-line error naming the file(s) handed out by :func:`published_file`
    in the block (most recent first).

    Parameters
    ----------
    what : str
        What the block reads, for the message.

    Yields
    ------
    None
    """
    start = len(_HANDED_OUT)
    try:
        yield
    except PublishedDataError:
        raise
    except _READ_ERRORS as exc:
        from nasbench.errors import NasbenchError

        if isinstance(exc, NasbenchError):
            raise
        files = list(dict.fromkeys(reversed(_HANDED_OUT[start:])))
        if not files:
            raise
        named = str(files[0]) + (f" (or one of {', '.join(map(str, files[1:4]))})" if len(files) > 1 else "")
        raise PublishedDataError(
            f"published data file {named} cannot be read while {what} ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:150]}), although it matches its checksum list: the file and {CHECKSUMS} were both "
            f"changed; restore them from the repository (`git checkout -- data/`) or regenerate the folder "
            f"with `python -m nasbench.published.convert`"
        ) from None


def provenance(relative: str) -> dict:
    """The ``sources.json`` entry of a published file.

    Parameters
    ----------
    relative : str
        Path under the data folder (``"nb201/nats_test_acc_200.csv.gz"``).

    Returns
    -------
    dict
        Repository, commit, original file and sha256, licence.

    Raises
    ------
    PublishedDataError
        No entry for the file.
    """
    folder = data_dir()
    entries = json.loads((folder / SOURCES).read_text())
    try:
        return entries[relative]
    except KeyError:
        raise PublishedDataError(f"{folder / SOURCES} has no entry for '{relative}'") from None


__all__ = ["ENV_VAR", "data_dir", "provenance", "published_file", "read_checksums", "reading_published",
           "sha256_of"]
