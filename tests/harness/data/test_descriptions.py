"""Descriptions: loaded from JSONL, attached by key through the generic task option, counted in run.json."""

from __future__ import annotations

import json

import pytest

from harness.context import RunContext
from harness.data.descriptions import attach_descriptions, load_descriptions
from harness.data.stats import task_stats
from harness.discovery import default_registry
from harness.errors import DataError
from harness.run.pipeline import run
from harness.types import Dialogue, RunSpec, Utterance, frozen_mapping


def write(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def entry(task, split, dialogue, index, text):
    return {"task": task, "split": split, "dialogue_id": dialogue, "utt_index": index, "description": text}


def test_attach_matches_task_split_dialogue_and_index():
    dialogue = Dialogue("5", "test", (Utterance(0, "A", "hi"), Utterance(1, "B", "yo")))
    table = {("meld", "test", "5", 1): "frowns", ("meld", "dev", "5", 0): "other split",
             ("iemocap", "test", "5", 0): "other task"}
    (described,) = attach_descriptions([dialogue], table, "meld")
    assert [u.description for u in described.utterances] == [None, "frowns"]
    assert dialogue.utterances[1].description is None  # the original is frozen and untouched


def test_integer_dialogue_ids_are_read_as_strings(tmp_path):
    path = write(tmp_path / "d.jsonl", [entry("meld", "test", 12, 0, "smiles")])
    assert load_descriptions(path) == {("meld", "test", "12", 0): "smiles"}


@pytest.mark.parametrize(
    "line, problem",
    [
        ('{"task": "meld"}', "missing key"),
        ('{"task": "meld", "split": "test", "dialogue_id": "1", "utt_index": "0", "description": "x"}',
         "utt_index must be an integer"),
        ('{"task": "meld", "split": "test", "dialogue_id": "1", "utt_index": 0, "description": 3}',
         "description must be a string"),
        ("[1, 2", "not valid JSON"),
    ],
)
def test_bad_lines_are_named(tmp_path, line, problem):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(entry("meld", "test", "0", 0, "ok")) + "\n" + line + "\n")
    with pytest.raises(DataError, match=problem) as caught:
        load_descriptions(path)
    assert caught.value.line == 2


def test_duplicates_are_refused(tmp_path):
    path = write(tmp_path / "d.jsonl", [entry("meld", "test", "0", 0, "a"), entry("meld", "test", "0", 0, "b")])
    with pytest.raises(DataError, match="duplicate description"):
        load_descriptions(path)


def sample_descriptions(tmp_path):
    task = default_registry().get("tasks", "sample").cls(None)
    first, second = task.dialogues("test")[:2]
    rows = [entry("sample", "test", first.dialogue_id, u.index, f"looks {u.index}") for u in first.utterances]
    rows.append(entry("sample", "test", second.dialogue_id, second.utterances[0].index, "waves"))
    rows.append(entry("meld", "test", first.dialogue_id, 0, "another task: ignored"))
    return write(tmp_path / "descriptions.jsonl", rows), len(first.utterances) + 1


def test_run_reports_how_many_examples_had_a_description(tmp_path):
    path, expected = sample_descriptions(tmp_path)
    spec = RunSpec(task="sample", prompt="zero-shot", model="majority", split="test",
                   task_args=frozen_mapping({"descriptions": str(path)}),
                   prompt_args=frozen_mapping({"descriptions": "on"}))
    result, folder = run(spec, RunContext(default_registry()), results_dir=tmp_path / "results")
    saved = json.loads((folder / "run.json").read_text())
    assert result.n_with_description == saved["n_with_description"] == expected
    assert saved["task_info"]["descriptions"]["attached_per_split"]["test"] == expected
    assert len(saved["task_info"]["descriptions"]["sha256"]) == 64


def test_prompts_include_descriptions_only_when_asked(tmp_path):
    path, _ = sample_descriptions(tmp_path)
    registry = default_registry()
    task = registry.get("tasks", "sample").cls(None, descriptions=str(path))
    example = task.examples("test")[0]
    with_it = registry.get("prompts", "zero-shot").cls(descriptions="on").build([example])[0].text
    without = registry.get("prompts", "zero-shot").cls(descriptions="off").build([example])[0].text
    assert "[looks 0]" in with_it and "[looks" not in without
    assert task_stats(task)["splits"]["test"]["with_description"] > 0


def test_a_task_without_the_option_gets_no_component_and_the_same_dialogues():
    task = default_registry().task("sample")(None)
    assert task.components == ()
    assert task.enriched_dialogues("test") == task.dialogues("test")
    assert task.run_info() == task.info() and "descriptions" not in task.run_info()


def test_the_option_turns_on_the_descriptions_component_and_its_info(tmp_path):
    path, expected = sample_descriptions(tmp_path)
    task = default_registry().task("sample")(None, descriptions=str(path))
    assert [component.key for component in task.components] == ["descriptions"]
    assert sum(u.description is not None for d in task.enriched_dialogues("test") for u in d.utterances) == expected
    assert task.run_info()["descriptions"]["attached_per_split"] == {"test": expected}


@pytest.mark.parametrize("name", default_registry().names("tasks"))
def test_every_registered_task_accepts_the_descriptions_option(name):
    assert "descriptions" in default_registry().task(name).Options.names()
