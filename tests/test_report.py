"""The report generator: files, table numbers equal summary.json, bold on the best, figures load."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reproduce.render import figures as plots
from reproduce.render.tables import (
    TIE,
    largest_budget,
    latex_escape,
    markdown_table,
    rank_summary,
    significance,
    summarise,
    write_report,
)

STRATEGIES = ["RS", "REA", "REINFORCE"]
BENCHMARKS = ["nb201/cifar10", "nb201/cifar100"]
BUDGETS = ["40q", "500q"]
SEEDS = 10
OPTIMUM = {"nb201/cifar10": {"valid_acc": 91.61, "test_acc": 94.37},
           "nb201/cifar100": {"valid_acc": 73.49, "test_acc": 73.51}}
FIGURES = ["anytime_time", "anytime_queries", "final_regret", "average_rank"]


def synthetic_meta() -> dict:
    columns = [
        {"benchmark": b, "metric": m, "label": f"{b.split('/')[1].upper()} {m.split('_')[0]}"}
        for b in BENCHMARKS for m in ("valid_acc", "test_acc")
    ]
    return {
        "name": "synthetic-table",
        "title": "Synthetic search results (50% & more_test)",
        "protocol": "search signal valid_acc@12, 10 seeds; reported: incumbent's 200-epoch accuracy",
        "strategies": STRATEGIES,
        "columns": columns,
        "budgets": BUDGETS,
        "published": {"source": "Dong & Yang, ICLR 2020, Table 5",
                      "values": {"RS": {"nb201/cifar10": {"valid_acc": [90.93, 0.36], "test_acc": [93.70, 0.36]}},
                                 "REA": {"nb201/cifar10": {"valid_acc": [91.19, 0.31]}}}},
        "optimum": OPTIMUM,
        "notes": ["the 12-epoch data has replicates {0, 1, 2}", "a variant leaks test data: see #12"],
    }


def synthetic_frames(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """3 strategies x 2 benchmarks x 2 budgets x 10 seeds; REA better than RS better than REINFORCE."""
    rng = np.random.default_rng(seed)
    skill = {"RS": 1.0, "REA": 0.5, "REINFORCE": 1.6}
    finals, curves = [], []
    for s in STRATEGIES:
        for b in BENCHMARKS:
            for sd in range(SEEDS):
                n = 500
                queries = np.arange(1, n + 1)
                time = np.cumsum(rng.exponential(24.0, n))
                draws = skill[s] * rng.lognormal(1.5, 1.0, n)
                regret = np.minimum.accumulate(draws)
                curves.append(pd.DataFrame({
                    "strategy": s, "benchmark": b, "seed": sd, "time": time, "queries": queries,
                    "test_regret": regret, "valid_regret": regret * 0.9, "incumbent_test": OPTIMUM[b]["test_acc"] - regret,
                }))
                for budget, q in (("40q", 40), ("500q", 500)):
                    for m in ("valid_acc", "test_acc"):
                        r = float(regret[q - 1] * (1.0 if m == "test_acc" else 0.8) + rng.uniform(0, 0.05))
                        finals.append({"strategy": s, "budget": budget, "seed": sd, "benchmark": b, "metric": m,
                                       "value": OPTIMUM[b][m] - r, "regret": r, "search_benchmark": b})
    return pd.DataFrame(finals), pd.concat(curves, ignore_index=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, dict, pd.DataFrame]:
    out = tmp_path_factory.mktemp("report")
    finals, curves = synthetic_frames()
    summary = write_report(synthetic_meta(), finals, curves, out)
    return out, summary, finals


def parse_markdown(text: str) -> dict[str, dict[str, dict[str, str]]]:
    """``budget -> row label -> column label -> cell`` from table.md."""
    tables: dict = {}
    budget, header = None, None
    for line in text.splitlines():
        if line.startswith("## Budget "):
            budget, header = line.removeprefix("## Budget ").strip(), None
            tables[budget] = {}
        elif line.startswith("|") and budget is not None:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            elif not set("".join(cells)) <= set(":-"):
                tables[budget][cells[0]] = dict(zip(header[1:], cells[1:]))
    return tables


def split_cell(cell: str) -> tuple[bool, float | None, float | None]:
    """``**91.05 ± 0.20**`` -> (bold, mean, std)."""
    bold = cell.startswith("**") and cell.endswith("**")
    nums = [float(x) for x in re.findall(r"[+-]?\d+\.\d+", cell)]
    return bold, (nums[0] if nums else None), (nums[1] if len(nums) > 1 else None)


def wilcoxon_separates(finals: pd.DataFrame, budget: str, bench: str, metric: str, a: str, b: str) -> bool:
    """Independent check: scipy's paired Wilcoxon signed-rank over the seeds both strategies ran."""
    from scipy.stats import wilcoxon

    sub = finals[(finals.budget == budget) & (finals.benchmark == bench) & (finals.metric == metric)]
    va = sub[sub.strategy == a].set_index("seed")["value"]
    vb = sub[sub.strategy == b].set_index("seed")["value"]
    common = va.index.intersection(vb.index)
    return bool(wilcoxon(va[common] - vb[common]).pvalue < 0.05)


