"""report.html in a real headless Chromium (Debian's chromium + chromium-driver, via Selenium).

The test generates the main job's report with `make main`'s command (``nasbench reproduce
nbgraph-search ... --html``: 9 datasets x 4 strategies, every panel and figure of the main job)
at 25 seeds (900 runs) by default, to keep CI short; ``NASBENCH_HTML_TEST_SEEDS=100`` runs the
main job at full size (3,600 runs; it passed here in 16 min on a 2-core machine shared with other
jobs, the page 6.4 MB, opened in 7.5 s). It opens ``report.html`` from
disk (``file://``) with the network cut three ways (CDP offline emulation, a proxy to a closed
port, a host resolver that resolves nothing), and checks: no console errors or uncaught
exceptions, no resource loaded from anywhere but the file itself, every figure rendered
(plotly's DOM with drawn traces), and a legend click on a strategy hides that strategy's
traces in every panel (plotly's ``visible`` state read back from the page) and a second click
shows them again. A screenshot goes to ``$CI_ARTIFACTS`` (``.ci/run`` sets it) or, by default,
``results/ci-screenshots/``.

Skipped, with the reason, when chromium or chromedriver is not installed, except under
``CI=true``, where a missing browser fails the test. ``NASBENCH_HTML_TEST_SEEDS`` sets the seeds
per configuration (3 for a quick local run, 100 for the full main job).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
#: seeds per (dataset, strategy); the main job has 100 (NASBENCH_HTML_TEST_SEEDS=100)
TEST_SEEDS = 25
#: the strategy whose legend entry is clicked off and on again
TOGGLED = "RS"


def _find(env: str, candidates: tuple[str, ...], name: str) -> str | None:
    """``$env`` if set (and executable), else the first executable candidate or ``name`` on PATH."""
    if os.environ.get(env):
        return os.environ[env] if os.access(os.environ[env], os.X_OK) else None
    return next((c for c in candidates if os.access(c, os.X_OK)), None) or shutil.which(name)


def _browser_or_skip() -> tuple[str, str]:
    chromium = _find("NASBENCH_CHROMIUM", CHROMIUM_CANDIDATES, "chromium")
    driver = _find("NASBENCH_CHROMEDRIVER", DRIVER_CANDIDATES, "chromedriver")
    missing = [n for n, p in (("chromium", chromium), ("chromedriver", driver)) if not p]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("the selenium package (pip install -e '.[dev]')")
    if missing:
        reason = (f"browser test needs {', '.join(missing)}: apt-get install -y chromium chromium-driver "
                  "(.ci/run installs them)")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return chromium, driver


def screenshot_dir() -> Path:
    """Where the screenshot goes: ``$CI_ARTIFACTS`` when set, else ``results/ci-screenshots``."""
    base = os.environ.get("CI_ARTIFACTS")
    return Path(base) if base else REPO / "results" / "ci-screenshots"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
                 "--window-size=1400,1000", "--force-device-scale-factor=1",
                 # no network: every host name resolves to nothing, and any request goes to a closed port
                 "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                 "--proxy-bypass-list=<-loopback>"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(driver_path), options=opts)
    drv.set_page_load_timeout(120)
    drv.set_script_timeout(120)
    drv.execute_cdp_cmd("Network.enable", {})
    drv.execute_cdp_cmd("Network.emulateNetworkConditions",
                        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    # catch errors from the very first script on
    drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.__errors = [];
        window.addEventListener('error', function(e){ window.__errors.push('error: ' + (e.message || e.type)); }, true);
        window.addEventListener('unhandledrejection', function(e){ window.__errors.push('rejection: ' + e.reason); });
        (function(){ var orig = console.error; console.error = function(){
            window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
            return orig.apply(console, arguments); }; })();
    """})
    yield drv
    drv.quit()


