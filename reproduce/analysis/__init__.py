"""Analyses of benchmarks and of results folders (``nasbench analyze``).

One job per module:

- :mod:`~reproduce.analysis.data`: what the analyses read (signal, final accuracies, decision grid);
- :mod:`~reproduce.analysis.importance`: functional ANOVA over decisions, marginal effects, top-k frequencies;
- :mod:`~reproduce.analysis.landscape`: neighbour tables, local optima and basins, FDC, autocorrelation,
  the local-search model;
- :mod:`~reproduce.analysis.fidelity`: fidelity, seed, validation/test and proxy rank correlations;
  regret of picking by a proxy;
- :mod:`~reproduce.analysis.suitezero`: NAS-Bench-Suite-Zero proxies mapped to NB201 ids;
- :mod:`~reproduce.analysis.transfer`: cross-dataset correlation and transfer-regret matrices;
- :mod:`~reproduce.analysis.cost`: simulated GPU-hours, energy and CO2 of a results folder;
- :mod:`~reproduce.analysis.results`: strategy comparison (paired bootstrap, Friedman, Nemenyi CD);
- :mod:`~reproduce.analysis.figures` and :mod:`~reproduce.analysis.report`: plots and the written report;
- :mod:`~reproduce.analysis.pipeline`: running all of it.

Methods, defaults and their sources: docs/analysis.md.
"""
from __future__ import annotations


def analyze_benchmarks(*args, **kwargs):
    """See :func:`reproduce.analysis.pipeline.analyze_benchmarks`."""
    from reproduce.analysis.pipeline import analyze_benchmarks as run

    return run(*args, **kwargs)


def analyze_results(*args, **kwargs):
    """See :func:`reproduce.analysis.pipeline.analyze_results`."""
    from reproduce.analysis.pipeline import analyze_results as run

    return run(*args, **kwargs)


__all__ = ["analyze_benchmarks", "analyze_results"]
