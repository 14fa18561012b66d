"""Build the API reference (pdoc, numpy docstrings) of what the packages export.

    python docs/build_api.py [OUT]        # default OUT: docs/api (git-ignored); `make docs`

The reference covers :data:`API_MODULES`: each package's top level and every public module that
declares ``__all__`` (its exported names). ``tests/test_api_docs.py`` builds it and fails on a
pdoc warning, on an exported name missing from its page, on an exported function or class
without a docstring, and on a missing numpy section (Parameters / Returns) in the modules of
:data:`NUMPY_COMPLETE`. Adding a module to ``API_MODULES`` is the way to publish it.
"""
from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: the report layer's public modules (documented in full, numpy sections included)
REPRODUCE_API: tuple[str, ...] = (
    "reproduce", "reproduce.pipeline", "reproduce.kinds", "reproduce.kinds.base", "reproduce.presets", "reproduce.seeds",
    "reproduce.stats", "reproduce.store.results", "reproduce.store.configs", "reproduce.store.sweep",
    "reproduce.store.jsonio", "reproduce.store.outputs",
)

#: documented modules; each one's ``__all__`` is its exported names (the top-level packages
#: re-export the main classes: Benchmark, Table, Evaluator, Strategy, Predictor...)
API_MODULES: tuple[str, ...] = (
    "nasbench",
    "nasbench.errors",
    "nasbench.name_table",
    "nasbench.executors",
    "nasbench.live",
    "nasbench.live.amp",
    "nasbench.live.seeding",
    "nasbench.published",
    "nasbench.spaces",
    "nasbench.stats",
    "nasbench.surrogates",
    "strategies",
    "strategies.base",
    "strategies.conformance",
    "strategies.pareto",
    "strategies.registry",
    "strategies.validation",
    "strategies.oneshot",
    "strategies.oneshot.base",
    "strategies.oneshot.darts",
    "strategies.oneshot.data",
    "strategies.oneshot.drnas",
    "strategies.oneshot.enas",
    "strategies.oneshot.gdas",
    "strategies.oneshot.latency",
    "strategies.oneshot.ranking",
    "strategies.oneshot.rsps",
    "strategies.oneshot.spos",
    "strategies.oneshot.supernet",
    "predictors",
    *REPRODUCE_API,
)

_KIND = "a preset kind: its preset schema is in its module docstring, its interface is reproduce.kinds.base"
_PAGE = "one kind's report.html, built from reproduce.render.html; documented in docs/report-html.md"
_ANALYZE = "part of `nasbench analyze`, documented in docs/analysis.md (its entry points: reproduce.analysis)"

#: public modules with ``__all__`` left out of the reference, each with its reason
NOT_DOCUMENTED: dict[str, str] = {
    "strategies.batched": "in progress (the batched-engine work); its author adds it when it lands",
    "strategies.oneshot.supernet_base": "the Supernet base class, documented through strategies.oneshot.supernet",
    "nasbench.official.nats": "an importer run by `nasbench import`; documented in docs/benchmarks/nats-sss.md",
    "reproduce.analysis": "the `nasbench analyze` command's package, documented in docs/analysis.md",
    "reproduce.analysis.cost": _ANALYZE,
    "reproduce.analysis.fidelity": _ANALYZE,
    "reproduce.analysis.figures": _ANALYZE,
    "reproduce.analysis.importance": _ANALYZE,
    "reproduce.analysis.landscape": _ANALYZE,
    "reproduce.analysis.pipeline": _ANALYZE,
    "reproduce.analysis.report": _ANALYZE,
    "reproduce.analysis.results": _ANALYZE,
    "reproduce.analysis.suitezero": _ANALYZE,
    "reproduce.analysis.transfer": _ANALYZE,
    "reproduce.kinds.multiobjective": _KIND,
    "reproduce.kinds.oneshot": _KIND,
    "reproduce.kinds.predictors": _KIND,
    "reproduce.kinds.search": _KIND,
    "reproduce.kinds.multiobjective_page": _PAGE,
    "reproduce.kinds.oneshot_page": _PAGE,
    "reproduce.kinds.predictors_page": _PAGE,
    "reproduce.kinds.search_page": _PAGE,
    "reproduce.kinds.multiobjective_report": "the multiobjective kind's tables and figures (docs/multiobjective.md)",
    "reproduce.kinds.oneshot_figures": "the oneshot kind's figures (docs/oneshot.md)",
    "reproduce.kinds.oneshot_runs": "the one-shot runs of `nasbench oneshot` (docs/oneshot.md)",
    "reproduce.progress": "the progress reporter of the commands (a terminal bar or plain lines)",
    "reproduce.render.html": "the report.html shell the kinds' pages are built from (docs/report-html.md)",
}

#: modules whose exported functions and classes carry full numpy sections (Parameters, Returns,
#: Raises where they raise on purpose); the list grows until it equals API_MODULES
NUMPY_COMPLETE: tuple[str, ...] = (
    "nasbench",
    "nasbench.errors",
    "nasbench.name_table",
    "nasbench.executors",
    "nasbench.published",
    "nasbench.live",
    "nasbench.spaces",
    "nasbench.stats",
    "nasbench.surrogates",
    "strategies.validation",
    "nasbench.live.amp",
    "nasbench.live.seeding",
    "strategies",
    "strategies.pareto",
    "strategies.registry",
    "predictors",
    *REPRODUCE_API,
)


def build(out: Path) -> list[str]:
    """Write the reference of :data:`API_MODULES` into ``out``.

    Parameters
    ----------
    out : Path
        Output folder (created; its ``index.html`` is the entry page).

    Returns
    -------
    list of str
        The warnings pdoc raised (an empty list is a clean build).
    """
    import pdoc
    import pdoc.render

    os.environ.setdefault("PDOC_ALLOW_EXEC", "1")  # platform.uname() in an import runs `uname -p`
    pdoc.render.configure(docformat="numpy", search=True, show_source=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*API_MODULES, output_directory=Path(out))
    return [f"{w.category.__name__}: {w.message}" for w in caught if "pdoc" in str(w.filename)]


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "api"
    problems = build(target)
    for line in problems:
        print(f"pdoc: {line}", file=sys.stderr)
    print(f"API reference: {target / 'index.html'} ({len(API_MODULES)} modules)")
    sys.exit(1 if problems else 0)
