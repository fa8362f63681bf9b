"""Resume and reuse keyed by contents: changed data, labels or weights refuse --resume; counts survive attempts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pytest

from harness.context import RunContext
from harness.errors import ConfigError
from harness.interfaces import Model
from harness.results import store
from harness.results.store import PREDICTIONS_FILE, RUN_FILE, PartialRun
from harness.run import pipeline
from harness.sdk.fingerprint import path_fingerprint
from harness.sdk.options import option
from harness.sdk.testing import TESTING_ORIGIN, TinyTask, registry_with
from harness.types import Completion, Prompt, RunSpec, frozen_mapping
from tests.harness.run.interrupts import interrupt_second_batch


class WeightsModel(Model):
    """Answers gold; its weights are a file (option target); every prompt is 'truncated' by one token
    (which the run counts from the predictions)."""

    name = "weights"

    class Options(Model.Options):
        target: str = option("", "the weights file")

    def __init__(self, **options: str):
        super().__init__(**options)
        self.target, self.loaded = self.config.target, None

    def fingerprint(self) -> dict[str, str]:
        return path_fingerprint("model", self.target)

    def prepare(self, task, context) -> None:
        self.loaded = self.target

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        return [Completion(p.example.example_id, text=p.example.gold, meta=frozen_mapping({"truncated_tokens": 1}))
                for p in prompts]

    def info(self) -> dict:
        return {"path": self.loaded, "context_limit": 128 if self.loaded else None}


@pytest.fixture
def registry():
    reg = registry_with()
    reg.add("models", WeightsModel, TESTING_ORIGIN)
    return reg


def write_jsonl(path: Path, labels=("joy", "anger", "neutral")) -> Path:
    rows = [
        {"split": split, "dialogue_id": d, "utt_index": i, "speaker": "A", "text": f"t{d}{i}", "label": labels[i % 3]}
        for split in ("train", "test") for d in range(3) for i in range(3)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def jsonl_spec(data: Path, model: str = "echo-gold", **model_args) -> RunSpec:
    return RunSpec(task="jsonl", prompt="zero-shot", model=model,
                   task_args=frozen_mapping({"path": str(data)}), model_args=frozen_mapping(model_args))


def test_resume_over_relabelled_data_is_refused_naming_what_changed(registry, results_dir, tmp_path, monkeypatch):
    data = write_jsonl(tmp_path / "mine.jsonl")
    spec = jsonl_spec(data)
    interrupt_second_batch(monkeypatch, registry.get("models", "echo-gold").cls)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, batch_size=4)
    write_jsonl(data, labels=("happy", "anger", "neutral"))
    with pytest.raises(ConfigError, match=r"cannot --resume .*data file .*mine.jsonl changed.*labels changed"):
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True)
    assert len(PartialRun(results_dir, spec).done_predictions()) == 4  # refused, nothing lost
    monkeypatch.undo()
    result, _ = pipeline.run(spec, RunContext(registry), results_dir=results_dir)  # a fresh start is allowed
    assert result.n == 9 and result.scores["accuracy"] == 1.0
    assert result.inputs["labels"] == ["anger", "happy", "neutral"]


def weights_spec(tmp_path: Path, content: bytes, name: str = "w.safetensors") -> tuple[Path, RunSpec]:
    """A weights file with `content` and a JSONL run spec whose model reads it."""
    weights = tmp_path / name
    weights.write_bytes(content)
    return weights, jsonl_spec(write_jsonl(tmp_path / "d.jsonl"), model=f"weights:{weights}")


def interrupted_first_attempt(spec, registry, results_dir, monkeypatch, **settings) -> None:
    """The run of `spec` killed after its first batch of 4 (its predictions kept for --resume)."""
    interrupt_second_batch(monkeypatch, WeightsModel)
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, batch_size=4, **settings)


def test_resume_over_replaced_weights_is_refused(registry, results_dir, tmp_path, monkeypatch):
    weights, spec = weights_spec(tmp_path, b"old weights")
    interrupted_first_attempt(spec, registry, results_dir, monkeypatch)
    weights.write_bytes(b"new weights")
    with pytest.raises(ConfigError, match=r"model file model/w.safetensors changed \(sha256"):
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True)


def test_finished_spec_is_reused_unless_forced_and_weights_change_recomputes(registry, results_dir, tmp_path):
    weights, spec = weights_spec(tmp_path, b"v1")
    said: list[str] = []
    first, folder = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    again, same = pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True, say=said.append)
    assert same == folder and again.run_id == first.run_id and "reusing the finished run" in said[0]
    assert json.loads((folder / RUN_FILE).read_text())["inputs"]["model"] == {
        "model/w.safetensors": store.hashlib.sha256(b"v1").hexdigest()}
    _, forced = pipeline.run(spec, RunContext(registry), results_dir=results_dir, force=True)
    weights.write_bytes(b"v2")
    _, changed = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    assert len({folder, forced, changed}) == 3
    assert len([p for p in results_dir.iterdir() if not p.name.startswith(".")]) == 3


def test_n_truncated_sums_attempts_and_model_info_survives_an_empty_resume(registry, results_dir, tmp_path,
                                                                           monkeypatch):
    weights, spec = weights_spec(tmp_path, b"w", "w.bin")
    interrupted_first_attempt(spec, registry, results_dir, monkeypatch)
    real_finish = PartialRun.finish
    monkeypatch.setattr(PartialRun, "finish", lambda self, result: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):  # every prediction written, then killed before run.json
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True, batch_size=4)
    monkeypatch.setattr(PartialRun, "finish", real_finish)
    result, _ = pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True)
    assert result.resumed_from == 9
    assert result.n_truncated == 9
    assert result.model_info == {"path": str(weights), "context_limit": 128}


def test_a_full_disk_keeps_what_was_written(registry, results_dir, monkeypatch):
    import errno
    import os

    spec = RunSpec(task="tiny", prompt="zero-shot", model="echo-gold")
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd):
        calls["n"] += os.readlink(f"/proc/self/fd/{fd}").endswith(PREDICTIONS_FILE)
        if calls["n"] == 2:  # the second batch's predictions
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    with pytest.raises(store.WriteError, match=r"predictions.jsonl: no space left on device; "
                                               r"free some disk space, then rerun with --resume"):
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, batch_size=3)
    monkeypatch.undo()
    kept = PartialRun(results_dir, spec).done_predictions()
    assert 3 <= len(kept) < 7  # the batches written before the disk filled
    result, folder = pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True)
    assert result.n == 7 and len((folder / PREDICTIONS_FILE).read_text().splitlines()) == 7


def test_the_run_key_covers_files_read_later_by_prompts_and_models(registry, results_dir, data_root):
    spec = RunSpec(task="meld", prompt="zero-shot", model="majority", limit=3)
    result, _ = pipeline.run(spec, RunContext(registry, data_dir=data_root), results_dir=results_dir)
    assert {"meld/train_sent_emo.csv", "meld/dev_sent_emo.csv", "meld/test_sent_emo.csv"} <= set(result.inputs["data"])


class RenderingModel(Model):
    """Answers gold, and reports in info() what it learnt while answering (as hf reports its renderings)."""

    name = "rendering"

    def __init__(self, **options: str):
        super().__init__(**options)
        self.renderings: set[str] = set()

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        self.renderings.add("text")
        return [Completion(p.example.example_id, text=next(c for c, label in p.answer_map.items()
                                                           if label == p.example.gold)) for p in prompts]

    def info(self) -> dict:
        return {"renderings": sorted(self.renderings)}


def test_a_full_disk_at_any_write_resumes_into_the_run_json_of_an_uninterrupted_run(tmp_path, monkeypatch):
    import errno
    import os

    registry = registry_with([("tasks", TinyTask), ("models", RenderingModel)])
    spec = RunSpec(task="tiny", prompt="zero-shot", model="rendering")
    real_fsync, calls = os.fsync, {"n": 0, "fail": 0}

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] == calls["fail"]:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(store.os, "fsync", fsync)
    for fail in range(1, 100):
        results, calls["n"], calls["fail"] = tmp_path / str(fail), 0, fail
        try:
            pipeline.run(spec, RunContext(registry), results_dir=results, batch_size=3)
        except store.WriteError:
            calls["fail"] = 0
            result, _ = pipeline.run(spec, RunContext(registry), results_dir=results, resume=True)
            assert result.n == 7 and result.model_info == {"renderings": ["text"]}, fail
        else:
            break
    assert fail > 4  # every write of a run was made to fail once


@pytest.mark.parametrize("how", ["cp -p", "touch -r", "os.utime"])
def test_weights_rewritten_in_place_with_their_old_mtime_are_never_mixed(registry, results_dir, tmp_path,
                                                                         monkeypatch, how):
    from harness.plumbing import fingerprint
    from tests.harness.plumbing.test_fingerprint import rewrite_keeping_stat

    monkeypatch.setattr(fingerprint, "RACY_NS", 0)  # only the stamp decides, as for weights hashed long ago
    weights, spec = weights_spec(tmp_path, b"old weights")
    first, folder = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    rewrite_keeping_stat(weights, b"new weights", how, tmp_path)
    said: list[str] = []
    again, other = pipeline.run(spec, RunContext(registry), results_dir=results_dir, say=said.append)
    assert other != folder and not said  # recomputed, not reused
    assert again.inputs["model"] == {"model/w.safetensors": store.hashlib.sha256(b"new weights").hexdigest()}
    interrupted_first_attempt(spec, registry, results_dir, monkeypatch, force=True)
    rewrite_keeping_stat(weights, b"mid weights", how, tmp_path)
    with pytest.raises(ConfigError, match=r"model file model/w.safetensors changed \(sha256"):
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True)


def test_weights_load_while_first_seen_files_hash_and_are_checked_before_anything_is_kept(registry, results_dir,
                                                                                         tmp_path, monkeypatch):
    import threading

    loaded, seen = threading.Event(), []
    real_fingerprint, real_prepare = WeightsModel.fingerprint, WeightsModel.prepare

    def slow_fingerprint(self):  # hashing a large checkpoint: waits until the weights are loading beside it
        seen.append(loaded.wait(timeout=60))
        return real_fingerprint(self)

    def prepare(self, task, context):
        loaded.set()
        real_prepare(self, task, context)

    weights, spec = weights_spec(tmp_path, b"v1")
    interrupted_first_attempt(spec, registry, results_dir, monkeypatch)
    monkeypatch.undo()
    monkeypatch.setattr(WeightsModel, "fingerprint", slow_fingerprint)
    monkeypatch.setattr(WeightsModel, "prepare", prepare)
    weights.write_bytes(b"v2")
    with pytest.raises(ConfigError, match=r"model file model/w.safetensors changed \(sha256"):
        pipeline.run(spec, RunContext(registry), results_dir=results_dir, resume=True)
    assert seen == [True]  # loaded meanwhile, refused all the same
    assert len(PartialRun(results_dir, spec).done_predictions()) == 4
    loaded.clear()
    result, _ = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    assert seen == [True, True] and result.n == 9 and result.model_info["path"] == str(weights)
    assert result.inputs["model"] == {"model/w.safetensors": store.hashlib.sha256(b"v2").hexdigest()}


def hashing_waits_for(event_name: str, monkeypatch) -> list:
    """The weights' hashing, slowed until the model reaches `event_name` (prepare or predict); each
    record says whether it did and when the hashing ended."""
    import threading

    reached, events = threading.Event(), []
    real_fingerprint, real_step = WeightsModel.fingerprint, getattr(WeightsModel, event_name)

    def slow_fingerprint(self):
        events.append(("reached" if reached.wait(timeout=10) else "timed out"))
        events.append("hashed")
        return real_fingerprint(self)

    def step(self, *args):
        events.append(event_name)
        reached.set()
        return real_step(self, *args)

    monkeypatch.setattr(WeightsModel, "fingerprint", slow_fingerprint)
    monkeypatch.setattr(WeightsModel, event_name, step)
    return events


def test_a_first_seen_checkpoint_hashes_while_the_run_answers(registry, results_dir, tmp_path, monkeypatch):
    weights, spec = weights_spec(tmp_path, b"v1")
    events = hashing_waits_for("predict", monkeypatch)
    result, folder = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    assert events[:2] == ["predict", "reached"]  # answering began before the hashes were known
    assert result.n == 9 and result.inputs["model"] == {"model/w.safetensors": store.hashlib.sha256(b"v1").hexdigest()}
    said: list[str] = []
    again, same = pipeline.run(spec, RunContext(registry), results_dir=results_dir, say=said.append)
    assert same == folder and "reusing" in said[0]


def test_a_checkpoint_that_may_match_a_finished_run_is_hashed_before_answering(registry, results_dir, tmp_path,
                                                                              monkeypatch):
    weights, spec = weights_spec(tmp_path, b"v1")
    _, folder = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    weights.write_bytes(b"v2")  # a first sight again, and a finished run of the spec exists
    events = hashing_waits_for("prepare", monkeypatch)
    real_predict = WeightsModel.predict
    monkeypatch.setattr(WeightsModel, "predict", lambda self, prompts: events.append("predict") or
                        real_predict(self, prompts))
    result, other = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    assert events[:3] == ["prepare", "reached", "hashed"] and "predict" in events[3:]  # loaded meanwhile
    assert other != folder and result.inputs["model"] == {"model/w.safetensors":
                                                          store.hashlib.sha256(b"v2").hexdigest()}


def test_run_json_says_how_long_the_run_waited_for_the_hashes(registry, results_dir, tmp_path, monkeypatch):
    import time

    weights, spec = weights_spec(tmp_path, b"v1")
    real_fingerprint = WeightsModel.fingerprint
    monkeypatch.setattr(WeightsModel, "fingerprint", lambda self: time.sleep(1.0) or real_fingerprint(self))
    result, _ = pipeline.run(spec, RunContext(registry), results_dir=results_dir)
    assert 0.4 <= result.timing["inputs_wait_s"] <= result.duration_s  # nine gold answers take far less
    monkeypatch.setattr(WeightsModel, "fingerprint", real_fingerprint)
    again, _ = pipeline.run(spec, RunContext(registry), results_dir=results_dir, force=True)
    assert again.timing["inputs_wait_s"] == 0.0  # the per-user cache knew the hashes
