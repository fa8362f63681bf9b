"""hf-vlm on a tiny random LLaVA and synthetic clips: `ercbench describe` end to end, then a run that reads the file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.context import RunContext
from harness.data.descriptions import made_by, provenance_path
from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.interfaces import Clip
from harness.run.pipeline import run
from harness.types import RunSpec, frozen_mapping
from plugins.describers.hf_vlm import HfVlm
from tests.tinymodels import build_tiny_vlm
from tests.videos import make_clip, make_corrupt

pytest.importorskip("av")
pytest.importorskip("transformers")
CLIPS = "output_repeated_splits_test"


@pytest.fixture(scope="module")
def vlm(tmp_path_factory):
    return build_tiny_vlm(tmp_path_factory.mktemp("vlm") / "tiny-llava")


@pytest.fixture
def meld_videos(tmp_path):
    """MELD test dialogues 0 (3 utterances) and 1: clips for 0/0, 0/1 and 1/1;
    0/2 corrupt, 1/0 empty, the rest missing."""
    folder = tmp_path / "videos" / CLIPS
    for name in ("dia0_utt0", "dia0_utt1", "dia1_utt1"):
        make_clip(folder / f"{name}.mp4", seconds=1.5)
    make_corrupt(folder / "dia0_utt2.mp4")
    (folder / "dia1_utt0.mp4").write_bytes(b"")
    return tmp_path / "videos"


def describe(vlm, videos, out, *extra):
    args = ["describe", "-t", "meld", "--split", "test", "--videos", str(videos), "-d", f"hf-vlm:{vlm}",
            "--out", str(out), "--describer-opt", "frames=3", "--describer-opt", "max_new_tokens=6", *extra]
    return CliRunner().invoke(main, args)


@pytest.mark.slow
def test_describing_meld_clips_then_a_run_reads_the_descriptions(vlm, meld_videos, tmp_path, data_root):
    out = tmp_path / "descriptions.jsonl"
    result = describe(vlm, meld_videos, out, "--limit", "6", "--describer-opt", "batch_size=2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"described 3 clip(s), 3 without a description -> {out}"
    assert "no description: test/0/2: " in lines[1] and "not a readable video" in lines[1]
    assert lines[2].endswith("dia1_utt0.mp4: empty file (0 bytes)") and lines[3].endswith("dia1_utt2.mp4: no such file")
    rows = {f"{row['dialogue_id']}/{row['utt_index']}": row for row in map(json.loads, out.read_text().splitlines())}
    assert sorted(rows) == ["0/0", "0/1", "0/2", "1/0", "1/1", "1/2"]
    assert all(rows[key]["description"] for key in ("0/0", "0/1", "1/1"))
    assert all(rows[key]["description"] is None and rows[key]["problem"] for key in ("0/2", "1/0", "1/2"))
    made = json.loads(provenance_path(out).read_text())
    assert made["describer"] == "hf-vlm" and made["model"] == str(vlm) and made["frames_per_clip"] == "3"
    assert made["fingerprint"]["model/model.safetensors"] and {"torch", "transformers", "av"} <= set(made["libraries"])

    spec = RunSpec(task="meld", prompt="zero-shot", model="majority", split="test", limit=6,
                   task_args=frozen_mapping({"descriptions": str(out)}),
                   prompt_args=frozen_mapping({"descriptions": "on"}))
    result, folder = run(spec, RunContext(default_registry(), data_dir=data_root), results_dir=tmp_path / "results")
    record = json.loads((folder / "run.json").read_text())
    assert record["n_with_description"] == 3
    info = record["task_info"]["descriptions"]
    assert info["entries"] == 3 and info["without_description"] == 3 and info["provenance"]["prompt"] == made["prompt"]
    assert made_by(record["task_info"])["descriptions made by"].startswith(f"hf-vlm {vlm} (fingerprint ")


@pytest.mark.slow
def test_the_descriptions_appear_in_the_prompts_as_documented(vlm, meld_videos, tmp_path, data_root):
    out = tmp_path / "d.jsonl"
    assert describe(vlm, meld_videos, out, "--limit", "2").exit_code == 0
    text = {row["utt_index"]: row["description"] for row in map(json.loads, out.read_text().splitlines())}
    registry = default_registry()
    task = registry.get("tasks", "meld").cls(data_root, descriptions=str(out))
    examples = task.examples("test")[:2]
    on = registry.get("prompts", "zero-shot").cls(descriptions="on").build(examples)
    off = registry.get("prompts", "zero-shot").cls().build(examples)
    for prompt, plain, index in zip(on, off, (0, 1)):
        assert f"[{text[index]}]" in prompt.text and text[index] not in plain.text


@pytest.mark.slow
def test_describing_is_deterministic_and_needs_a_model(vlm, tmp_path):
    clip = Clip(make_clip(tmp_path / "c.mp4"))
    first, second = HfVlm(target=str(vlm), frames="2", max_new_tokens="5"), HfVlm(target=str(vlm), frames="2",
                                                                                  max_new_tokens="5")
    first.prepare()
    second.prepare()
    assert first.describe([first.read(clip)]) == second.describe([second.read(clip)])
    with pytest.raises(ConfigError, match="hf-vlm: no model given; use -d hf-vlm:PATH_OR_HUB_ID"):
        HfVlm()
    with pytest.raises(ConfigError, match="has no video processor; use --describer-opt input=images"):
        HfVlm(target=str(vlm), input="video").prepare()


def test_without_pyav_the_command_names_the_extra(vlm, meld_videos, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    result = describe(vlm, meld_videos, tmp_path / "d.jsonl", "--limit", "1")
    assert result.exit_code == 1
    assert result.output == "Error: this needs av, which is not installed: pip install 'ercbench[video]'\n"


def test_a_task_whose_videos_are_not_there_is_refused_in_one_line(vlm, tmp_path):
    (tmp_path / "empty").mkdir()
    result = describe(vlm, tmp_path / "empty", tmp_path / "d.jsonl")
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert "meld: no test clips (dia<Dialogue_ID>_utt<Utterance_ID>.mp4) in any of" in result.output


# Runs `ercbench describe` whose third batch hangs after announcing itself, so the test can kill -9 it mid-work.
HANGING = """
import pathlib, sys, time
from plugins.describers.hf_vlm import HfVlm
original, calls = HfVlm.describe, []
def describe(self, inputs):
    calls.append(1)
    if len(calls) == 3:
        pathlib.Path(sys.argv[1]).write_text("hanging")
        time.sleep(600)
    return original(self, inputs)
