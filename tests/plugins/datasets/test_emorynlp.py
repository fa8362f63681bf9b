"""EmoryNLP: official JSON and TSV agree; bad files fail with the file and line named."""

from __future__ import annotations

import json

import pytest

from harness.errors import ConfigError, DataError
from plugins.datasets.emorynlp import EmoryNLP, EmoryNLPMultimodal
from plugins.datasets.emorynlp_formats import parse_speakers

SCENE = {
    "scene_id": "s01_e01_c01",
    "utterances": [
        {"utterance_id": "s01_e01_c01_u001", "speakers": ["Ross Geller"], "transcript": "Hi.", "tokens": [],
         "emotion": "Joyful"},
        {"utterance_id": "s01_e01_c01_u002", "speakers": ["Joey", "Chandler"], "transcript": "Hey!", "tokens": [],
         "emotion": "Neutral"},
    ],
}


def write_official(root, split_name, scenes):
    folder = root / "emorynlp" / "official"
    folder.mkdir(parents=True, exist_ok=True)
    season = {"season_id": split_name, "episodes": [{"episode_id": "s01_e01", "scenes": scenes}]}
    path = folder / f"emotion-detection-{split_name}.json"
    path.write_text(json.dumps(season, indent=2))
    return path


def write_tsv(root, split, text):
    folder = root / "emorynlp" / "compm"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"EMORY_{split}.txt"
    path.write_text(text)
    return path


@pytest.mark.parametrize("split", ["dev", "test"])
def test_json_and_tsv_hold_the_same_dev_and_test(data_root, split):
    from_json = EmoryNLP(data_root, format="json").dialogues(split)
    from_tsv = EmoryNLP(data_root, format="tsv").dialogues(split)
    assert len(from_json) == len(from_tsv)
    for a, b in zip(from_json, from_tsv):
        assert [(u.text, u.emotion) for u in a.utterances] == [(u.text, u.emotion) for u in b.utterances]
        assert [u.speaker.split(", ")[0] for u in a.utterances] == [u.speaker for u in b.utterances]


def test_json_keeps_every_speaker(tmp_path):
    write_official(tmp_path, "dev", [SCENE])
    (dialogue,) = EmoryNLP(tmp_path, format="json").dialogues("dev")
    assert dialogue.dialogue_id == "s01_e01_c01"
    assert [u.speaker for u in dialogue.utterances] == ["Ross Geller", "Joey, Chandler"]
    assert [u.index for u in dialogue.utterances] == [0, 1]


def test_missing_official_train_json_is_a_clear_error(tmp_path):
    write_official(tmp_path, "dev", [SCENE])
    with pytest.raises(DataError, match="emotion-detection-trn.json: file not found"):
        EmoryNLP(tmp_path, format="json").dialogues("train")


def test_truncated_json_names_file_and_line(tmp_path):
    path = write_official(tmp_path, "dev", [SCENE])
    path.write_text(path.read_text()[:200])
    with pytest.raises(DataError, match=r"emotion-detection-dev.json:\d+: not valid JSON"):
        EmoryNLP(tmp_path, format="json").dialogues("dev")


@pytest.mark.parametrize("content, problem", [
    ("", "emotion-detection-dev.json: the file is empty; restore it"),
    ("{}", "emotion-detection-dev.json: episodes must be a list, got nothing \\(missing or null\\)"),
])
def test_an_empty_or_hollow_json_says_what_is_missing(tmp_path, content, problem):
    write_official(tmp_path, "dev", [SCENE]).write_text(content)
    with pytest.raises(DataError, match=problem):
        EmoryNLP(tmp_path, format="json").dialogues("dev")


def test_unknown_label_in_json_points_at_its_line(tmp_path):
    scene = json.loads(json.dumps(SCENE))
    scene["utterances"][1]["emotion"] = "Happy"
    path = write_official(tmp_path, "dev", [scene])
    with pytest.raises(DataError, match="unknown label 'Happy'") as caught:
        EmoryNLP(tmp_path, format="json").dialogues("dev")
    assert "s01_e01_c01_u002" in path.read_text().splitlines()[caught.value.line - 1]


def test_empty_scene_in_json_is_an_error(tmp_path):
    write_official(tmp_path, "dev", [{"scene_id": "s01_e01_c09", "utterances": []}])
    with pytest.raises(DataError, match="empty dialogue: scene s01_e01_c09"):
        EmoryNLP(tmp_path, format="json").dialogues("dev")


@pytest.mark.parametrize(
    "text, problem, line",
    [
        ("Ross\tHi.\tJoyful\nJoey\tHey!\n", "expected 3 tab-separated fields", 2),
        ("Ross\tHi.\tJoyful\nJoey\tHey!\tHappy\n", "unknown label 'Happy'", 2),
        ("Ross\tHi.\tJoyful\n\n\nJoey\tHey!\tSad\n", "empty dialogue", 3),
        ("", "no dialogues in file", None),
    ],
)
def test_bad_tsv_lines_are_named(tmp_path, text, problem, line):
    write_tsv(tmp_path, "dev", text)
    with pytest.raises(DataError, match=problem) as caught:
        EmoryNLP(tmp_path, format="tsv").dialogues("dev")
    assert caught.value.line == line
    assert caught.value.path.endswith("EMORY_dev.txt")


def test_wrong_encoding_names_the_line(tmp_path):
    path = write_tsv(tmp_path, "dev", "")
    path.write_bytes("Ross\tHi.\tJoyful\nZoë\tHey!\tSad\n".encode("latin-1"))
    with pytest.raises(DataError, match="not valid utf-8") as caught:
        EmoryNLP(tmp_path, format="tsv").dialogues("dev")
    assert caught.value.line == 2


def test_tsv_scenes_split_on_blank_lines(tmp_path):
    write_tsv(tmp_path, "dev", "A\tone\tSad\nB\ttwo\tMad\n\nC\tthree\tJoyful\n")
    dialogues = EmoryNLP(tmp_path, format="tsv").dialogues("dev")
    assert [d.dialogue_id for d in dialogues] == ["dev-0000", "dev-0001"]
    assert [len(d.utterances) for d in dialogues] == [2, 1]


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="format must be one of"):
        EmoryNLP(tmp_path, format="xml")
    with pytest.raises(ConfigError, match="unknown option"):
        EmoryNLP(tmp_path, fromat="json")


def test_subset_scene_ids_follow_the_official_style(data_root):
    dialogues = EmoryNLPMultimodal(data_root).dialogues("dev")
    assert dialogues[0].dialogue_id == "s01_e15_c01"
    assert dialogues[0].utterances[0].speaker == "Rachel Green"


@pytest.mark.parametrize(
    "value, speakers",
    [("['Rachel Green']", "Rachel Green"), ("['A', 'B']", "A, B"), ("[\"O'Neil\"]", "O'Neil"), ("[]", "")],
)
def test_speaker_lists_are_read_without_eval(value, speakers):
    assert parse_speakers("f.csv", 2, value) == speakers


@pytest.mark.parametrize("value", ["Rachel", "['a'", "[__import__('os')]", "['a'" + " " * 5000 + "x"])
def test_malformed_speaker_lists_are_errors(value):
    with pytest.raises(DataError, match="Speaker is not a list"):
        parse_speakers("f.csv", 2, value)