@pytest.fixture(scope="module")
def main_report(tmp_path_factory) -> tuple[Path, float]:
    """The main job's folder with report.html (``make main``'s command with the test's seeds); its wall time."""
    _browser_or_skip()  # no point in a 1-2 minute sweep when the browser is missing
    seeds = int(os.environ.get("NASBENCH_HTML_TEST_SEEDS", TEST_SEEDS))
    out = tmp_path_factory.mktemp("main-job") / "nbgraph-search"
    cmd = [sys.executable, "-m", "reproduce.cli", "reproduce", "nbgraph-search", "--seeds", str(seeds),
           "--out", str(out), "--quiet", "--html"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=1800)
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "report.html").is_file()
    return out, wall


def _until(check, what: str, timeout: float = 60.0):
    """Poll ``check()`` until it returns something truthy; fail after ``timeout`` seconds."""
    end = time.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _wait(drv, script: str, timeout: float = 60.0):
    return _until(lambda: drv.execute_script(script), script, timeout)


def _legend_toggle(drv, fig_id: str, name: str):
    """The clickable legend entry of trace group ``name`` in figure ``fig_id``."""
    from selenium.webdriver.common.by import By

    for item in drv.find_elements(By.CSS_SELECTOR, f"#{fig_id} g.legend g.traces"):
        if item.find_element(By.CSS_SELECTOR, "text.legendtext").text.strip() == name:
            return item.find_element(By.CSS_SELECTOR, "rect.legendtoggle")
    raise AssertionError(f"no legend entry '{name}' in #{fig_id}")


GROUP_STATE = """
const gd = document.getElementById(arguments[0]);
return gd._fullData.filter(t => t.legendgroup === arguments[1]).map(t => String(t.visible));
"""


