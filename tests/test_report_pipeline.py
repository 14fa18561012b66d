"""The report pipeline's structure: a kind is one module plus a registry line; reproduce/ has no
import circle; render/ and store/ import no kind; the process pool is nasbench.executors'."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from reproduce.cli import main

REPRODUCE = Path(__file__).resolve().parent.parent / "reproduce"


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPRODUCE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> the reproduce modules it imports, at module level or inside a function."""
    modules = {_module_name(p): p for p in REPRODUCE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(block.test) for b in block.body for n in ast.walk(b)}
        for node in ast.walk(tree):
            if id(node) in typing_only:  # annotations only: never executed
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                subs = [f"{base}.{a.name}" for a in node.names]
                # `from package import submodule` imports the submodule, not a name of the package
                targets = subs + ([base] if any(t not in modules for t in subs) else [])
            for t in targets:
                if t in modules and t != name:
                    graph[name].add(t)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_no_import_circle_in_reproduce():
    assert find_cycle(import_graph()) is None, " -> ".join(find_cycle(import_graph()) or [])


def test_the_cycle_finder_finds_a_planted_circle():
    graph = import_graph()
    graph["reproduce.store.results"].add("reproduce.kinds.search")  # a store importing a kind closes a circle
    assert find_cycle(graph) is not None


def test_render_and_store_import_no_kind():
    for name, deps in import_graph().items():
        if name.startswith(("reproduce.render", "reproduce.store")):
            bad = sorted(d for d in deps if d.startswith(("reproduce.kinds", "reproduce.pipeline", "reproduce.commands")))
            assert not bad, f"{name} imports {bad}"


def test_commands_do_not_branch_on_preset_kinds():
    text = (REPRODUCE / "commands" / "reproduce.py").read_text()
    for kind in ("MOPreset", "PredictorPreset", "OneShotPreset", '"multiobjective"', '"oneshot"', '"predictors"',
                 "isinstance(preset"):
        assert kind not in text, kind


def test_one_process_pool():
    """No module of the product starts its own pool: every one goes through nasbench.executors."""
    root = REPRODUCE.parent
    offenders = []
    for pkg in ("reproduce", "strategies", "predictors", "nasbench"):
        for path in (root / pkg).rglob("*.py"):
            if path.name == "executors.py" or "perf" in path.parts or "checks" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if "ProcessPoolExecutor" in text or "multiprocessing.Pool" in text or ".Pool(" in text:
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_a_toy_kind_in_one_module_reports_end_to_end(tmp_path, capsys):
    from reproduce.kinds import KINDS, register_kind

    register_kind("tests.toy_kind:ToyKind")  # the one registry line
    try:
        preset = tmp_path / "toy.toml"
        preset.write_text('kind = "toy"\nname = "toy"\ntitle = "Toy draws"\nseeds = 5\ndraws = 100\n')
        out = tmp_path / "out"
        assert main(["reproduce", str(preset), "--out", str(out), "--html", "--quiet"]) == 0
        summary = json.loads((out / "summary.json").read_text())
        expected = [np.random.default_rng(s).uniform(size=100).mean() for s in range(5)]
        assert summary["n"] == 5 and summary["mean"] == pytest.approx(float(np.mean(expected)))
        assert "Toy draws" in (out / "report.html").read_text()
        # report redraws it from its record; a missing run stops it with a named error
        (out / "runs" / "seed-00002.json").unlink()
        capsys.readouterr()
        assert main(["report", str(out)]) == 2
        assert "1 of 5 run(s)" in capsys.readouterr().err
        assert main(["reproduce", str(preset), "--out", str(out), "--quiet"]) == 0  # resumes the missing one
    finally:
        KINDS.pop("toy", None)


def test_a_script_without_main_guard_runs_its_sweep(tmp_path):
    """`reproduce.run_sweep` from a script without `if __name__ == "__main__":` works (in this process,
    said on stderr) instead of failing every run in the spawned workers."""
    script = tmp_path / "sweep_script.py"
    script.write_text(textwrap.dedent(f"""
        import reproduce
        from strategies import RunSpec
        specs = [RunSpec("nbgraph/cora", "rs", seed, "5q") for seed in range(4)]
        s = reproduce.run_sweep(specs, {str(tmp_path / 'out')!r}, progress=False)
        print("done", s.done, s.failed)
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          cwd=REPRODUCE.parent)
    assert proc.returncode == 0, proc.stderr
    assert "done 4 0" in proc.stdout
    assert "no `if __name__" in proc.stderr


def test_an_interrupt_while_writing_leaves_a_whole_set(tmp_path):
    """SIGINT in the middle of writing the report files: they are finished first (old set or new
    set, never table.md without summary.json), then the interrupt is raised."""
    import os
    import signal

    from reproduce.store.outputs import files_as_one_set

    written = []
    with pytest.raises(KeyboardInterrupt):
        with files_as_one_set():
            (tmp_path / "table.md").write_text("new")
            os.kill(os.getpid(), signal.SIGINT)  # delivered here, deferred
            written.append("after the signal")
            (tmp_path / "summary.json").write_text("{}")
    assert written == ["after the signal"] and (tmp_path / "summary.json").is_file()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_compare_summaries_finds_a_changed_or_missing_number():
    """reproduce/checks/compare_summaries.py: the before/after check of every number of a report."""
    import importlib.util

    path = REPRODUCE / "checks" / "compare_summaries.py"
    spec = importlib.util.spec_from_file_location("compare_summaries", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = {"results": {"40q": {"RS": {"mean": 93.1, "std": float("nan"), "n": 5}}}, "meta": {"title": "t"}}
    same = {"results": {"40q": {"RS": {"mean": 93.1, "std": float("nan"), "n": 5, "se": 0.1}}}, "meta": {"title": "u"}}
    assert module.compare(before, same)[:3] == (3, [], [])
    changed = {"results": {"40q": {"RS": {"mean": 93.2, "n": 5}}}}
    n, differ, missing, _ = module.compare(before, changed)
    assert n == 1 and [d[0][-1] for d in differ] == ["mean"] and [m[0][-1] for m in missing] == ["std"]
