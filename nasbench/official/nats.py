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

from pathlib import Path

from nasbench.official import target_info
from nasbench.official._pickles import OfficialFormatError
from nasbench.official.nats_archive import read_nats_archive
from nasbench.official.nb201 import DATASET_KEYS, write_curves_table

__all__ = ["SSS_HP", "import_nats_sss", "read_nats_archive"]

SSS_HP = "90"


def import_nats_sss(name: str, source: Path, progress=None) -> Path:
    """``nasbench import nats-sss/<dataset> --from NATS-sss-v1_0-50262-simple``: write the
    size-space table of ``name`` into the cache (docs/benchmarks/nats-sss.md)."""
    from nasbench.benchmark import forget, table_path
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
    forget(name)  # a process that loaded the old table reopens it
    return path
