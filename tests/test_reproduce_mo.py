"""The hardware-aware multi-objective preset (kind = "multiobjective") end to end at a tiny size."""
from __future__ import annotations

import json
import re

import pytest

from reproduce.cli import main
from reproduce.kinds import load_preset
from reproduce.kinds.multiobjective import MOPreset, mo_specs
from reproduce.presets import PresetError

FILES = ("table.md", "table.tex", "summary.json", "fronts.png", "fronts.pdf", "hv_regret_queries.png",
         "hv_regret_queries.pdf")


def _tiny_toml(tmp_path):
    text = (load_preset("nb201-hw").path.read_text()
            .replace('budgets = ["50q", "150q"]', 'budgets = ["8q", "20q"]')
            .replace('devices = ["fpga", "raspi4", "pixel3"]', 'devices = ["fpga", "pixel3"]'))
    text = re.sub(r'\[\[strategies\]\]\nname = "mo-re".*?(?=\[published\])', "", text, flags=re.S)
    path = tmp_path / "hw-tiny.toml"
    path.write_text(text)
    return path


def test_nb201_hw_preset_parses():
    p = load_preset("nb201-hw")
    assert isinstance(p, MOPreset)
    assert p.devices == ("fpga", "raspi4", "pixel3") and p.seeds == 100 and p.max_budget == "150q"
    assert [s.name for s in p.strategies] == ["mo-rs", "nsga2", "mo-re", "parego"]
    specs = mo_specs(p, seeds=2)
    assert len(specs) == 3 * 4 * 2
    assert {s.objectives for s in specs} == {("latency_fpga:min",), ("latency_raspi4:min",), ("latency_pixel3:min",)}
    assert len({s.config_key() for s in specs}) == 12  # one configuration per (device, strategy)


@pytest.mark.parametrize("edit, match", [
    (('devices = ["fpga", "raspi4", "pixel3"]', 'devices = ["fpga", "raspi4", "pixel3"]\nsignals = 1'), "unknown key"),
    (('devices = ["fpga", "raspi4", "pixel3"]', 'devices = []'), "devices"),
    (('name = "mo-rs"', 'name = "rs"'), "not multi-objective"),
    (('benchmarks = ["nb201/cifar10"]', 'benchmarks = ["nb201/cifar10", "nb201/cifar100"]'), "exactly one"),
])
def test_bad_mo_presets(tmp_path, edit, match):
    bad = tmp_path / "bad.toml"
    bad.write_text(load_preset("nb201-hw").path.read_text().replace(*edit))
    with pytest.raises(PresetError, match=match):
        load_preset(str(bad))


def _cells(table_md: str) -> dict:
    """(block title, strategy, column) -> (mean, std) as shown in table.md."""
    out, block, header = {}, None, None
    for line in table_md.splitlines():
        if line.startswith("## "):
            block, header = line[3:], None
        elif line.startswith("|") and block:
            cells = [c.strip() for c in line.strip("|").split("|")]
            if header is None:
                header = cells
            elif not cells[0].startswith(":"):
                for col, cell in zip(header[1:], cells[1:]):
                    m = re.fullmatch(r"(\*\*)?([\d.]+) ± ([\d.]+)(\*\*)?", cell)
                    assert m, cell
                    out[(block, cells[0], col)] = (float(m.group(2)), float(m.group(3)), bool(m.group(1)))
    return out


def test_nb201_hw_tiny_end_to_end(tmp_path):
    preset = _tiny_toml(tmp_path)
    out = tmp_path / "out"
    assert main(["reproduce", str(preset), "--seeds", "3", "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    for f in FILES:
        assert (out / f).is_file() and (out / f).stat().st_size > 0, f
    summary = json.loads((out / "summary.json").read_text())
    meta = summary["meta"]
    assert meta["devices"] == ["fpga", "pixel3"] and meta["strategies"] == ["MO-RS", "NSGA-II"] and meta["seeds"] == 3

    shown = _cells((out / "table.md").read_text())
    assert len(shown) == 2 * 2 * 2 * 2  # budgets x splits x strategies x devices
    for budget in ("8q", "20q"):
        for split, name in (("valid", "Validation"), ("test", "Test")):
            block = f"{name} hypervolume regret (%), budget {budget}"
            for strategy in meta["strategies"]:
                for device in meta["devices"]:
                    cell = summary["results"][budget][split][strategy][device]
                    mean, std, bold = shown[(block, strategy, meta["device_labels"][device])]
                    assert cell["n"] == 3
                    assert mean == round(cell["mean"], 2) and std == round(cell["std"], 2)
                    assert 0 <= cell["mean"] <= 100
                    assert bold == (strategy in summary["best"][budget][split][device])
    # the fronts: a true front per device, an attained front per strategy from one of its seeds
    for d in meta["devices"]:
        assert len(summary["fronts"][d]["true"]) == meta["true_fronts"][d]["front_size"]["test"]
        for s in meta["strategies"]:
            assert summary["fronts"][d]["attained"][s]["seed"] in range(3)
    text = (out / "table.md").read_text()
    assert "reference point (1, 1)" in text and "valid_acc@12" in text and "True fronts" in text
    assert "\\begin{tabular}{lrr}" in (out / "table.tex").read_text()

    # `nasbench report DIR` redraws everything from the stored runs, identically
    before = (out / "summary.json").read_text()
    for f in FILES:
        (out / f).unlink()
    assert main(["report", str(out)]) == 0
    for f in FILES:
        assert (out / f).is_file(), f
    assert (out / "summary.json").read_text() == before
