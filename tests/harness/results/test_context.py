"""context.jsonl: the dialogue context a report shows, written with the run and read back as it was."""

from __future__ import annotations

import pytest

from harness.errors import DataError
from harness.results.context import CONTEXT_FILE, contexts_of, read_context, write_context
from harness.types import Dialogue, Example, Utterance


def examples() -> list[Example]:
    turns = tuple(Utterance(i, f"speaker {i % 2}", f"line {i} with \"quotes\" and ünïcode") for i in range(6))
    dialogue = Dialogue("d1", "test", turns)
    return [Example(f"test/d1/{i}", "t", dialogue, i, "joy", ("joy", "anger")) for i in range(6)]


def test_the_context_reads_back_as_written(tmp_path):
    write_context(tmp_path, examples())
    stored = read_context(tmp_path)
    assert stored == contexts_of(examples())
    before, target = stored["test/d1/5"]
    assert [who for who, _ in before] == ["speaker 0", "speaker 1", "speaker 0"]  # the last three turns
    assert target == ("speaker 1", "line 5 with \"quotes\" and ünïcode")
    assert stored["test/d1/0"] == ([], ("speaker 0", "line 0 with \"quotes\" and ünïcode"))
    assert not [path for path in tmp_path.iterdir() if path.name != CONTEXT_FILE]  # no temp file left


def test_a_folder_without_context_gives_none_and_a_bad_line_is_named(tmp_path):
    assert read_context(tmp_path) == {}
    write_context(tmp_path, examples()[:2])
    with open(tmp_path / CONTEXT_FILE, "a", encoding="utf-8") as out:
        out.write('{"id": "x"}\n')
    with pytest.raises(DataError, match=rf"{CONTEXT_FILE}:3: not a context row"):
        read_context(tmp_path)
