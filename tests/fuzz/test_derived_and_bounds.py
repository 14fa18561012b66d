"""Derived files tied to their sealed table, budget maxima, and strings never read as ids
(issue 23; docs/hostile-input.md). Includes a seeded fuzz of the budget and architecture
argument parsers: every draw is a valid value or an error of ours."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nasbench
from nasbench.benchmark import forget
from nasbench.errors import InvalidArchitectureError, NasbenchError
from nasbench.spaces import get_space

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def nb201_home(tmp_path, monkeypatch):
    """A NASBENCH_HOME holding a copy of the built nb201/cifar10 table (and nothing derived)."""
    built = nasbench.load("nb201/cifar10").table.path
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built, home / built.name)
    monkeypatch.setenv("NASBENCH_HOME", str(home))
    get_space.cache_clear()
    forget("nb201/cifar10")
    yield home
    get_space.cache_clear()
    forget("nb201/cifar10")


def _swap_rows(home: Path, reseal: bool) -> None:
    from nasbench.spaces.nb201 import _archs_digest, order_cache_files

    cache, seal = order_cache_files()
    order = np.load(cache)
    order[[1, 2]] = order[[2, 1]]
    buf = io.BytesIO()
    np.save(buf, order)
    cache.write_bytes(buf.getvalue())
    if reseal:  # the cache and its seal changed together: only the table can tell
        seal.write_text(json.dumps({"npy_sha256": hashlib.sha256(buf.getvalue()).hexdigest(),
                                    "archs_sha256": _archs_digest(order)}))


@pytest.mark.parametrize("reseal", [False, True], ids=["cache-edited", "cache-and-seal-edited"])
def test_a_swapped_nb201_order_cache_never_answers_with_another_architecture(nb201_home, reseal):
    from nasbench.table import Table

    with Table(next(nb201_home.glob("nb201__cifar10.h5"))) as table:  # the truth: the sealed table
        archs, test = table.archs(), table.vector("test_acc")
    get_space("nb201")  # derive and seal the cache
    get_space.cache_clear()
    _swap_rows(nb201_home, reseal)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bench = nasbench.load("nb201/cifar10")
        for row in (1, 2):
            assert bench.arch_id(archs[row]) == row
            assert bench.query(archs[row], "test_acc") == pytest.approx(float(test[row]))
    assert any("order" in str(w.message) for w in caught), "the rebuild of the cache is not reported"
    assert test[1] != test[2]  # the two swapped architectures do differ (the test could fail)


def test_with_the_table_deleted_the_rebuild_uses_a_rederived_order(nb201_home):
    get_space("nb201")
    get_space.cache_clear()
    _swap_rows(nb201_home, reseal=False)
    with pytest.warns(UserWarning, match="its sha256 differs"):
        truth = nasbench.load("nb201/cifar10").table.archs()
    (nb201_home / "nb201__cifar10.h5").unlink()
    get_space.cache_clear()
    forget("nb201/cifar10")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bench = nasbench.load("nb201/cifar10")  # rebuilt, not "the pickle's key order differs"
    assert bench.table.archs() == truth


def test_a_swapped_nb101_graph_cache_is_rederived(tmp_path):
    from nasbench.spaces.nb101 import graph_cache_path, space_of_table

    built = nasbench.load("nb101/cifar10").table.path
    table = tmp_path / built.name
    shutil.copy(built, table)
    fresh = space_of_table(table)
    with nasbench.Table(table) as opened:
        archs = opened.archs()
    cache = graph_cache_path(table, archs)
    with np.load(cache) as z:
        arrays = {k: z[k] for k in z.files}
    rows = [3, 4]
    assert not np.array_equal(arrays["decisions"][3], arrays["decisions"][4])
    arrays["decisions"][rows] = arrays["decisions"][rows[::-1]]
    with open(cache, "wb") as fh:
        np.savez(fh, **arrays)
    with pytest.warns(UserWarning, match="does not match its seal"):
        again = space_of_table(table)
    assert np.array_equal(again.to_decisions(np.arange(again.size)), fresh.to_decisions(np.arange(fresh.size)))


# ----- budgets --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, needle", [("99999999999999999999q", "1,000,000 queries"),
                                          ("1000001q", "1,000,000 queries"),
                                          ("1000000000000s", "100,000,000 simulated seconds"),
                                          ("0q", "positive"), ("-5s", "positive"), ("1.5q", "whole number"),
                                          ("abc", "positive"), ("1e9s", "positive")])
def test_budgets_over_the_maxima_or_malformed_are_typed_errors(text, needle):
    from strategies.loop import Budget

    with pytest.raises(NasbenchError, match=needle):
        Budget.parse(text)


def test_budgets_at_the_maxima_are_accepted():
    from strategies.loop import MAX_QUERIES, MAX_SECONDS, Budget

    assert Budget.parse(f"{MAX_QUERIES}q").amount == MAX_QUERIES
    assert Budget.parse(f"{MAX_SECONDS}s").amount == MAX_SECONDS


def test_fuzz_budget_strings():
    from strategies.loop import MAX_QUERIES, MAX_SECONDS, Budget

    rng = np.random.default_rng(23)
    alphabet = list("0123456789.qs eE-+x") + ["", "\x00", "\xff", "9" * 30]
    for _ in range(500):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(0, 12))).tolist())
        try:
            budget = Budget.parse(text)
        except NasbenchError:
            continue
        assert 0 < budget.amount <= (MAX_QUERIES if budget.is_queries else MAX_SECONDS), text


# ----- strings are never read as ids ---------------------------------------------------------
def test_an_all_digit_string_is_read_in_the_space_form_never_as_an_id():
    from reproduce.commands.bench import _arch_id

    bench = nasbench.load("nbmacro/cifar10")
    with pytest.raises(InvalidArchitectureError, match="--id 00000003"):
        _arch_id(bench, "00000003")  # '3' is not a layer choice; before: the values of id 3
    assert _arch_id(bench, "id:3") == 3 == bench.arch_id("id:3")
    assert _arch_id(bench, bench.space.to_str(3)) == 3
    with pytest.raises(InvalidArchitectureError, match="whole number"):
        bench.arch_id("id:3.0")


def test_cli_query_by_id_and_by_string_agree():
    exe = [sys.executable, "-m", "reproduce.cli", "query", "nbmacro/cifar10"]
    by_id = subprocess.run([*exe, "--id", "3", "--json"], capture_output=True, text=True, cwd=REPO)
    bench = nasbench.load("nbmacro/cifar10")
    by_str = subprocess.run([*exe, bench.space.to_str(3), "--json"], capture_output=True, text=True, cwd=REPO)
    assert by_id.returncode == 0 == by_str.returncode, by_id.stderr + by_str.stderr
    assert json.loads(by_id.stdout) == json.loads(by_str.stdout)
    assert json.loads(by_id.stdout)["id"] == 3
    bad = subprocess.run([*exe, "00000003"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--id" in bad.stderr


@pytest.mark.parametrize("name", ["nb201/cifar10", "nbgraph/cora", "nbmacro/cifar10"])
def test_fuzz_architecture_strings(name):
    """Random strings made of the space's own pieces: a valid id or InvalidArchitectureError."""
    bench = nasbench.load(name)
    rng = np.random.default_rng(23)
    pieces = sorted({c for i in (0, 1, bench.space.size - 1) for c in bench.space.to_str(i)}) + \
        ["id:", "-1", "99999999999999999999999", "\x00", "é", " ", "@", "~", "|"]
    valid = 0
    for _ in range(300):
        text = "".join(rng.choice(pieces, size=int(rng.integers(0, 40))).tolist())
        if rng.random() < 0.3:  # near misses: a valid string with one piece changed
            base = list(bench.space.to_str(int(rng.integers(bench.space.size))))
            base[int(rng.integers(len(base)))] = str(rng.choice(pieces))
            text = "".join(base)
        try:
            arch = bench.arch_id(text)
        except InvalidArchitectureError:
            continue
        valid += 1
        assert 0 <= arch < bench.space.size
        assert bench.space.from_str(bench.space.to_str(arch)) == arch
    assert valid < 300  # the generator does produce invalid strings