def test_main_report_in_chromium(browser, main_report):
    from selenium.webdriver.common.action_chains import ActionChains

    out, wall = main_report
    page = out / "report.html"
    size = page.stat().st_size
    t0 = time.perf_counter()
    browser.get(page.resolve().as_uri())
    state = _wait(browser, "return window.nasbenchReport && window.nasbenchReport.ready && window.nasbenchReport;", 120)
    open_s = time.perf_counter() - t0

    # nothing but the file itself was loaded; no errors anywhere
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    assert all(r.startswith(("file:", "data:", "blob:")) for r in resources), resources
    errors = browser.execute_script("return window.__errors;")
    logs = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors and not logs, (errors, logs)

    # every figure rendered: plotly's DOM with drawn traces
    figures = browser.execute_script("""
        return Array.from(document.querySelectorAll('div.plot')).map(d => ({
            id: d.id, plotly: d.classList.contains('js-plotly-plot'),
            svg: d.querySelectorAll('svg.main-svg').length,
            traces: d.querySelectorAll('.scatterlayer .trace, .boxlayer .trace').length,
            paths: d.querySelectorAll('.scatterlayer .trace path.js-line, .boxlayer .trace path.box, .points path').length,
            data: (d.data || []).length, height: d.getBoundingClientRect().height}));
    """)
    ids = {f["id"] for f in figures}
    assert {"fig-anytime-queries", "fig-anytime-time", "fig-final-500q", "fig-final-40q", "fig-rank"} <= ids, ids
    assert state["figures"] == len(figures)
    for f in figures:
        assert f["plotly"] and f["svg"] >= 1 and f["traces"] > 0 and f["paths"] > 0 and f["data"] > 0, f
        assert f["height"] > 200, f

    # the page holds every run: 9 x 4 x seeds
    data = browser.execute_script("return window.nasbenchData.n_runs;")
    seeds = int(os.environ.get("NASBENCH_HTML_TEST_SEEDS", TEST_SEEDS))
    assert data == {"expected": 36 * seeds, "finished": 36 * seeds, "failed": 0}

    # a strategy clicked off in the legend: its curves and bands are hidden in all 9 panels
    fig = "fig-anytime-queries"
    before = browser.execute_script(GROUP_STATE, fig, TOGGLED)
    assert len(before) == 9 * 3 and set(before) == {"true"}, before
    drawn_before = browser.execute_script(f"return document.querySelectorAll('#{fig} .scatterlayer .trace').length;")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", browser.find_element("id", fig))
    ActionChains(browser).move_to_element(_legend_toggle(browser, fig, TOGGLED)).click().perform()
    _until(lambda: set(browser.execute_script(GROUP_STATE, fig, TOGGLED)) == {"legendonly"},
           f"{TOGGLED}'s traces to become legendonly", 20)
    others = browser.execute_script("""
        const gd = document.getElementById(arguments[0]);
        return gd._fullData.filter(t => t.legendgroup !== arguments[1]).map(t => String(t.visible));""", fig, TOGGLED)
    assert others and set(others) == {"true"}, "only the clicked strategy is hidden"
    drawn_after = browser.execute_script(f"return document.querySelectorAll('#{fig} .scatterlayer .trace').length;")
    assert drawn_after == drawn_before - 9 * 3, (drawn_before, drawn_after)

    shots = screenshot_dir()
    shots.mkdir(parents=True, exist_ok=True)
    browser.execute_script("const e = document.getElementById(arguments[0]);"
                           "window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 45);", fig)
    time.sleep(0.3)
    browser.save_screenshot(str(shots / "report-html-rs-hidden.png"))
    # ... and on again
    ActionChains(browser).move_to_element(_legend_toggle(browser, fig, TOGGLED)).click().perform()
    _wait(browser, f"return document.querySelectorAll('#{fig} .scatterlayer .trace').length === {drawn_before};", 20)
    browser.execute_script("window.scrollTo(0, 0);")
    time.sleep(0.3)
    browser.save_screenshot(str(shots / "report-html.png"))
    assert (shots / "report-html.png").stat().st_size > 10_000

    errors = browser.execute_script("return window.__errors;")
    logs = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    assert not errors and not logs, (errors, logs)
    record = {"seeds": seeds, "runs": 36 * seeds, "report_html_bytes": size, "generate_wall_s": round(wall, 1),
              "open_s": round(open_s, 2), "plot_render_ms": round(state["render_ms"]),
              "screenshots": [str(shots / "report-html.png"), str(shots / "report-html-rs-hidden.png")]}
    (shots / "report-html-timing.json").write_text(json.dumps(record, indent=1) + "\n")
    print(f"\nreport.html: {size / 1e6:.2f} MB, {36 * seeds} runs, generated in {wall:.0f} s, opened in {open_s:.2f} s "
          f"(plots {state['render_ms']:.0f} ms); screenshots in {shots}")


def test_sortable_table_and_run_explorer(browser, main_report):
    """A header click sorts the comparison table; the run explorer lists runs with their files."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    out, _ = main_report
    browser.get((out / "report.html").resolve().as_uri())
    _wait(browser, "return window.nasbenchReport && window.nasbenchReport.ready;", 120)
    table = browser.find_element(By.ID, "table-500q")
    header = table.find_elements(By.CSS_SELECTOR, "thead th")[1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", header)
    header.click()
    keys = [float(td.get_attribute("data-sort")) for td in table.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(2)")]
    assert keys == sorted(keys)
    header.click()
    keys = [float(td.get_attribute("data-sort")) for td in table.find_elements(By.CSS_SELECTOR, "tbody tr td:nth-child(2)")]
    assert keys == sorted(keys, reverse=True)

    Select(browser.find_element(By.ID, "runs-key")).select_by_value("nbgraph/proteins")
    Select(browser.find_element(By.ID, "runs-strategy")).select_by_value("RE")
    rows = browser.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr")
    seeds = int(os.environ.get("NASBENCH_HTML_TEST_SEEDS", TEST_SEEDS))
    assert len(rows) == seeds
    link = rows[0].find_element(By.CSS_SELECTOR, "a").get_attribute("href")
    assert link.startswith("file:") and link.endswith("seed-00000.json") and "nbgraph__proteins/re-" in link
    assert Path(link.removeprefix("file://")).is_file()
    errors = browser.execute_script("return window.__errors;")
    assert not errors, errors