def test_files_exist(report):
    out, summary, _ = report
    for name in ["table.md", "table.tex", "summary.json", *(f"{f}.{e}" for f in FIGURES for e in ("png", "pdf"))]:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert not list(out.glob(".*.tmp")), "temporary files left behind"
    assert json.loads((out / "summary.json").read_text()) == summary


def test_markdown_numbers_equal_summary(report):
    out, summary, finals = report
    tables = parse_markdown((out / "table.md").read_text())
    meta = summary["meta"]
    assert list(tables) == BUDGETS
    for budget in BUDGETS:
        rows = tables[budget]
        for s in STRATEGIES:
            for col in meta["columns"]:
                key = f"{col['benchmark']}:{col['metric']}"
                cell = summary["results"][budget][s][key]
                _, mean, std = split_cell(rows[s][col["label"]])
                assert mean == round(cell["mean"], 2) and std == round(cell["std"], 2)
                assert cell["n"] == SEEDS
                # and summary.json is right about the data
                vals = finals.query("budget == @budget and strategy == @s and benchmark == @col['benchmark']"
                                    " and metric == @col['metric']")["value"]
                assert cell["mean"] == pytest.approx(vals.mean()) and cell["std"] == pytest.approx(vals.std(ddof=1))
                if cell["published_mean"] is None:
                    continue
                _, p_mean, p_std = split_cell(rows[f"{s} (paper)"][col["label"]])
                assert (p_mean, p_std) == (cell["published_mean"], cell["published_std"])
                _, diff, diff_se = split_cell(rows[f"{s} (ours − paper)"][col["label"]])
                assert diff == round(cell["diff"], 2) and diff_se == round(cell["diff_se"], 2)
                assert cell["diff"] == pytest.approx(cell["mean"] - cell["published_mean"])
        assert "REINFORCE (paper)" not in rows  # no published numbers, no paper row


def test_bold_only_where_a_paired_test_separates_the_best(report):
    out, summary, finals = report
    tables = parse_markdown((out / "table.md").read_text())
    n_bold = n_tie = 0
    for budget in BUDGETS:
        for col in summary["meta"]["columns"]:
            cells = {s: split_cell(tables[budget][s][col["label"]]) for s in STRATEGIES}
            key = f"{col['benchmark']}:{col['metric']}"
            means = {s: summary["results"][budget][s][key]["mean"] for s in STRATEGIES}
            order = sorted(STRATEGIES, key=lambda s: -means[s])  # accuracies: higher is better
            separated = wilcoxon_separates(finals, budget, col["benchmark"], col["metric"], order[0], order[1])
            bold = {s for s, (b, _, _) in cells.items() if b}
            tied = {s for s in STRATEGIES if tables[budget][s][col["label"]].endswith(TIE)}
            if separated:
                assert bold == {order[0]} and not tied
                n_bold += 1
            else:
                assert not bold and order[0] in tied and order[1] in tied
                n_tie += 1
            assert summary["significance"][budget][key]["bold"] == sorted(bold)
            assert summary["best"][budget][key] == [order[0]]
    assert n_bold > 0  # the synthetic skills separate; test_close_means_are_a_tie_not_bold covers ties
    # paper and difference rows are never bold
    assert not any("**" in c for r, cells in tables["500q"].items() if "(" in r for c in cells.values())


def test_close_means_are_a_tie_not_bold(tmp_path):
    """The cora case: 80.12 vs 80.08 over 20 seeds of noise is no evidence; nothing is bold."""
    rng = np.random.default_rng(3)
    meta = {**synthetic_meta(), "strategies": ["A", "B"], "budgets": ["40q"], "published": {},
            "columns": [{"benchmark": "nb201/cifar10", "metric": "test_acc", "label": "test"}]}
    rows = [{"strategy": s, "budget": "40q", "seed": sd, "benchmark": "nb201/cifar10", "metric": "test_acc",
             "value": 80.1 + (0.02 if s == "A" else -0.02) + rng.normal(0, 0.5), "regret": 0.0,
             "search_benchmark": "nb201/cifar10"} for s in ("A", "B") for sd in range(20)]
    finals = pd.DataFrame(rows)
    results = summarise(meta, finals)
    marks = significance(meta, finals)
    md = markdown_table(meta, results, marks)
    table = md.split("Notes:")[0]
    assert "**" not in table and table.count(TIE) == 2
    assert marks["40q"]["nb201/cifar10:test_acc"]["bold"] == []


