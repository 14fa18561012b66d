"""Multi-fidelity strategies: successive halving (``sh``), Hyperband (``hb``), asynchronous
successive halving (``asha``) and BOHB (``bohb``).

Fidelities are training epochs. A *promotion* continues a trial: the strategy asks again
with the same ``trial_id`` at a higher fidelity, so the evaluator answers with the same
replicate (training seed) and charges only the extra epochs.

The ladder
    These strategies set ``needs_fidelities = True``: the runner (and the conformance suite)
    pass ``fidelities=tuple(bench.table.fidelities)``. The rungs are a geometric ladder picked
    from the table's fidelities (see :func:`fidelity_ladder`): the lowest, then repeatedly the
    smallest one at least ``eta`` times the previous, and always the highest. NAS-Bench-201
    has 12 and 200 epochs, so its ladder is (12, 200). Built without ``fidelities`` (directly,
    not through the runner) a strategy has one rung, the evaluator's signal fidelity.

Incumbent (``recommend``)
    The best architecture by signal at the *highest rung evaluated so far*: signals at
    different fidelities are not comparable, so a 200-epoch result, once any exists, beats
    every 12-epoch one.

Asynchronous workers
    ``ask`` never waits. Synchronous SH/Hyperband would idle while a rung waits for results;
    here, when no promotion is ready, a new bracket is opened (sh, hb, bohb) or a new random
    configuration starts at the lowest rung (asha). Failed trials (NaN) rank last and are
    never promoted.

One fidelity (e.g. NB-Graph)
    With a single rung nothing is ever promoted: ``sh``, ``hb`` and ``asha`` are random search
    over configurations at that fidelity; ``bohb`` is its KDE Bayesian optimisation (1/3
    random) at that fidelity, i.e. BOHB with a single budget.

New configurations are uniform without replacement; once every architecture has been drawn
they are drawn with replacement (a new trial is a new training seed), so these strategies
never raise SearchSpaceExhaustedError.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from nasbench.spaces import SearchSpace
from strategies.base import Strategy, StrategyError, Trial
from strategies.validation import check_int, check_number


def fidelity_ladder(
    fidelities, eta: float, min_fidelity: float | None = None, max_fidelity: float | None = None
) -> tuple[float, ...]:
    """Rungs (epochs, ascending) picked from ``fidelities`` within ``[min_fidelity, max_fidelity]``.

    Lowest fidelity, then repeatedly the smallest available fidelity >= eta x the previous
    rung, and always the highest: ``(12, 200)`` stays ``(12, 200)``; 1..200 epochs with
    eta = 3 gives ``(1, 3, 9, 27, 81, 200)``.
    """
    fids = sorted({float(f) for f in fidelities})
    lo = -math.inf if min_fidelity is None else float(min_fidelity)
    hi = math.inf if max_fidelity is None else float(max_fidelity)
    fids = [f for f in fids if lo <= f <= hi]
    if not fids:
        raise StrategyError(
            f"no table fidelity within [{min_fidelity}, {max_fidelity}]; the table has {sorted(set(map(float, fidelities)))}"
        )
    ladder = [fids[0]]
    for f in fids[1:]:
        if f >= ladder[-1] * eta:
            ladder.append(f)
    if ladder[-1] != fids[-1]:
        ladder.append(fids[-1])
    return tuple(ladder)


class MultiFidelityStrategy(Strategy):
    """Shared machinery: the ladder, trial bookkeeping, rung results and the incumbent."""

    needs_fidelities = True

    def __init__(
        self,
        space: SearchSpace,
        *,
        rng: np.random.Generator,
        eta: int = 3,
        fidelities=None,
        min_fidelity: float | None = None,
        max_fidelity: float | None = None,
    ):
        super().__init__(space, rng=rng)
        n = self.name
        self.eta = check_int(n, "eta", eta, 2)
        self.min_fidelity = check_number(n, "min_fidelity", min_fidelity, low=0, allow_none=True)
        self.max_fidelity = check_number(n, "max_fidelity", max_fidelity, low=0, allow_none=True)
        if fidelities is not None:
            try:
                fidelities = [check_number(n, "fidelities", f, low=0, low_open=True) for f in fidelities]
            except TypeError:
                raise StrategyError(f"{n}: fidelities must be a sequence of epochs or None, got {fidelities!r}") from None
        #: the table's fidelities the runner passed (None: one rung, the evaluator's signal fidelity)
        self.fidelities = fidelities if fidelities else None
        if self.fidelities is None:
            self.ladder: tuple = (None,)  # one rung: the evaluator's signal fidelity
        else:
            self.ladder = fidelity_ladder(self.fidelities, self.eta, self.min_fidelity, self.max_fidelity)
        self.top = len(self.ladder) - 1
        self._rung_index = {f: i for i, f in enumerate(self.ladder)}
        #: trial_id -> architecture
        self.trial_arch: dict[int, int] = {}
        #: trial_id -> rung index of its latest (asked) evaluation
        self.trial_rung: dict[int, int] = {}
        #: per rung: trial_id -> signal (NaN = failed), in the order told
        self.rung_results: list[dict[int, float]] = [{} for _ in self.ladder]
        self._rung_best: list[tuple[float, int] | None] = [None for _ in self.ladder]
        self._seen: set[int] = set()
        self._size = int(space.size)

    # ----- trials --------------------------------------------------------------------------
    def _start(self, arch: int, rung: int) -> Trial:
        """A new trial (new trial_id) of ``arch`` at ``rung``."""
        trial = self.new_trial(arch, self.ladder[rung])
        self.trial_arch[trial.trial_id] = int(arch)
        self.trial_rung[trial.trial_id] = rung
        return trial

    def _promote(self, tid: int) -> Trial:
        """Continue trial ``tid`` at the next rung (same trial_id: same seed, extra epochs only)."""
        rung = self.trial_rung[tid] + 1
        self.trial_rung[tid] = rung
        return Trial(self.trial_arch[tid], self.ladder[rung], tid)

    def _random_arch(self) -> int:
        """Uniform, without replacement until the space is exhausted, then with replacement."""
        size, seen = self._size, self._seen
        if len(seen) >= size:
            return int(self.rng.integers(size))
        if len(seen) < size // 2:
            while True:
                arch = int(self.rng.integers(size))
                if arch not in seen:
                    break
        else:
            unseen = np.setdiff1d(np.arange(size), np.fromiter(seen, dtype=np.int64))
            arch = int(unseen[self.rng.integers(len(unseen))])
        seen.add(arch)
        return arch

    def _new_arch(self, rung: int) -> int:
        """Architecture of a new configuration starting at ``rung`` (BOHB overrides)."""
        return self._random_arch()

    def _top_k(self, results: dict[int, float], k: int) -> list[int]:
        """Trial ids of the ``k`` best successful results (value desc, earlier trial first)."""
        ok = [(v, tid) for tid, v in results.items() if not math.isnan(v)]
        ok.sort(key=lambda x: (-x[0], x[1]))
        return [tid for _, tid in ok[:k]]

    # ----- contract ------------------------------------------------------------------------
    def _observe(self, trial: Trial, value: float) -> None:
        rung = self._rung_index.get(trial.fidelity, self.trial_rung.get(trial.trial_id, 0))
        self.rung_results[rung][trial.trial_id] = value
        if not math.isnan(value):
            best = self._rung_best[rung]
            if best is None or value > best[0]:
                self._rung_best[rung] = (value, trial.arch)
        self._on_result(trial.trial_id, rung, value)

    def _on_result(self, tid: int, rung: int, value: float) -> None:
        """Hook: a result of trial ``tid`` at ``rung`` arrived."""

    def recommend(self) -> int | None:
        """Best architecture by signal at the highest rung with a successful result."""
        for best in reversed(self._rung_best):
            if best is not None:
                return best[1]
        return None

    @property
    def details(self) -> dict:
        """The rungs (epochs) picked from the table's fidelities."""
        return {"ladder": [None if f is None else float(f) for f in self.ladder]}


