"""Data-parallel runs: dialogue-preserving shards, merged predictions equal to one process, resume after a kill."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.context import RunContext
from harness.errors import ConfigError, DataError
from harness.interfaces import Model
from harness.run import launcher
from harness.run.collective import World
from harness.run.distributed import fold_shards, order_predictions, shard
from harness.sdk.testing import EchoGoldModel, TinyTask, registry_with
from harness.types import Dialogue, Example, RunSpec, Utterance
from tests.conftest import REPO

WORKER = "tests.harness.run.distributed_worker"


def make_examples(lengths: list[int]) -> list[Example]:
    examples = []
    for number, length in enumerate(lengths):
        dialogue = Dialogue(f"d{number}", "test", tuple(Utterance(i, "A", "hi", "joy") for i in range(length)))
        examples += [Example(f"test/d{number}/{i}", "t", dialogue, i, "joy", ("joy",)) for i in range(length)]
    return examples


@given(st.lists(st.integers(1, 9), min_size=1, max_size=30), st.integers(1, 6))
def test_shards_cover_every_example_once_in_order_and_never_split_a_dialogue(lengths, size):
    examples = make_examples(lengths)
    shards = [shard(examples, rank, size) for rank in range(size)]
    assert [e.example_id for part in shards for e in part] == [e.example_id for e in examples]
    owners = {}
    for rank, part in enumerate(shards):
        for example in part:
            assert owners.setdefault(example.dialogue.dialogue_id, rank) == rank


def test_shards_are_balanced_when_dialogues_allow():
    sizes = [len(shard(make_examples([5] * 8), rank, 4)) for rank in range(4)]
    assert sizes == [10, 10, 10, 10]


def row(example_id: str, label: str = "joy") -> str:
    return json.dumps({"id": example_id, "gold": "joy", "predicted": label, "raw": label}) + "\n"


def test_fold_moves_complete_lines_once_keeps_earlier_ones_and_drops_rank_folders(tmp_path):
    (tmp_path / "predictions.jsonl").write_text(row("a") + '{"id": "b", "go')  # torn by a kill
    (tmp_path / "rank-0").mkdir()
    (tmp_path / "rank-0" / "predictions.jsonl").write_text(row("c") + row("a", "anger"))
    (tmp_path / "rank-1").mkdir()
    (tmp_path / "rank-1" / "predictions.jsonl").write_text(row("b") + '{"id": "d"')
    (tmp_path / "rank-2").mkdir()  # a process that wrote nothing
    assert fold_shards(tmp_path) == 2
    lines = (tmp_path / "predictions.jsonl").read_text().splitlines(keepends=True)
    assert lines == [row("a"), row("c"), row("b")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.jsonl"]
    assert fold_shards(tmp_path) == 0


def test_fold_names_the_file_and_line_of_a_bad_prediction(tmp_path):
    (tmp_path / "rank-1").mkdir()
    (tmp_path / "rank-1" / "predictions.jsonl").write_text(row("a") + "not json\n")
    with pytest.raises(DataError, match=r"rank-1/predictions.jsonl:2: not a prediction line"):
        fold_shards(tmp_path)


def test_order_follows_the_examples_and_keeps_the_file_mode(tmp_path):
    examples = make_examples([2, 2])
    path = tmp_path / "predictions.jsonl"
    path.write_text("".join(row(e.example_id) for e in reversed(examples)))
    path.chmod(0o640)
    order_predictions(tmp_path, examples)
    assert [json.loads(line)["id"] for line in path.read_text().splitlines()] == [e.example_id for e in examples]
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    "env, message",
    [({"WORLD_SIZE": "two"}, "whole numbers"), ({"WORLD_SIZE": "2", "RANK": "2"}, "not within WORLD_SIZE 2")],
)
def test_bad_launcher_variables_are_one_line_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        World.from_env(env)


def test_world_defaults_to_one_process():
    assert World.from_env({}) == World(0, 1, 0)
    assert World.from_env({"WORLD_SIZE": "4", "RANK": "3", "LOCAL_RANK": "1"}) == World(3, 4, 1)


# --- several real processes (gloo on CPU): the tiny LLaMA scoring the first 40 MELD test utterances ---


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from tests.tinymodels import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("dp") / "model", add_bos=True)


@pytest.fixture
def worker_env(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module")
def one_process(tiny_model, tmp_path_factory, data_root) -> Path:
    """The reference: the same spec in this process, world size 1."""
    from tests.harness.run import distributed_worker

    results = tmp_path_factory.mktemp("single")
    distributed_worker.main(str(tiny_model), str(data_root), str(results), "fresh")
    [folder] = [p for p in results.iterdir() if not p.name.startswith(".")]
    return folder


def read_run(folder: Path) -> tuple[dict, list[dict]]:
    run = json.loads((folder / "run.json").read_text())
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    return run, rows


def assert_same_run(folder: Path, reference: Path) -> None:
    run, rows = read_run(folder)
    expected_run, expected_rows = read_run(reference)
    assert [r["id"] for r in rows] == [r["id"] for r in expected_rows]  # same order as one process
    assert [(r["gold"], r["predicted"]) for r in rows] == [(r["gold"], r["predicted"]) for r in expected_rows]
    worst = max(abs(r["logprobs"][k] - e["logprobs"][k]) for r, e in zip(rows, expected_rows) for k in r["logprobs"])
    assert worst < 1e-4  # other batches, other float summation order
    assert run["scores"] == expected_run["scores"] and run["n"] == expected_run["n"] == 40
    assert folder.name.rsplit("-", 1)[1] == reference.name.rsplit("-", 1)[1]  # the same run key


@pytest.mark.slow
def test_a_killed_process_is_resumed_by_the_cli_into_the_run_one_process_writes(
    tiny_model, one_process, data_root, tmp_path, worker_env, monkeypatch
):
    results = tmp_path / "results"
    monkeypatch.setenv("KILL_RANK", "1")
    status = launcher.launch(2, [str(tiny_model), str(data_root), str(results), "fresh"], module=WORKER)
    assert status == 128 + 9  # SIGKILL
    assert not [p for p in results.iterdir() if not p.name.startswith(".")]  # nothing published
    [partial] = results.glob(".*.partial")
    killed = (partial / "rank-1" / "predictions.jsonl").read_text().splitlines()
    assert len(killed) == 4  # its first batch, and no more: rank 0 left the files as they were
    monkeypatch.delenv("KILL_RANK")
    command = [sys.executable, "-m", "harness.cli", "run", "-t", "meld", "-m", f"hf:{tiny_model}", "--limit", "40",
               "--prompt-opt", "window=3", "--model-opt", "mode=score", "--data-dir", str(data_root),
               "--results-dir", str(results), "--processes", "2", "--resume"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [folder] = [p for p in results.iterdir() if not p.name.startswith(".")]
    assert not list(results.glob(".*.partial"))
    assert done.stdout.count("weighted F1") == 1 and str(folder) in done.stdout  # only rank 0 reports
    assert_same_run(folder, one_process)
    run, _ = read_run(folder)
    assert run["processes"] == 2 and run["model_info"]["mode"] == "score"
    assert run["resumed_from"] >= 4
    timing = run["timing"]  # the slowest process's stage times; the tokens of both processes
    assert timing["n_predicted"] == 40 - run["resumed_from"] and timing["tokens_computed"] > 0


@pytest.mark.slow
def test_the_processes_counters_join_by_their_rules(tiny_model, data_root, tmp_path, worker_env, monkeypatch):
    monkeypatch.setenv("COUNTERS_DIR", str(tmp_path))
    status = launcher.launch(2, [str(tiny_model), str(data_root), str(tmp_path / "results"), "fresh"], module=WORKER)
    assert status == 0
    ranks = [json.loads((tmp_path / f"rank-{rank}.json").read_text())["compute"] for rank in (0, 1)]
    [folder] = [p for p in (tmp_path / "results").iterdir() if not p.name.startswith(".")]
    run, _ = read_run(folder)
    compute = run["model_info"]["compute"]
    assert all(rank["tokens_fed"] > 0 for rank in ranks)  # both processes scored
    assert compute["tokens_fed"] == ranks[0]["tokens_fed"] + ranks[1]["tokens_fed"]
    assert compute["passes"] == ranks[0]["passes"] + ranks[1]["passes"]
    assert compute["max_pass_scores"] == max(rank["max_pass_scores"] for rank in ranks)
    assert run["model_info"]["renderings"] == ["text"] and run["model_info"]["mode"] == "score"


class StopsAtSecondBatch(Model):
    """Answers the gold label, then fails on its second batch (a crash in mid-run)."""

    name = "stops"
    description = "fails at the second batch"
    calls = 0

    def predict(self, prompts):
        StopsAtSecondBatch.calls += 1
        if StopsAtSecondBatch.calls == 2:
            raise RuntimeError("crash")
        return EchoGoldModel().predict(prompts)


def test_one_process_resumes_what_the_processes_of_a_data_parallel_attempt_wrote(tmp_path):
    from harness.run import pipeline

    registry = registry_with([("tasks", TinyTask), ("models", StopsAtSecondBatch)])
    spec = RunSpec(task="tiny", prompt="zero-shot", model="stops")
    with pytest.raises(RuntimeError):
        pipeline.run(spec, RunContext(registry), results_dir=tmp_path, batch_size=2)
    [partial] = tmp_path.glob(".*.partial")
    (partial / "rank-1").mkdir()
    (partial / "predictions.jsonl").rename(partial / "rank-1" / "predictions.jsonl")  # as one process of two left it
    result, folder = pipeline.run(spec, RunContext(registry), results_dir=tmp_path, batch_size=2, resume=True)
    assert result.resumed_from == 2 and result.n == 7 and result.scores["accuracy"] == 1.0
    assert sorted(p.name for p in folder.iterdir()) == ["context.jsonl", "predictions.jsonl", "run.json"]
