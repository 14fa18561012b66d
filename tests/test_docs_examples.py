"""Every Python and shell example of README.md and docs/ runs, as a reader would paste it.

Each ```` ```python ```` block and each command of a ```` ```bash ```` block is executed:

- the Python blocks of one page run in order in one fresh interpreter (a later block may use
  names an earlier block of the same page defined), in an empty working folder;
- the shell commands of one page run in order, each with ``bash -e``, in one empty working folder
  per page (a later command may read what an earlier one wrote, e.g. ``results/...``), with the
  project's ``nasbench`` and ``python`` first on ``PATH`` and the repository's ``reproduce/``
  scripts reachable by the relative paths the docs use.

A block whose info string names a file (```` ```python title="greedy.py" ````) is the content of
that file, as the page tells the reader to save it: it is written into the working folder before
the page's examples run, not executed itself.

Two things are changed before a command runs, and both are listed here, not hidden:

- ``SCALE``: seed counts, trials and epochs are cut down so the whole page runs in CI
  (``--seeds 0:500`` -> ``--seeds 0:3``); the command, its flags and its outputs are otherwise
  the documented ones.
- ``NOT_RUN``: commands that cannot run inside the test suite, each with the reason (the test
  suite itself, a system package install, a second machine). Every entry must still match a
  line of the docs, so a stale entry fails.

A failing example fails the test with the page, the command and its output.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
BIN = Path(sys.executable).parent

#: (pattern, replacement): runs cut to CI size; the documented flags stay
SCALE: list[tuple[str, str]] = [
    (r"--seeds 0:(\d+)", "--seeds 0:2"),
    (r"--seeds (\d+)\b(?!:)", "--seeds 2"),
    (r"--trials (\d+)", "--trials 2"),
    (r"--jobs (\d+)", "--jobs 2"),
    (r"--archs (\d+)", "--archs 12"),
    (r"--epochs (\d+)", "--epochs 2"),
    (r"--sample (\d+)", "--sample 4"),
    (r"--budgets( \d+)+", "--budgets 10000 20000"),
]

#: command prefix -> why it is not run here
NOT_RUN: dict[str, str] = {
    "make main": "the main job; its command (`nasbench reproduce nbgraph-search ... --html`) runs below at CI size",
    "make test": "the test suite itself",
    "make perf": "timing scripts; they print figures, they do not test",
    "apt-get": "a system package install (.ci/run does it)",
    ".venv/bin/python -m pytest": "the test suite itself",
    "NASBENCH_HTML_TEST_SEEDS=": "the test suite itself (tests/test_html_browser.py)",
    "python -m nasbench.published.convert ~/downloads": "needs the original files, which a clone does not have "
                                                       "(tests/test_convert.py runs the converter)",
    "export NASBENCH_PUBLISHED_DATA=~/nasbench-data": "follows the convert command above",
    "ray start": "starts a cluster node (tests/test_executors.py runs a 2-node ray.cluster_utils.Cluster)",
    "RAY_ADDRESS=auto": "needs the cluster started by `ray start --head`",
    "nasbench reproduce nb201-table5 --executor ray --ray-address HEAD:6379": "HEAD is a placeholder for a cluster's address",
    "nasbench oneshot --benchmark nb201/cifar10 --data-root ~/data": "needs a user's CIFAR-10 copy (tests/oneshot run "
                                                                       "the NB201 supernet on CIFAR-shaped synthetic images)",
    "nasbench report results/nb201-oneshot": "follows the NB201 one-shot command above",
    "nasbench reproduce nbgraph-oneshot-gpu": "needs CUDA (tests/oneshot/test_oneshot_cli.py parses it and runs "
                                              "the CPU preset)",
    "bash reproduce/perf/oneshot_gpu_check.sh": "the GPU check script (needs CUDA; a timing script)",
    "nasbench reproduce nbgraph-oneshot": "trains 6 supernets x seeds x 2 datasets for real (about 25 CPU-minutes per "
                                          "seed); tests/oneshot/test_oneshot_cli.py runs the preset on a 1-method copy",
}


@dataclass(frozen=True)
class Block:
    page: Path
    lang: str
    line: int
    text: str
    title: str = ""  # a file the page asks the reader to save this block as


def blocks(page: Path, *, files: bool = False) -> list[Block]:
    """The fenced ``python`` and ``bash`` blocks of a Markdown page, in order (``files``: the
    blocks that are file contents, ```` ```python title="x.py" ````, instead)."""
    out, lang, start, lines, title = [], None, 0, [], ""
    for number, line in enumerate(page.read_text().splitlines(), 1):
        fence = re.match(r"^```(\w*)(.*)$", line)
        if fence and lang is None:
            lang, start, lines = fence.group(1), number, []
            found = re.search(r'title="([^"]+)"', fence.group(2))
            title = found.group(1) if found else ""
        elif fence and not fence.group(1) and not fence.group(2).strip():
            if lang in ("python", "bash") and bool(title) == files:
                out.append(Block(page, lang, start, "\n".join(lines), title))
            lang = None
        elif lang is not None:
            lines.append(line)
    return out


def commands(text: str) -> list[str]:
    """Shell commands of a block: continuation lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\s*\\\n\s*", " ", text)
    return [c.strip() for c in joined.splitlines() if c.strip() and not c.strip().startswith("#")]


def scaled(command: str) -> str:
    for pattern, replacement in SCALE:
        command = re.sub(pattern, replacement, command)
    return command


def skipped(command: str) -> str | None:
    return next((why for prefix, why in NOT_RUN.items() if command.startswith(prefix)), None)


def _workdir(tmp_path: Path, page: Path) -> Path:
    (tmp_path / "reproduce").symlink_to(REPO / "reproduce")  # `python reproduce/checks/...` as documented
    for block in blocks(page, files=True):  # files the page tells the reader to save
        (tmp_path / block.title).write_text(block.text + "\n")
    return tmp_path


def _env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join([str(work), str(REPO)])  # the saved files, as `python` in that folder
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _pages(lang: str) -> list[Path]:
    return [p for p in PAGES if any(b.lang == lang for b in blocks(p))]


def _id(page: Path) -> str:
    return str(page.relative_to(REPO))


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages("python"), ids=_id)
def test_python_examples_run(page: Path, tmp_path: Path) -> None:
    code = [b for b in blocks(page) if b.lang == "python"]
    script = "\n".join(f"# --- {page.name}:{b.line}\n{b.text}" for b in code)
    work = _workdir(tmp_path, page)
    proc = subprocess.run([sys.executable, "-c", script], cwd=work, env=_env(work),
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (f"{_id(page)}: a Python example failed\n{script}\n--- output\n"
                                  f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages("bash"), ids=_id)
def test_shell_examples_run(page: Path, tmp_path: Path) -> None:
    work = _workdir(tmp_path, page)
    ran = 0
    for block in (b for b in blocks(page) if b.lang == "bash"):
        for command in commands(block.text):
            if skipped(command):
                continue
            proc = subprocess.run(["bash", "-e", "-c", scaled(command)], cwd=work, env=_env(work),
                                  capture_output=True, text=True, timeout=1200)
            assert proc.returncode == 0, (
                f"{_id(page)}:{block.line}: `{scaled(command)}` exited {proc.returncode}\n"
                f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            )
            ran += 1
    # every page here has bash blocks (_pages); one whose every command is skipped tests nothing
    assert ran > 0, f"{_id(page)}: every bash command is skipped; run one, or drop the page from this test"


def test_every_not_run_entry_matches_a_documented_command() -> None:
    documented = [c for p in PAGES for b in blocks(p) if b.lang == "bash" for c in commands(b.text)]
    stale = [prefix for prefix in NOT_RUN if not any(c.startswith(prefix) for c in documented)]
    assert not stale, f"NOT_RUN entries that no documented command starts with: {stale}"


def test_example_extraction() -> None:
    page = REPO / "tests" / "_docs_probe.md"
    try:
        page.write_text("text\n```bash\nnasbench list   # all\nnasbench run --seeds 0:100 \\\n    --out x\n```\n"
                        "```python\nprint(1)\n```\n```toml\na = 1\n```\n```python title=\"m.py\"\nX = 1\n```\n")
        found = blocks(page)
        assert [(b.lang, b.line) for b in found] == [("bash", 2), ("python", 7)]
        assert [(b.title, b.text) for b in blocks(page, files=True)] == [("m.py", "X = 1")]
        assert commands(found[0].text) == ["nasbench list   # all", "nasbench run --seeds 0:100 --out x"]
        assert scaled("nasbench run --seeds 0:100 --out x") == "nasbench run --seeds 0:2 --out x"
        assert scaled("nasbench reproduce p --seeds 100 --out y") == "nasbench reproduce p --seeds 2 --out y"
    finally:
        page.unlink()
