"""Provenance of a results folder: ``command.json`` (the exact commands that made and reported
it), the code's version and git state, the environment, and each table's checksums and sources.

Shared by every kind's report and page; imports no kind.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from nasbench.atomic import write_text_atomic

COMMAND_FILE = "command.json"
COMMAND_FORMAT = "nasbench-command/1"
#: command.json keeps the last invocations only
MAX_INVOCATIONS = 50


def project_version() -> str:
    """The installed distribution's version (the package's own ``__version__`` as a fallback)."""
    try:
        from importlib.metadata import version

        return version("nasbench-harness")
    except Exception:  # not installed (run from a source tree)
        import nasbench

        return str(getattr(nasbench, "__version__", "unknown"))


def source_root() -> Path:
    """The folder above the packages (a git checkout's root in a development install)."""
    return Path(__file__).resolve().parents[2]


def git_state(root: Path | None = None) -> dict:
    """``{"commit", "dirty", "note"}`` of the checkout the code runs from.

    An installed wheel (no ``.git`` beside the packages), or no git program, gives
    ``commit: None`` and a note saying why; it never raises.
    """
    root = source_root() if root is None else Path(root)
    if not (root / ".git").exists():
        return {"commit": None, "dirty": None, "note": "not a git checkout (installed package): the version identifies the code"}

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError) as exc:
        return {"commit": None, "dirty": None, "note": f"git checkout, but git could not be asked ({type(exc).__name__})"}
    note = "with uncommitted changes to tracked files" if dirty else "clean checkout"
    return {"commit": commit, "dirty": dirty, "note": note}


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def read_commands(out_dir: Path) -> dict:
    """``command.json`` of a report folder (an empty record when absent or unreadable)."""
    path = Path(out_dir) / COMMAND_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and isinstance(doc.get("invocations"), list):
            return doc
    except (OSError, ValueError):
        pass
    return {"format": COMMAND_FORMAT, "invocations": []}


def record_command(out_dir: Path, argv: Sequence[str] | None, *, preset_path: Path | None = None) -> dict:
    """Append this invocation (exact argv, cwd, time, version, commit) to ``out_dir/command.json``.

    ``preset_path`` (given by ``nasbench reproduce``, which makes the runs) also records the
    preset file's text and sha256, so the page shows the preset the runs were made with even if
    the file changes later. Written atomically (:mod:`nasbench.atomic`); returns the record.
    """
    out_dir = Path(out_dir)
    doc = read_commands(out_dir)
    args = list(sys.argv[1:] if argv is None else argv)
    entry = {
        "argv": ["nasbench", *args],
        "command": shlex.join(["nasbench", *args]),
        "executable": sys.argv[0] if sys.argv and sys.argv[0] else None,
        "cwd": os.getcwd(),
        "time_utc": _now(),
        "version": project_version(),
        "git": git_state(),
        "python": platform.python_version(),
    }
    doc["format"] = COMMAND_FORMAT
    doc["invocations"] = (doc.get("invocations") or [])[-(MAX_INVOCATIONS - 1):] + [entry]
    if preset_path is not None:
        text = Path(preset_path).read_text(encoding="utf-8")
        doc["preset"] = {"path": str(preset_path), "sha256": hashlib.sha256(text.encode()).hexdigest(),
                         "text": text, "recorded_utc": entry["time_utc"]}
    write_text_atomic(out_dir / COMMAND_FILE, json.dumps(doc, indent=1) + "\n")
    return doc


def table_provenance(names: Iterable[str]) -> list[dict]:
    """Per benchmark: table file, its sha256 seal, recipe, citation and sources with their
    sha256 (and, for files shipped in ``data/``, the ``SHA256SUMS`` entry and whether it agrees)."""
    import nasbench
    from nasbench.table import read_seal

    try:
        from nasbench.published import data_dir, read_checksums

        sums = read_checksums(data_dir())
    except Exception:  # no shipped data at hand: still describe the tables
        sums = {}
    out: list[dict] = []
    for name in dict.fromkeys(names):
        try:
            table = nasbench.load(name).table
        except Exception as exc:  # a report is still worth writing
            out.append({"benchmark": name, "error": f"{type(exc).__name__}: {exc}"})
            continue
        sources = []
        for s in table.sources:
            entry = {k: s.get(k) for k in ("name", "origin", "license", "sha256", "path")}
            listed = sums.get(str(s.get("path")))
            if listed is not None:
                entry["shipped_sha256"] = listed
                entry["shipped_matches"] = listed == s.get("sha256")
            sources.append(entry)
        out.append({
            "benchmark": name, "file": str(table.path), "file_sha256": read_seal(table.path),
            "recipe": f"{table.recipe} v{table.recipe_version}", "citation": table.citation,
            "n_archs": int(table.n_archs), "sources": sources,
        })
    return out


def published_provenance() -> dict:
    """Where the shipped published data is read from and the sha256 of its checksum list."""
    try:
        from nasbench.published import CHECKSUMS, data_dir, sha256_of

        folder = data_dir()
        return {"folder": str(folder), "checksums_file": str(folder / CHECKSUMS),
                "checksums_sha256": sha256_of(folder / CHECKSUMS)}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def environment() -> dict:
    """Python, platform and the versions of the libraries that computed and drew the numbers."""
    import numpy as np
    import pandas as pd
    import plotly

    versions = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
                "plotly": plotly.__version__}
    try:
        import matplotlib

        versions["matplotlib"] = matplotlib.__version__
    except ImportError:
        pass
    return {"platform": platform.platform(), "versions": versions}


def provenance(out_dir: Path, benchmarks: Iterable[str], preset_path: Path | None) -> dict:
    """Everything the page's provenance section shows."""
    commands = read_commands(out_dir)
    preset = commands.get("preset")
    current = None
    if preset_path is not None and Path(preset_path).is_file():
        text = Path(preset_path).read_text(encoding="utf-8")
        current = {"path": str(preset_path), "sha256": hashlib.sha256(text.encode()).hexdigest(), "text": text}
    if preset is None and current is not None:  # a folder made before command.json existed
        preset = {**current, "recorded_utc": None, "note": "not recorded when the runs were made; the file as it is now"}
    elif preset is not None and current is not None and current["sha256"] != preset.get("sha256"):
        preset = {**preset, "note": f"the preset file {current['path']} has changed since (sha256 {current['sha256'][:12]}…)"}
    return {
        "version": project_version(),
        "git": git_state(),
        "environment": environment(),
        "generated_utc": _now(),
        "commands": commands.get("invocations", []),
        "preset": preset,
        "tables": table_provenance(benchmarks),
        "published_data": published_provenance(),
    }

