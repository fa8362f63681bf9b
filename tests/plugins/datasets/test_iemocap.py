"""IEMOCAP: the official release layout (synthetic fixture), variants, markers, bad files."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError, DataError
from plugins.datasets.iemocap import WORDS, Iemocap, IemocapDialogueLLM, strip_markers
from tests.plugins.datasets.iemocap_fixture import DIALOGUES, write_release


def texts(task, split):
    return [(d.dialogue_id, [(u.speaker, u.text, u.emotion) for u in d.utterances]) for d in task.dialogues(split)]


def test_release_six_class_split_and_labels(tmp_path):
    release = write_release(tmp_path)
    task = Iemocap(tmp_path, release=str(release))
    assert texts(task, "train") == [
        ("Ses01F_impro01", [("F", "Excuse me.", "neu"), ("M", "Do you have your forms?", "fru"),
                            ("M", "Great [LAUGHTER] thanks.", "hap"), ("F", "Wow!", "exc")]),
    ]
    assert texts(task, "dev") == [("Ses01M_impro01", [("M", "No.", "ang"), ("M", "Yes.", "sad")])]
    assert texts(task, "test") == [("Ses05F_script01_1", [("F", "Nothing.", "neu")])]
    info = task.info()
    assert info["variant"] == "6-class" and set(info["format"].values()) == {"iemocap-release"}
    assert len(info["files"]) == 6


def test_auto_format_finds_the_release_under_the_data_root(tmp_path):
    write_release(tmp_path / "iemocap")
    task = Iemocap(tmp_path)
    assert [d.dialogue_id for d in task.dialogues("test")] == ["Ses05F_script01_1"]
    assert task.info()["format"] == {"test": "iemocap-release"}


def test_dialoguellm_variant_keeps_its_own_label_set(tmp_path):
    release = write_release(tmp_path)
    task = IemocapDialogueLLM(tmp_path, release=str(release))
    assert [u.emotion for u in task.dialogues("train")[0].utterances] == ["neu", "fru", "hap", "exc"]
    assert [u.emotion for u in task.dialogues("dev")[0].utterances] == ["ang", "sur", "sad"]
    assert [u.emotion for u in task.dialogues("test")[0].utterances] == ["fea", "neu"]
    assert task.info()["variant"] == "dialoguellm-8-class"
    with pytest.raises(ConfigError, match="format.*'tsv'"):
        IemocapDialogueLLM(tmp_path, format="tsv")


def test_markers_are_kept_by_default_and_stripped_on_request(tmp_path):
    release = write_release(tmp_path)
    kept = Iemocap(tmp_path, release=str(release)).dialogues("train")[0].utterances[2].text
    stripped = Iemocap(tmp_path, release=str(release), markers="strip").dialogues("train")[0].utterances[2].text
    assert (kept, stripped) == ("Great [LAUGHTER] thanks.", "Great thanks.")
    assert strip_markers("[BREATHING]  Oh.  [GARBAGE]") == "Oh."


def test_transcription_line_without_evaluation_is_named(tmp_path):
    release = write_release(tmp_path)
    evaluation = release / "Session1" / "dialog" / "EmoEvaluation" / "Ses01F_impro01.txt"
    evaluation.write_text(evaluation.read_text().replace("Ses01F_impro01_F002", "Ses01F_impro01_F099"))
    with pytest.raises(DataError, match="Ses01F_impro01_F002 has no line in its EmoEvaluation file") as caught:
        Iemocap(tmp_path, release=str(release)).dialogues("train")
    assert caught.value.path.endswith("transcriptions/Ses01F_impro01.txt") and caught.value.line == 6


def test_missing_evaluation_file_and_garbled_lines(tmp_path):
    release = write_release(tmp_path)
    transcriptions = release / "Session5" / "dialog" / "transcriptions"
    (transcriptions / "Ses05M_impro09.txt").write_text("Ses05M_impro09_F000 [1.0-2.0]: Hi.\n")
    with pytest.raises(DataError, match="EmoEvaluation/Ses05M_impro09.txt: file not found"):
        Iemocap(tmp_path, release=str(release)).dialogues("test")
    (transcriptions / "Ses05M_impro09.txt").write_text("just some words\n")
    with pytest.raises(DataError, match="not a transcription line") as caught:
        Iemocap(tmp_path, release=str(release)).dialogues("test")
    assert caught.value.line == 1


def test_a_folder_that_is_not_a_release(tmp_path):
    (tmp_path / "Session1").mkdir()
    with pytest.raises(DataError, match="is this the IEMOCAP release folder"):
        Iemocap(tmp_path, format="official").dialogues("train")


def test_tsv_markers_option_and_bad_values(data_root):
    with pytest.raises(ConfigError, match="markers must be one of keep, strip"):
        Iemocap(data_root, markers="remove")
    tsv = Iemocap(data_root, format="tsv", markers="strip").dialogues("test")
    assert not any("[LAUGHTER]" in u.text for d in tsv for u in d.utterances)


def test_jsonl_and_tsv_agree(data_root):
    from_jsonl = Iemocap(data_root, format="jsonl").examples("test")
    from_tsv = Iemocap(data_root, format="tsv").examples("test")
    assert [(e.target.text, e.gold, e.target.speaker) for e in from_jsonl] == [
        (e.target.text, e.gold, e.target.speaker) for e in from_tsv
    ]


def test_fixture_covers_every_kind_of_turn():
    labels = {label for turns in DIALOGUES.values() for _, label, _ in turns}
    assert {None, "xxx", "oth", "sur", "fea", "hap", "exc"} <= labels


def test_label_names_words_for_prompts(data_root, tmp_path):
    task = Iemocap(data_root, label_names="words")
    assert task.labels == ("happy", "sad", "neutral", "angry", "excited", "frustrated")
    assert {e.gold for e in task.examples("dev")} == set(task.labels)
    codes = [e.gold for e in Iemocap(data_root).examples("dev")]
    assert [e.gold for e in task.examples("dev")] == [WORDS[c] for c in codes]
    release = write_release(tmp_path)
    dialoguellm = IemocapDialogueLLM(tmp_path, release=str(release), label_names="words")
    assert [u.emotion for u in dialoguellm.dialogues("test")[0].utterances] == ["fearful", "neutral"]
    with pytest.raises(ConfigError, match="label_names must be one of codes, words"):
        Iemocap(data_root, label_names="names")
