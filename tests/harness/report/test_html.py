"""`ercbench report`: one self-contained page, checked as rendered by headless Chromium."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main
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
        pipeline.run(RunSpec(task="sample", prompt="zero-shot", model=model), results_dir=results)
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
