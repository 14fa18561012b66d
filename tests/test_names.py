"""Names a user types: one "did you mean" wording on every registry, paper aliases, --version,
and the public seams that replaced private reach-ins (forget, import_target, the neighbour table)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tomllib

import nasbench
from nasbench.errors import UnknownBenchmarkError, UnknownNameError, did_you_mean, suggest, unknown_name_message
from nasbench.spaces.base import one_change_neighbor_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # the tomli dependency of Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent


def test_suggest_finds_typos_and_case_variants_only():
    known = ["re", "rs", "ls", "reinforce", "bananas"]
    assert suggest("bananna", known) == ["bananas"]
    assert suggest("RS", known)[0] == "rs"
    assert suggest("xyzzy", known) == []
    assert did_you_mean("xyzzy", known) == ""
    assert unknown_name_message("strategy", "bananna", known) == (
        "unknown strategy 'bananna' (did you mean 'bananas'?); known: 're', 'rs', 'ls', 'reinforce' or 'bananas'")


@pytest.mark.parametrize("call, typo, hint", [
    (lambda n: nasbench.load(n), "nb201/cifar1O", "nb201/cifar10"),
    (lambda n: nasbench.get_space(n), "nb2O1", "nb201"),
    (lambda n: nasbench.load("nb201/cifar10").table.metric(n), "valid_accc", "valid_acc"),
])
def test_benchmark_space_and_metric_suggest(call, typo, hint):
    with pytest.raises((UnknownBenchmarkError, UnknownNameError, nasbench.NasbenchError),
                       match=rf"'{typo}' \(did you mean '{hint}'"):
        call(typo)


def test_strategy_predictor_and_method_suggest():
    from predictors import get_spec as predictor_spec
    from strategies import get_spec
    from strategies.oneshot.registry import method_class

    with pytest.raises(UnknownNameError, match=r"did you mean 'bananas'"):
        get_spec("bananna")
    with pytest.raises(UnknownNameError, match=r"did you mean 'ridge'"):
        predictor_spec("rigde")
    with pytest.raises(UnknownNameError, match=r"'drats' \(did you mean [^)]*'darts'"):
        method_class("drats")


@pytest.mark.parametrize("alias, name", [("rea", "re"), ("REA", "re"), ("RS", "rs"), ("Hyperband", "hb"),
                                         ("regularized-evolution", "re"), ("nsga-ii", "nsga2")])
def test_paper_aliases_resolve_to_the_registered_name(alias, name):
    from strategies import RunSpec, get_spec
    from strategies.registry import ALIASES, canonical_name, strategy_help, strategy_names

    assert canonical_name(alias) == name and get_spec(alias).name == name
    assert RunSpec("nb201/cifar10", alias, 0, "5q").strategy == name  # one configuration key
    assert set(ALIASES.values()) <= set(strategy_names())  # every alias names a registered strategy
    assert "rea = re" in strategy_help()


def test_an_alias_cannot_be_registered_as_a_strategy():
    from strategies.base import StrategyError, StrategySpec
    from strategies.registry import register

    with pytest.raises(StrategyError, match="alias"):
        register(StrategySpec(name="rea", factory="strategies.evolution:RegularizedEvolution", description="x"))


def test_version_is_written_once_and_printed_by_the_cli():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nasbench.__version__"}
    out = subprocess.run([sys.executable, "-m", "reproduce.cli", "--version"], capture_output=True, text=True,
                         cwd=REPO, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == f"nasbench-harness {nasbench.__version__}"


def test_forget_drops_a_loaded_benchmark():
    from nasbench.benchmark import forget

    first = nasbench.load("nbmacro/cifar10")
    assert nasbench.load("nbmacro/cifar10") is first  # cached while the file is unchanged
    assert forget("nbmacro/cifar10") == 1 and forget("nbmacro/cifar10") == 0
    assert nasbench.load("nbmacro/cifar10") is not first


def test_import_target_resolves_module_attribute_strings():
    from nasbench.name_table import import_target

    assert import_target("nasbench.spaces.base:SearchSpace.neighbors").__name__ == "neighbors"
    with pytest.raises(AttributeError):
        import_target("nasbench.spaces.base:NoSuchThing")


def test_one_change_neighbor_table_matches_brute_force():
    digits = np.array([[a, b, c] for a in range(3) for b in range(3) for c in range(3)])  # id = code
    table = one_change_neighbor_table(digits, 3)
    for i, row in enumerate(table):
        expected = sorted(j for j in range(27) if (digits[j] != digits[i]).sum() == 1)
        assert row.tolist() == expected
    perm = np.random.default_rng(0).permutation(27)  # ids in another order than the codes
    id_of_code = np.empty(27, dtype=np.int64)
    id_of_code[perm] = np.arange(27)
    shuffled = one_change_neighbor_table(digits[perm], 3, id_of_code)
    for i, row in enumerate(shuffled):
        assert sorted(perm[row].tolist()) == table[perm[i]].tolist()
    assert not table.flags.writeable