class _Bracket:
    """One successive-halving bracket: ``n`` configurations from rung ``base`` up to ``top``."""

    __slots__ = ("base", "n", "rung", "to_start", "members", "results", "queue")

    def __init__(self, base: int, n: int):
        self.base, self.n, self.rung = base, n, base
        self.to_start = n  # new configurations still to start at the base rung
        self.members: list[int] = []  # trial ids at the current rung
        self.results: dict[int, float] = {}  # their results so far
        self.queue: deque[int] = deque()  # trial ids to promote to the current rung

    @property
    def finished(self) -> bool:
        return not self.to_start and not self.queue and len(self.results) == len(self.members)


class SuccessiveHalving(MultiFidelityStrategy):
    """Successive halving (Jamieson & Talwalkar, AISTATS 2016; Li et al., JMLR 2018, Alg. 1 inner loop).

    A bracket starts ``num_configs`` random configurations at the lowest rung; when all of a
    rung's results are back, the top ``max(1, floor(n_k / eta))`` by signal (failed trials
    never) continue to the next rung with the same ``trial_id``. Default ``num_configs``:
    ``eta ** (rungs - 1)``, Hyperband's most exploratory bracket (one configuration reaches
    the top rung); ``eta = 3`` as Li et al. (2018, who suggest 3 or 4) and Falkner et al.
    (2018). Asynchronous workers: when no bracket has a job ready, a new bracket opens.
    """

    name = "sh"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, eta: int = 3, fidelities=None,
                 min_fidelity: float | None = None, max_fidelity: float | None = None, num_configs: int | None = None):
        super().__init__(space, rng=rng, eta=eta, fidelities=fidelities, min_fidelity=min_fidelity,
                         max_fidelity=max_fidelity)
        self.num_configs = check_int(self.name, "num_configs", num_configs, 1, allow_none=True)
        self.brackets: list[_Bracket] = []
        self._bracket_of: dict[int, _Bracket] = {}
        self.n_brackets = 0

    def _next_bracket(self) -> _Bracket:
        n = self.num_configs if self.num_configs is not None else self.eta ** self.top
        return _Bracket(0, n)

    def _propose(self) -> Trial:
        for b in self.brackets:  # promotions first, oldest bracket first
            if b.queue:
                tid = b.queue.popleft()
                b.members.append(tid)
                return self._promote(tid)
        for b in self.brackets:
            if b.to_start:
                return self._start_in(b)
        b = self._next_bracket()
        self.brackets.append(b)
        self.n_brackets += 1
        return self._start_in(b)

    def _start_in(self, b: _Bracket) -> Trial:
        b.to_start -= 1
        trial = self._start(self._new_arch(b.base), b.base)
        b.members.append(trial.trial_id)
        self._bracket_of[trial.trial_id] = b
        return trial

    def _on_result(self, tid: int, rung: int, value: float) -> None:
        b = self._bracket_of.get(tid)
        if b is None or rung != b.rung:
            return
        b.results[tid] = value
        if b.to_start or b.queue or len(b.results) < len(b.members):
            return  # the rung is not complete yet
        if b.rung < self.top:
            keep = self._top_k(b.results, max(1, len(b.members) // self.eta))
            b.rung += 1
            b.members, b.results = [], {}
            b.queue.extend(keep)
        if b.finished:
            self.brackets.remove(b)


class Hyperband(SuccessiveHalving):
    """Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh & Talwalkar, JMLR 2018, Alg. 1).

    Brackets cycle through s = s_max, ..., 0 with s_max = rungs - 1: bracket s starts
    ``ceil((s_max + 1) / (s + 1) * eta ** s)`` configurations at rung ``s_max - s`` and runs
    successive halving from there (``eta = 3``, as Li et al. 2018 suggest and BOHB uses).
    The rungs are the table's ladder rather than ``R * eta ** -s`` (tables hold a few
    fidelities). Asynchronous workers: a waiting bracket does not block; the next bracket
    in the cycle opens instead.
    """

    name = "hb"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, eta: int = 3, fidelities=None,
                 min_fidelity: float | None = None, max_fidelity: float | None = None):
        super().__init__(space, rng=rng, eta=eta, fidelities=fidelities, min_fidelity=min_fidelity,
                         max_fidelity=max_fidelity)
        self._s = self.top  # next bracket's s

    def _next_bracket(self) -> _Bracket:
        s_max, s = self.top, self._s
        self._s = s - 1 if s > 0 else s_max
        n = math.ceil((s_max + 1) / (s + 1) * self.eta ** s)
        return _Bracket(s_max - s, n)


class ASHA(MultiFidelityStrategy):
    """Asynchronous successive halving (Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur, Hardt,
    Recht & Talwalkar, MLSys 2020, Alg. 2).

    Each ask: from the highest non-top rung down, promote the best trial that is in the top
    ``floor(n_k / eta)`` of the results told at rung k (failed trials rank last, never
    promoted) and was not promoted yet; if there is none, start a new random configuration
    at the lowest rung. No waiting. ``eta = 3`` (Li et al. 2018 suggest 3 or 4).
    """

    name = "asha"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, eta: int = 3, fidelities=None,
                 min_fidelity: float | None = None, max_fidelity: float | None = None):
        super().__init__(space, rng=rng, eta=eta, fidelities=fidelities, min_fidelity=min_fidelity,
                         max_fidelity=max_fidelity)
        self.promoted: list[set[int]] = [set() for _ in self.ladder]

    def _propose(self) -> Trial:
        for k in range(self.top - 1, -1, -1):
            results = self.rung_results[k]
            for tid in self._top_k(results, len(results) // self.eta):
                if tid not in self.promoted[k]:
                    self.promoted[k].add(tid)
                    return self._promote(tid)
        return self._start(self._new_arch(0), 0)


class BOHB(Hyperband):
    """BOHB (Falkner, Klein & Hutter, ICML 2018): Hyperband whose new configurations come
    from a TPE-style kernel density model (Alg. 2).

    With probability ``random_fraction`` (1/3) a new configuration is uniform. Otherwise the
    model is fit on the highest fidelity with at least N_min + 2 observations
    (N_min = ``min_points``, by default d + 1, d = number of decisions): the top
    ``max(N_min, floor(top_fraction * N))`` (15%) results form l(x), the rest g(x), each a
    product of Aitchison-Aitken kernels over the space's categorical decisions (kernel
    1 - h on the datum's value, h / (c - 1) elsewhere). Bandwidths: the normal-reference rule
    of statsmodels' KDEMultivariate (as hpbandster uses) on the decision codes, clipped to
    [min_bandwidth, (c - 1) / c] (above (c - 1) / c the kernel would favour other values).
    ``num_samples`` (64) candidates are drawn from l'(x) (a good datum, each decision kept with
    probability 1 - h * bandwidth_factor (3), else uniform; a candidate that names no
    architecture is repaired by the space, ``archs_of_decisions``) and the one with the highest
    l(x) / g(x) not yet proposed is taken. Without a model (too few observations) the
    configuration is uniform. Defaults: the paper's and hpbandster's (random_fraction 1/3,
    top_n_percent 15, num_samples 64, bandwidth_factor 3, min_bandwidth 1e-3, N_min = d + 1).
    Failed trials are observations ranked last.
    """

    name = "bohb"

    def __init__(self, space: SearchSpace, *, rng: np.random.Generator, eta: int = 3, fidelities=None,
                 min_fidelity: float | None = None, max_fidelity: float | None = None,
                 random_fraction: float = 1 / 3, top_fraction: float = 0.15, bandwidth_factor: float = 3.0,
                 num_samples: int = 64, min_bandwidth: float = 1e-3, min_points: int | None = None):
        super().__init__(space, rng=rng, eta=eta, fidelities=fidelities, min_fidelity=min_fidelity,
                         max_fidelity=max_fidelity)
        self.sizes = np.asarray(space.decision_sizes, dtype=np.int64)
        d = len(self.sizes)
        self.random_fraction = check_number("bohb", "random_fraction", random_fraction, low=0, high=1)
        self.top_fraction = check_number("bohb", "top_fraction", top_fraction, low=0, high=1)
        self.bandwidth_factor = check_number("bohb", "bandwidth_factor", bandwidth_factor, low=0, low_open=True)
        self.min_bandwidth = check_number("bohb", "min_bandwidth", min_bandwidth, low=0, high=1,
                                          low_open=True, high_open=True)
        self.num_samples = check_int("bohb", "num_samples", num_samples, 1)
        self.min_points = check_int("bohb", "min_points", min_points, 1, rule=" (None: d + 1)", allow_none=True)
        #: N_min, the observations a model needs: ``min_points``, or d + 1 (d = number of decisions)
        self.n_min = d + 1 if min_points is None else self.min_points
        self.n_model_proposals = 0

    # ----- model ---------------------------------------------------------------------------
    def _model_rung(self) -> int | None:
        """Highest rung with at least N_min + 2 observations (Falkner et al., Alg. 2), or None."""
        for k in range(self.top, -1, -1):
            if len(self.rung_results[k]) >= self.n_min + 2:
                return k
        return None

    def _bandwidths(self, data: np.ndarray) -> np.ndarray:
        n, d = data.shape
        bw = 1.06 * data.std(axis=0) * n ** (-1.0 / (4 + d))
        upper = np.where(self.sizes > 1, (self.sizes - 1) / np.maximum(self.sizes, 1), 0.0)
        return np.clip(bw, self.min_bandwidth, np.maximum(upper, self.min_bandwidth))

    def _log_pdf(self, x: np.ndarray, data: np.ndarray, bw: np.ndarray) -> np.ndarray:
        """log of the product Aitchison-Aitken KDE at rows of ``x`` ([S, d])."""
        multi = self.sizes > 1
        c = np.maximum(self.sizes - 1, 1)
        log_same = np.where(multi, np.log1p(-np.minimum(bw, 1 - 1e-12)), 0.0)
        log_diff = np.where(multi, np.log(np.maximum(bw, 1e-300) / c), 0.0)
        eq = x[:, None, :] == data[None, :, :]  # [S, N, d]
        logk = np.where(eq, log_same, log_diff).sum(axis=2)  # [S, N]
        m = logk.max(axis=1, keepdims=True)
        return (m[:, 0] + np.log(np.exp(logk - m).mean(axis=1)))

    def model_sample(self, rung: int) -> int:
        """A new architecture from the KDE model fit on ``rung`` (no random fraction)."""
        results = self.rung_results[rung]
        tids = list(results)
        values = np.array([results[t] for t in tids], dtype=np.float64)
        order = np.lexsort((np.arange(len(tids)), -np.nan_to_num(values, nan=-np.inf)))  # best first
        archs = np.array([self.trial_arch[t] for t in tids], dtype=np.int64)[order]
        data = self.space.to_decisions(archs).astype(np.int64)
        n = len(data)
        n_good = min(max(self.n_min, int(self.top_fraction * n)), n - 1)
        good, bad = data[:n_good], data[n_good:]
        bw_good, bw_bad = self._bandwidths(good), self._bandwidths(bad)
        # samples from l'(x): a random good datum, each decision resampled uniformly w.p. bw * factor
        s, d = self.num_samples, len(self.sizes)
        base = good[self.rng.integers(len(good), size=s)]
        h = np.minimum(bw_good * self.bandwidth_factor, 1.0)
        resample = self.rng.random((s, d)) < h
        uniform = (self.rng.random((s, d)) * self.sizes).astype(np.int64)
        # a candidate naming no architecture is repaired by the space (then scored as repaired)
        ids, cand = self.archs_of_decisions(np.where(resample, uniform, base))
        score = self._log_pdf(cand, good, bw_good) - self._log_pdf(cand, bad, bw_bad)
        exhausted = len(self._seen) >= self._size
        for i in np.lexsort((np.arange(s), -score)):
            arch = int(ids[i])
            if exhausted or arch not in self._seen:
                self._seen.add(arch)
                self.n_model_proposals += 1
                return arch
        return self._random_arch()

    def _new_arch(self, rung: int) -> int:
        if self.rng.random() < self.random_fraction:
            return self._random_arch()
        k = self._model_rung()
        if k is None:
            return self._random_arch()
        return self.model_sample(k)

    @property
    def details(self) -> dict:
        return {**super().details, "n_min": self.n_min}