def test_ours_minus_paper_has_its_standard_error(report):
    out, summary, _ = report
    tables = parse_markdown((out / "table.md").read_text())
    cell = summary["results"]["500q"]["RS"]["nb201/cifar10:test_acc"]
    se_ours = cell["std"] / np.sqrt(cell["n"])
    assert cell["se"] == pytest.approx(se_ours)
    assert cell["diff_se"] == pytest.approx(se_ours) and cell["diff_se_includes"] == "ours only"  # no `runs` given
    assert cell["within_2se"] == (abs(cell["diff"]) <= 2 * se_ours)
    text = tables["500q"]["RS (ours − paper)"]["CIFAR10 test"]
    _, diff, se = split_cell(text)
    assert (diff, se) == (round(cell["diff"], 2), round(cell["diff_se"], 2))
    assert text.endswith("(within 2 SE)" if cell["within_2se"] else "(beyond 2 SE)")
    # with the paper's number of runs, its standard error joins ours
    meta = synthetic_meta()
    meta["published"]["runs"] = 500
    finals, _ = synthetic_frames()
    both = summarise(meta, finals)["500q"]["RS"]["nb201/cifar10:test_acc"]
    assert both["diff_se"] == pytest.approx(np.hypot(se_ours, 0.36 / np.sqrt(500)))


def test_footnote_and_latex_content(report):
    out, summary, _ = report
    md = (out / "table.md").read_text()
    assert summary["meta"]["protocol"] in md and "Dong & Yang, ICLR 2020, Table 5" in md and "n = 10 seeds" in md
    for note in summary["meta"]["notes"]:
        assert note in md
    tex = (out / "table.tex").read_text()
    for cmd in ("\\toprule", "\\midrule", "\\bottomrule", "$\\pm$", "\\textbf{"):
        assert cmd in tex
    assert "50\\% \\& more\\_test" in tex and "\\{0, 1, 2\\}" in tex and "\\#12" in tex
    assert "±" not in tex and "−" not in tex


def test_latex_compiles(report, tmp_path):
    engine = shutil.which("pdflatex") or shutil.which("latexmk")
    if engine is None:
        pytest.skip("no pdflatex or latexmk on PATH")
    out, _, _ = report
    shutil.copy(out / "table.tex", tmp_path / "table.tex")
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n\\input{table.tex}\n\\end{document}\n")
    cmd = [engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    if engine.endswith("latexmk"):
        cmd.insert(1, "-pdf")
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_pngs_load_and_are_not_blank(report):
    import matplotlib.image as mpimg

    out, summary, _ = report
    for stem in FIGURES:
        img = mpimg.imread(out / f"{stem}.png")
        assert img.ndim == 3 and min(img.shape[:2]) > 200, stem
        assert img[..., :3].std() > 0.05, f"{stem} looks blank"
        assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    assert summary["figures"]["anytime_time"]["panels"]["nb201/cifar10"]["seeds"] == {s: SEEDS for s in STRATEGIES}


def test_average_rank_values_and_skip(report, tmp_path):
    _, summary, _ = report
    ranks = summary["average_rank"]["budgets"]["500q"]["average"]
    assert ranks == {"REA": 1.0, "RS": 2.0, "REINFORCE": 3.0}  # by construction of the skills
    finals, _ = synthetic_frames()
    one = rank_summary(finals[finals.benchmark == BENCHMARKS[0]], STRATEGIES, tmp_path)
    assert "skipped" in one and not (tmp_path / "average_rank.png").exists()


def test_no_published_numbers_no_paper_rows():
    meta = synthetic_meta()
    meta["published"] = {}
    finals, _ = synthetic_frames()
    results = summarise(meta, finals)
    md = markdown_table(meta, results, significance(meta, finals))
    assert "(paper)" not in md and "Published numbers: none" in md


def test_helpers():
    grid = np.array([0.5, 1.0, 1.5, 3.0, 10.0])
    got = plots.incumbent_on_grid(np.array([3.0, 1.0]), np.array([2.0, 5.0]), grid)
    np.testing.assert_array_equal(got, [np.nan, 5.0, 5.0, 2.0, 2.0])
    vals = np.array([[1.0, np.nan], [3.0, 4.0]])
    mean, lo, hi = plots.bootstrap_mean_ci(vals, n_boot=200)
    np.testing.assert_allclose(mean, [2.0, 4.0])
    assert lo[0] >= 1.0 and hi[0] <= 3.0 and lo[0] < hi[0]
    assert largest_budget(["500q", "40q"]) == "500q" and largest_budget(["40q", "12000s"]) == "12000s"
    assert latex_escape("a_b & 5% ± ~") == "a\\_b \\& 5\\% $\\pm$ \\textasciitilde{}"
