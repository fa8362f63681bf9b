"""`ercbench report`: one self-contained page, checked as rendered by headless Chromium."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.context import RunContext
from harness.discovery import default_registry
from tests.harness.report.fakeruns import predictions, write_run

pytest.importorskip("matplotlib")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
QUIET = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-default-apps"]
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="no headless Chromium: apt-get install -y chromium")


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def of(self, name: str) -> list[dict]:
        return [attrs for tag, attrs in self.tags if tag == name]


def parse(text: str) -> Tags:
    tags = Tags()
    tags.feed(text)
    return tags


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    results = root / "results"
    from harness.run import pipeline
    from harness.types import RunSpec

    for model in ("majority", "tfidf-lr"):
        pipeline.run(RunSpec(task="sample", prompt="zero-shot", model=model), RunContext(default_registry()), results_dir=results)
    # A run whose data is not at hand (no meld here): the page says so instead of showing context.
    write_run(results, "run-strong", predictions(2, 0.75), model="strong<b>")
    (root / "nodata").mkdir()
    checkpoint = root / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "training_log.csv").write_text("step,epoch,loss,eval_loss\n10,0.5,2.0,\n20,1.0,1.4,1.6\n")
    result = CliRunner().invoke(main, ["report", "--results-dir", str(results), "--out", str(root / "out"),
                                       "--sample", "4", "--data-dir", str(root / "nodata"),
                                       "--checkpoint", str(checkpoint)])
    assert result.exit_code == 0, result.output
    return root / "out" / "report.html"


@pytest.mark.slow
def test_page_is_self_contained(report):
    text = report.read_text(encoding="utf-8")
    tags = parse(text)
    assert any(m.get("http-equiv") == "Content-Security-Policy" and "default-src 'none'" in m["content"]
               for m in tags.of("meta"))
    links = [a.get("src") or a.get("href") or "" for tag, a in tags.tags if "src" in a or "href" in a]
    assert not [link for link in links if re.match(r"\s*(https?:)?//", link)]
    assert "url(" not in text and "@import" not in text
    images = [img["src"] for img in tags.of("img")]
    assert len(images) == 6  # per-label bars for each label set, a loss curve, a confusion matrix per run
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "strong&lt;b&gt;" in text and "<b>" not in text  # names are escaped


@pytest.mark.slow
def test_page_holds_leaderboard_runs_and_wrong_predictions(report):
    text = report.read_text(encoding="utf-8")
    folders = sorted(p for p in (report.parents[1] / "results").iterdir() if not p.name.startswith("."))
    assert {s["id"] for s in parse(text).of("section")} == {folder.name for folder in folders}
    assert text.count("<th>n_unparsed</th>") == len(folders)  # each run's named counts are shown
    for folder in folders:
        run = json.loads((folder / "run.json").read_text())
        low, high = run["scores"]["ci"]["weighted_f1"]
        assert f"{100 * run['scores']['weighted_f1']:.2f}" in text and f"[{100 * low:.2f}, {100 * high:.2f}]" in text
    assert text.count("wrong predictions (seeded sample)") == 3
    assert text.count('class="target"') == 2 * 4  # the sample task is embedded: context for 4 per run
    assert text.count("Context unavailable") == 1


def network_requests(page: Path, tmp_path: Path) -> list[str]:
    """URLs the page itself asked for (Chromium's own background traffic is set apart by its origin)."""
    log = tmp_path / f"{page.stem}-net.json"
    subprocess.run([CHROMIUM, *QUIET, f"--log-net-log={log}", "--dump-dom", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    events = json.loads(log.read_text())["events"]
    return [e["params"]["url"] for e in events
            if "file://" in str(e.get("params", {}).get("network_isolation_key", "")) and "url" in e["params"]]


@pytest.mark.slow
@needs_chromium
def test_chromium_renders_tables_and_images_and_nothing_leaves(report, tmp_path):
    dom = subprocess.run([CHROMIUM, *QUIET, "--dump-dom", report.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    tags = parse(dom)
    assert len(tags.of("table")) >= 1 + 4 * 3  # leaderboard + per run: scores, settings, provenance, wrong
    assert [t for t in tags.of("table") if t.get("class") == "leaderboard"]
    assert len([i for i in tags.of("img") if i["src"].startswith("data:image/png")]) == 6
    assert network_requests(report, tmp_path) == []
    # The same check sees a request when a page makes one.
    control = tmp_path / "control.html"
    control.write_text('<html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    assert network_requests(control, tmp_path) == ["http://127.0.0.1:9/x.png"]


@pytest.mark.slow
@needs_chromium
def test_chromium_screenshot_is_not_blank(report, tmp_path):
    import matplotlib.image

    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *QUIET, f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (1600, 1200) and pixels.std() > 0.05


@pytest.fixture(scope="module")
def wide_report(tmp_path_factory):
    """A page with a leaderboard far wider than a phone, long run labels and a per-label legend of five runs."""
    root = tmp_path_factory.mktemp("wide")
    results = root / "results"
    options = {"mode": "score", "adapter": "/checkpoints/dialoguellm-qwen2.5-7b-instruct-lora-r16-epoch3",
               "max_length": "4096", "batch_size": "8"}
    for i in range(5):
        for task in ("meld", "iemocap", "emorynlp"):
            write_run(results, f"run-{task}-{i}", predictions(i, 0.3 + 0.1 * i, task=task), task=task,
                      model=f"hf:/models/some-rather-long-model-name-{i}", model_args={**options, "C": str(i)},
                      prompt="k-shot", prompt_args={"k": str(i), "template": "dialoguellm-with-descriptions"})
    out = root / "out"
    result = subprocess.run([sys.executable, "-m", "harness.cli", "report", "--results-dir", str(results),
                             "--out", str(out), "--data-dir", str(root / "nodata")],
                            capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONWARNINGS": "default"})
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr and "warning" not in result.stderr.lower(), result.stderr
    return out / "report.html"


def probe(report: Path, tmp_path: Path, width: int) -> tuple[int, int]:
    """(document scroll width, viewport width) of the page in a frame `width` CSS pixels wide (a headless
    window is at least 500 wide: the page goes into an iframe of that width, read from its parent)."""
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", report.read_text(encoding="utf-8"))
    script = ("<script>addEventListener('load', () => { const w = document.querySelector('iframe').contentWindow; "
              "document.title = w.document.documentElement.scrollWidth + ' ' + w.innerWidth; });</script>")
    page = tmp_path / f"probe-{width}.html"
    page.write_text(f'<html><head><title>?</title></head><body style="margin:0"><iframe style="border:0" width="{width}" '
                    f'height="900" srcdoc="{html.escape(text, quote=True)}"></iframe>{script}</body></html>',
                    encoding="utf-8")
    dom = subprocess.run([CHROMIUM, *QUIET, "--window-size=1400,1000", "--virtual-time-budget=5000",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r"<title>(\d+) (\d+)</title>", dom)
    assert found, dom[-500:]
    return int(found.group(1)), int(found.group(2))


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("width", [1366, 390])  # a laptop, a phone
def test_page_fits_the_width_outside_the_tables_scroll_boxes(wide_report, tmp_path, width):
    scroll_width, window = probe(wide_report, tmp_path, width)
    assert window == width and scroll_width <= window
    # The control: the same page without its scroll boxes is wider than a phone.
    bare = tmp_path / "bare.html"
    bare.write_text(wide_report.read_text(encoding="utf-8").replace("overflow-x: auto", "overflow-x: visible"))
    if width == 390:
        assert probe(bare, tmp_path, width)[0] > width


@pytest.mark.slow
def test_per_label_legend_is_whole(wide_report):
    from harness.report import plots
    from harness.results.record import read_finished

    runs = [read_finished(folder) for folder in (wide_report.parents[1] / "results").iterdir()
            if folder.name.startswith("run-meld")]
    fig = plots.label_bars(runs)
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    inside = fig.bbox
    assert len(fig.legends[0].get_texts()) == 5
    assert inside.x0 <= legend.x0 and legend.x1 <= inside.x1 and inside.y0 <= legend.y0 and legend.y1 <= inside.y1


def without_stamp(page: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", page)


def test_context_comes_from_the_run_folder_and_older_folders_get_the_same_page_from_the_data(tmp_path):
    from harness.cli.contexts import TaskContexts
    from harness.report import html as report_html
    from harness.results.context import CONTEXT_FILE, read_context
    from harness.results.record import read_finished
    from harness.run import pipeline
    from harness.types import RunSpec

    registry = default_registry()
    _, folder = pipeline.run(RunSpec(task="sample", prompt="zero-shot", model="majority"), RunContext(registry),
                             results_dir=tmp_path)
    run = read_finished(folder)
    assert set(read_context(folder)) == {p.example_id for p in run.predictions()}
    stored = report_html.build([run], registry, sample=3)  # no data dir, no task: the folder has what the page shows
    assert stored.count('class="target"') == 3 and "Context unavailable" not in stored
    (folder / CONTEXT_FILE).unlink()  # as a run written before run folders held their context
    assert "Context unavailable" in report_html.build([read_finished(folder)], registry, sample=3)
    rebuilt = report_html.build([read_finished(folder)], registry, sample=3, contexts=TaskContexts(registry, None))
    assert without_stamp(rebuilt) == without_stamp(stored)


def test_an_old_results_folder_gets_its_context_through_the_cli(tmp_path):
    old = Path(__file__).resolve().parents[2] / "fixtures" / "old_results"
    shutil.copytree(old, tmp_path / "results")
    result = CliRunner().invoke(main, ["report", "--results-dir", str(tmp_path / "results"), "--out",
                                       str(tmp_path / "out"), "--sample", "2"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert page.count('class="target"') == 2 and "Context unavailable" not in page