HfVlm.describe = describe
from harness.cli import main
main(sys.argv[2:])
"""


@pytest.mark.slow
def test_kill_9_then_the_same_command_continues(vlm, tmp_path, data_root):
    folder = tmp_path / "videos" / CLIPS
    for dialogue in (0, 1):
        for index in range(4):
            make_clip(folder / f"dia{dialogue}_utt{index}.mp4", seconds=1)
    out, marker = tmp_path / "d.jsonl", tmp_path / "hanging"
    args = ["describe", "-t", "meld", "--split", "test", "--videos", str(tmp_path / "videos"), "-d", f"hf-vlm:{vlm}",
            "--out", str(out), "--limit", "7", "--describer-opt", "batch_size=2", "--describer-opt", "frames=2",
            "--describer-opt", "max_new_tokens=4"]
    env = {**os.environ, "ERCBENCH_DATA": str(data_root)}
    log = tmp_path / "child.log"
    with open(log, "wb") as errors:
        child = subprocess.Popen([sys.executable, "-c", HANGING, str(marker), *args], env=env,
                                 stdout=subprocess.DEVNULL, stderr=errors)
        while not marker.exists():  # waits on the child's own signal, not on a clock
            assert child.poll() is None, log.read_text()
            time.sleep(0.1)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    partial = out.with_name(out.name + ".partial")
    before = partial.read_text().splitlines()
    assert len(before) == 4 and not out.exists()  # two batches of two were on disk when it died

    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"described 3 clip(s), 0 without a description (4 already in the file) -> {out}")
    after = out.read_text().splitlines()
    assert after[:4] == before and len(after) == 7 and not partial.exists()
    keys = [(row["dialogue_id"], row["utt_index"]) for row in map(json.loads, after)]
    assert len(set(keys)) == 7 and all(row["description"] for row in map(json.loads, after))
