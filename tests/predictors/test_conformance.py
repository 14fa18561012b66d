"""The predictor conformance suite: every registered predictor passes every check here."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import nasbench
from nasbench.errors import NasbenchError, UnknownNameError
from predictors import ArchEncoder, PredictorError, default_encoding, get_spec, make_predictor, predictor_names

ALL = predictor_names()


@pytest.fixture(scope="module")
def nb201():
    bench = nasbench.load("nb201/cifar10")
    y = bench.table.vector("valid_acc", 200)
    ok = np.flatnonzero(np.isfinite(y))
    ids = np.random.default_rng(2021).choice(ok, 405, replace=False)
    return bench, y, ids[:205], ids[205:]


def _data(nb201, name, n_train=40):
    bench, y, train, test = nb201
    enc = ArchEncoder(bench.space, default_encoding(bench.space, get_spec(name).encodings))
    return enc.transform(train[:n_train]), y[train[:n_train]], enc.transform(test), y[test]


# Small, fast settings for the checks that fit several times; the Spearman check uses defaults.
FAST = {"bananas-ensemble": {"epochs": 30}, "mlp-ensemble": {"epochs": 30}, "gcn": {"epochs": 30}}


@pytest.mark.parametrize("name", ALL)
def test_same_random_state_same_predictions(name, nb201):
    Xtr, ytr, Xte, _ = _data(nb201, name)
    a = make_predictor(name, random_state=7, **FAST.get(name, {}))
    assert a.fit(Xtr, ytr) is a
    b = make_predictor(name, random_state=7, **FAST.get(name, {})).fit(Xtr, ytr)
    pa, pb = a.predict(Xte), b.predict(Xte)
    assert pa.shape == (len(Xte),) and np.all(np.isfinite(pa))
    np.testing.assert_array_equal(pa, pb)
    # refitting the same object gives the same model again (random_state read inside fit)
    np.testing.assert_array_equal(a.fit(Xtr, ytr).predict(Xte), pa)
    c = make_predictor(name, random_state=8, **FAST.get(name, {})).fit(Xtr, ytr).predict(Xte)
    if get_spec(name).stochastic:
        assert not np.array_equal(pa, c)
    else:
        np.testing.assert_array_equal(pa, c)
    # a SeedSequence or Generator works too; clone keeps the params
    make_predictor(name, random_state=np.random.SeedSequence(1), **FAST.get(name, {})).fit(Xtr, ytr)
    assert clone(a).get_params() == a.get_params()


@pytest.mark.parametrize("name", ALL)
def test_std_when_declared(name, nb201):
    Xtr, ytr, Xte, _ = _data(nb201, name)
    m = make_predictor(name, random_state=0, **FAST.get(name, {})).fit(Xtr, ytr)
    if get_spec(name).has_std:
        s = m.predict_std(Xte)
        assert s.shape == (len(Xte),) and np.all(np.isfinite(s)) and np.all(s >= 0) and np.any(s > 0)
    else:
        with pytest.raises(PredictorError, match="no uncertainty"):
            m.predict_std(Xte)


@pytest.mark.parametrize("name", ALL)
def test_errors_are_clear(name, nb201):
    Xtr, ytr, Xte, _ = _data(nb201, name, n_train=10)
    m = make_predictor(name, random_state=0, **FAST.get(name, {}))
    with pytest.raises(NotFittedError, match="not fitted"):
        m.predict(Xte)
    assert isinstance(pytest.raises(NotFittedError, m.predict, Xte).value, NasbenchError)
    bad = ytr.copy()
    bad[3] = np.nan
    with pytest.raises(PredictorError, match="NaN"):
        m.fit(Xtr, bad)
    with pytest.raises(PredictorError, match="shape"):
        m.fit(Xtr, ytr[:-1])
    with pytest.raises(PredictorError, match="2-D"):
        m.fit(Xtr[0], ytr)
    m.fit(Xtr, ytr)
    with pytest.raises(PredictorError, match="features"):
        m.predict(Xte[:, :-1])


@pytest.mark.parametrize("name", ALL)
def test_ranks_nb201_architectures(name, nb201):
    Xtr, ytr, Xte, yte = _data(nb201, name, n_train=205)
    pred = make_predictor(name, random_state=0).fit(Xtr, ytr).predict(Xte)
    rho = spearmanr(pred, yte)[0]
    assert rho > get_spec(name).spearman_floor, f"{name}: Spearman {rho:.3f}"


def test_unknown_name_lists_known():
    with pytest.raises(UnknownNameError, match="known: .*'rf'"):
        make_predictor("oracle-9000")


def test_unknown_parameter_is_a_clear_error():
    with pytest.raises(PredictorError, match="has no parameter 'n_trees'"):
        make_predictor("rf", n_trees=3)


def test_encoder_kinds_and_truncation(nb201):
    bench, _, train, _ = nb201
    ids = train[:5]
    assert ArchEncoder(bench.space, "onehot").fit(ids).transform(ids).shape == (5, 30)
    full = ArchEncoder(bench.space, "path").transform(ids)
    assert full.shape == (5, 84) and full.dtype == np.float32
    np.testing.assert_array_equal(ArchEncoder(bench.space, "path", truncate=20).transform(ids), full[:, :20])
    g = ArchEncoder(bench.space, "graph").transform(ids)
    assert g.shape == (5, 1 + 64 + 8 * 7) and np.all(g[:, 0] == 8)
    dec = ArchEncoder(bench.space, "decisions").transform(ids)
    np.testing.assert_array_equal(dec, ArchEncoder(bench.space, "onehot").transform(ids))
    with pytest.raises(UnknownNameError, match="choose"):
        ArchEncoder(bench.space, "zigzag").transform(ids)
    graph = nasbench.load("nbgraph/cora").space
    assert ArchEncoder(graph, "graph").transform([0, 1]).shape[0] == 2


#: every other kind of space: a graph space, the global macro space, the NB101 DAG subset table and
#: the 10^18-cell DARTS space of the NB301 surrogate (sampled, never enumerated)
OTHER_SPACES = ("nbgraph/cora", "nbmacro/cifar10", "nb101/cifar10", "nb301/cifar10")


@pytest.mark.parametrize("bench_name", OTHER_SPACES)
@pytest.mark.parametrize("name", ALL)
def test_fits_every_kind_of_space(name, bench_name):
    bench = nasbench.load(bench_name)
    rng = np.random.default_rng(5)
    ids = np.unique(bench.space.sample(rng, 80))
    y = bench.table.query(ids, "valid_acc")
    ok = np.isfinite(y)
    ids, y = ids[ok], y[ok]
    enc = ArchEncoder(bench.space, default_encoding(bench.space, get_spec(name).encodings))
    X = enc.transform(ids)
    assert X.shape[0] == len(ids) and np.all(np.isfinite(X))
    a = make_predictor(name, random_state=3, **FAST.get(name, {})).fit(X[:40], y[:40]).predict(X[40:])
    b = make_predictor(name, random_state=3, **FAST.get(name, {})).fit(X[:40], y[:40]).predict(X[40:])
    assert a.shape == (len(ids) - 40,) and np.all(np.isfinite(a))
    np.testing.assert_array_equal(a, b)
