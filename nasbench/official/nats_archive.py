"""Reader of NATS-Bench archives (topology and size spaces alike).

Archive layouts (NATS-Bench ``nats_bench/api_utils.py`` ``pickle_load`` lines 107-124,
``reload`` lines 282-337):

- fast-mode folder ``NATS-{tss,sss}-v1_0-<md5>-simple`` (or ``-full``, which also holds
  trained weights): ``meta.pickle.pbz2`` = ``{'meta_archs': [...], 'total_archs': N,
  'arch2infos': None, 'evaluated_indexes': set()}`` and one ``<index>.pickle.pbz2`` per
  architecture (``%06d``, or plain ``%d``) = ``{hp: ArchResults-state}``;
- single file ``NATS-{tss,sss}-v1_0-<md5>.pickle.pbz2`` = ``{'meta_archs', 'arch2infos':
  {index: {hp: ArchResults-state}}, 'evaluated_indexes'}``.

Every file is a bz2 pickle read with the restricted unpickler (:mod:`nasbench.official._pickles`).
Used by both importers, :mod:`nasbench.official.nb201` (topology archives) and
:mod:`nasbench.official.nats` (size archives); it imports neither, so they form no circle.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from nasbench.official._pickles import OfficialFormatError, is_regular, load_bz2_pickle
from nasbench.official._schema import Fields, echo

META = "meta.pickle.pbz2"
_ARCH_FILE = re.compile(r"^(\d+)\.pickle\.pbz2$")


#: most architecture files a folder may hold (NATS-sss: 32,768; NATS-tss: 15,625)
MAX_FILES = 32_768


def _check_dict(obj, source, what: str) -> dict:
    if not isinstance(obj, dict):
        raise OfficialFormatError(f"{source}: expected {what} (a dict), got {echo(obj)}")
    return obj


def _folder_records(folder: Path, files: list[tuple[int, Path]]) -> Iterator[tuple[int, dict]]:
    for index, path in files:
        yield index, _check_dict(load_bz2_pickle(path), path, "{hp: ArchResults-state}")


def read_nats_archive(source: Path, progress: object = None) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """Read a NATS-Bench archive folder or single ``.pickle.pbz2`` file (see module docstring).

    Parameters
    ----------
    source : Path
        The archive folder (``NATS-*-simple`` / ``-full``) or the single file.
    progress : object, optional
        Unused; kept for the importers' call signature.

    Returns
    -------
    meta_archs : list of str
        The architecture strings in the archive's index order.
    records : iterator of (int, dict)
        ``(index, {hp: ArchResults-state})`` per architecture, read lazily.

    Raises
    ------
    OfficialFormatError
        The folder or file does not have the layout above.
    """
    source = Path(source)
    if source.is_dir():
        meta_path = source / META
        if meta_path.exists() and not is_regular(meta_path):
            raise OfficialFormatError(f"{meta_path}: not a regular file (a FIFO, device or folder); only regular "
                                      f"files are read")
        if not is_regular(meta_path):
            raise OfficialFormatError(
                f"{source}: no {META}; expected a NATS-Bench archive folder (NATS-tss-v1_0-3ffb9-simple, "
                f"NATS-sss-v1_0-50262-simple or their -full versions)"
            )
        meta = _check_dict(load_bz2_pickle(meta_path), meta_path, "the meta dict")
        meta_archs = Fields(meta_path).sequence(meta.get("meta_archs"), "'meta_archs'", MAX_FILES)
        files = []
        for path in source.iterdir():
            match = _ARCH_FILE.match(path.name)
            if match:
                if not is_regular(path):  # a FIFO would block the import forever
                    raise OfficialFormatError(f"{path}: not a regular file; an archive folder holds regular "
                                              f"<index>.pickle.pbz2 files only")
                index = int(match.group(1))
                if index >= MAX_FILES:
                    raise OfficialFormatError(f"{path}: architecture index {index} outside 0 .. {MAX_FILES - 1}")
                files.append((index, path))
                if len(files) > MAX_FILES:
                    raise OfficialFormatError(f"{source}: more than {MAX_FILES:,} architecture files")
        files.sort()
        indexes = [i for i, _ in files]
        if len(set(indexes)) != len(indexes):
            raise OfficialFormatError(f"{source}: an architecture index has two files (e.g. 000011 and 11)")
        return list(meta_archs), _folder_records(source, files)
    data = _check_dict(load_bz2_pickle(source), source, "the benchmark dict")
    if not isinstance(data.get("meta_archs"), list) or not isinstance(data.get("arch2infos"), dict):
        raise OfficialFormatError(
            f"{source}: expected {{'meta_archs': list, 'arch2infos': dict, 'evaluated_indexes'}}; got keys "
            f"{', '.join(echo(k) for k in list(data)[:6])} with 'meta_archs' {echo(data.get('meta_archs'))}"
        )
    fields = Fields(source)
    meta_archs = fields.sequence(data["meta_archs"], "'meta_archs'", MAX_FILES)
    return list(meta_archs), ((fields.integer(i, "an arch2infos key (architecture index)", 0, MAX_FILES - 1),
                               _check_dict(v, source, f"arch2infos[{echo(i)}]"))
                              for i, v in fields.mapping(data["arch2infos"], "'arch2infos'", MAX_FILES).items())
