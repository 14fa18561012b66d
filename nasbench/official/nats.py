"""Reader of NATS-Bench archives and importer of the size space (``nats-sss/<dataset>``).

Archive layouts (NATS-Bench ``nats_bench/api_utils.py`` ``pickle_load`` lines 107-124,
``reload`` lines 282-337; ``api_topology.py`` / ``api_size.py`` ``__init__``):

- fast-mode folder ``NATS-{tss,sss}-v1_0-<md5>-simple`` (or ``-full``, which also holds
  trained weights): ``meta.pickle.pbz2`` = ``{'meta_archs': [...], 'total_archs': N,
  'arch2infos': None, 'evaluated_indexes': set()}`` and one ``<index>.pickle.pbz2`` per
  architecture (``%06d``, or plain ``%d``) = ``{hp: ArchResults-state}``;
- single file ``NATS-{tss,sss}-v1_0-<md5>.pickle.pbz2`` = ``{'meta_archs', 'arch2infos':
  {index: {hp: ArchResults-state}}, 'evaluated_indexes'}``.

hp keys: topology ``'12'``, ``'200'``; size ``'01'``, ``'12'``, ``'90'`` (the number of
training epochs of that schedule). Every file is a bz2 pickle read with the restricted
unpickler (:mod:`nasbench.official._pickles`); trained weights in ``-full`` archives are
dropped unread (their tensor reducers resolve to a placeholder that returns None).

The size-space tables hold the per-epoch curves 1..90 of the ``'90'`` schedule (continuable
ladder; replicates = seeds). Validation / test keys per dataset as for NB201
(:data:`nasbench.official.nb201.DATASET_KEYS`, from ``api_size.py`` ``get_more_info``, which
has the same key mapping as ``api_topology.py`` lines 284-331).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from nasbench.official import target_info
from nasbench.official._pickles import OfficialFormatError, load_bz2_pickle
from nasbench.official.nb201 import DATASET_KEYS, write_curves_table

META = "meta.pickle.pbz2"
_ARCH_FILE = re.compile(r"^(\d+)\.pickle\.pbz2$")
SSS_HP = "90"


def _check_dict(obj, source, what: str) -> dict:
    if not isinstance(obj, dict):
        raise OfficialFormatError(f"{source}: expected {what} (a dict), got {type(obj).__name__}")
    return obj


def _folder_records(folder: Path, files: list[tuple[int, Path]]) -> Iterator[tuple[int, dict]]:
    for index, path in files:
        yield index, _check_dict(load_bz2_pickle(path), path, "{hp: ArchResults-state}")


def read_nats_archive(source: Path, progress=None) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """``meta_archs`` and an iterator of ``(index, {hp: ArchResults-state})`` of a NATS-Bench
    archive folder or single ``.pickle.pbz2`` file (see module docstring)."""
    source = Path(source)
    if source.is_dir():
        meta_path = source / META
        if not meta_path.is_file():
            raise OfficialFormatError(
                f"{source}: no {META}; expected a NATS-Bench archive folder (NATS-tss-v1_0-3ffb9-simple, "
                f"NATS-sss-v1_0-50262-simple or their -full versions)"
            )
        meta = _check_dict(load_bz2_pickle(meta_path), meta_path, "the meta dict")
        if not isinstance(meta.get("meta_archs"), list):
            raise OfficialFormatError(f"{meta_path}: no 'meta_archs' list")
        files = []
        for path in source.iterdir():
            match = _ARCH_FILE.match(path.name)
            if match:
                files.append((int(match.group(1)), path))
        files.sort()
        indexes = [i for i, _ in files]
        if len(set(indexes)) != len(indexes):
            raise OfficialFormatError(f"{source}: an architecture index has two files (e.g. 000011 and 11)")
        return list(meta["meta_archs"]), _folder_records(source, files)
    data = _check_dict(load_bz2_pickle(source), source, "the benchmark dict")
    if not isinstance(data.get("meta_archs"), list) or not isinstance(data.get("arch2infos"), dict):
        raise OfficialFormatError(
            f"{source}: expected {{'meta_archs', 'arch2infos', 'evaluated_indexes'}}; got keys {sorted(map(str, data))[:6]}"
        )
    return list(data["meta_archs"]), ((int(i), _check_dict(v, source, f"arch2infos[{i}]"))
                                      for i, v in data["arch2infos"].items())


def import_nats_sss(name: str, source: Path, progress=None) -> Path:
    """``nasbench import nats-sss/<dataset> --from NATS-sss-v1_0-50262-simple``: write the
    size-space table of ``name`` into the cache (docs/benchmarks/nats-sss.md)."""
    from nasbench.benchmark import _LOADED, table_path
    from nasbench.spaces import get_space

    info = target_info(name, "nats-sss", [f"nats-sss/{d}" for d in DATASET_KEYS], "the NATS-sss archive")
    source = Path(source).expanduser()
    if not source.exists():
        raise OfficialFormatError(f"{source} does not exist; give the NATS-sss-v1_0-50262-simple folder")
    meta_archs, records = read_nats_archive(source, progress)
    notes = ("The 1- and 12-epoch schedule runs (hp='01', '12') are not imported: valid_acc@12 here is epoch 12 "
             "of the 90-epoch run.")
    out = table_path(name)
    path = write_curves_table(info, get_space("nats-sss"), meta_archs, records, SSS_HP, source,
                              "NATS-Bench size archive", out, notes, progress)
    _LOADED.pop((name, str(out)), None)
    return path
