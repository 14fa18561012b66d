"""NAS-Bench-Suite-Zero (Krishnakumar, White, Zela, Tu, Safari, Hutter, NeurIPS 2022 Datasets and
Benchmarks): zero-cost proxy scores of a subset of each space, shipped in ``data/naslib-zc/``,
stored as ``zc_<proxy>`` metrics of the tables they cover (split ``proxy``, unit score; NaN
where Suite-Zero has no score), the same names ``nasbench zc`` writes, so the predictors
protocol and ``nasbench analyze`` read them like any metric.
"""
from __future__ import annotations

import numpy as np

from nasbench.published.suite_zero import PROXIES, PROXY_DESCRIPTIONS
from nasbench.table_writer import MetricColumn


def proxy_columns(values: dict[str, np.ndarray], origin: str, how: str) -> dict[str, MetricColumn]:
    """``zc_<proxy>`` columns from ``{proxy: [n_archs]}`` arrays (NaN = not scored); ``how`` says
    which evaluation of the architecture the score is (appended to each description)."""
    return {
        f"zc_{p}": MetricColumn(np.asarray(values[p], dtype=np.float64).reshape(-1, 1, 1), "proxy", "score",
                                f"zero-cost proxy score ({PROXY_DESCRIPTIONS[p]}), {how}; NaN where Suite-Zero has none",
                                origin, p)
        for p in PROXIES
    }
