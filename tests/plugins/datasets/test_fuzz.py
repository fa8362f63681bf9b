"""Fuzzing every parser: arbitrary or mutated bytes either load or raise DataError, never another exception."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.data.descriptions import load_descriptions
from harness.errors import DataError
from harness.types import Example
from plugins.datasets.emorynlp import EmoryNLP, EmoryNLPMultimodal
from plugins.datasets.iemocap import Iemocap
from plugins.datasets.jsonl_task import JsonlTask
from plugins.datasets.meld import Meld
from tests.plugins.datasets.iemocap_fixture import DIALOGUES, evaluation, transcription, write_release

MELD_CSV = (
    "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime\r\n"
    '1,"I\x92m fine, \x93ok\x94",Ross,joy,positive,0,0,1,1,"0:00:01,000","0:00:02,000"\r\n'
    "2,Oh no.,Rachel,sadness,negative,0,1,1,1,a,b\r\n"
).encode()
EMORY_JSON = json.dumps(
    {"season_id": "dev", "episodes": [{"episode_id": "s01_e01", "scenes": [{"scene_id": "s01_e01_c01", "utterances": [
        {"utterance_id": "s01_e01_c01_u001", "speakers": ["Ross"], "transcript": "Hi.", "tokens": [["Hi", "."]],
         "emotion": "Sad"}]}]}]},
    indent=1,
).encode()
EMORY_TSV = b"Ross\tHi.\tJoyful\nJoey\tHey!\tMad\n\nMonica\tNo.\tSad\n"
SUBSET_CSV = (
    b"Utterance,Speaker,Emotion,Scene_ID,Utterance_ID,Season,Episode,Start_Time,End_Time\n"
    b"Coffee.,['Rachel Green'],Neutral,1,1,1,15,00:00:03.795,00:00:05.004\n"
    b"\"Hi, you.\",\"['Joey', 'Ross']\",Joyful,1,2,1,15,00:00:05.171,00:00:07.423\n"
)
JSONL = (
    b'{"split": "train", "dialogue_id": "d", "utt_index": 0, "speaker": "A", "text": "hi", "label": "joy"}\n'
    b'{"split": "train", "dialogue_id": 3, "utt_index": 1, "speaker": "B", "text": "yo", "label": null}\n'
)
DESCRIPTIONS = b'{"task": "meld", "split": "test", "dialogue_id": "0", "utt_index": 0, "description": "smiles"}\n'
TRANSCRIPTION = transcription("Ses01F_impro01", DIALOGUES["Ses01F_impro01"]).encode()
EVALUATION = evaluation("Ses01F_impro01", DIALOGUES["Ses01F_impro01"]).encode()


@st.composite
def mutated(draw, sample: bytes) -> bytes:
    """A valid sample with a random slice replaced by random bytes (or cut short)."""
    start = draw(st.integers(0, len(sample)))
    end = draw(st.integers(start, len(sample)))
    return sample[:start] + draw(st.binary(max_size=12)) + sample[end:]


def inputs(sample: bytes):
    return st.one_of(st.binary(max_size=400), st.text(max_size=200).map(str.encode), mutated(sample))


def check_loaded(loaded: object) -> None:
    """What a loader returns is whole: each example's target is in its dialogue, its gold a task label."""
    for item in loaded if isinstance(loaded, (list, tuple)) else [loaded]:
        if isinstance(item, (list, tuple)):
            check_loaded(item)
        elif isinstance(item, Example):
            assert 0 <= item.target_index < len(item.dialogue.utterances)
            assert item.gold in item.labels and item.target.text is not None


def check_refusal(error: DataError, folder: Path) -> None:
    """A refusal is one line that starts with the file (under the data root) it is about."""
    assert "\n" not in str(error) and str(error).startswith(error.path)
    assert Path(error.path).is_relative_to(folder)


def loads_or_data_error(write: Callable[[Path, bytes], Callable[[], object]], data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        load = write(Path(folder), data)
        try:
            loaded = load()
        except DataError as error:
            check_refusal(error, Path(folder))
        else:
            check_loaded(loaded)


def put(root: Path, relative: str, data: bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(inputs(MELD_CSV), st.booleans())
def test_meld_csv(data, repair):
    def write(root, data):
        put(root, "meld/test_sent_emo.csv", data)
        return lambda: Meld(root, fix_mojibake="on" if repair else "off").examples("test")

    loads_or_data_error(write, data)


@FUZZ
@given(inputs(EMORY_JSON))
def test_emorynlp_official_json(data):
    def write(root, data):
        put(root, "emorynlp/official/emotion-detection-dev.json", data)
        return lambda: EmoryNLP(root, format="json").examples("dev")

    loads_or_data_error(write, data)


@FUZZ
@given(inputs(EMORY_TSV))
def test_tsv(data):
    def write(root, data):
        put(root, "emorynlp/compm/EMORY_dev.txt", data)
        return lambda: EmoryNLP(root, format="tsv").examples("dev")

    loads_or_data_error(write, data)


@FUZZ
@given(inputs(SUBSET_CSV))
def test_emorynlp_subset_csv(data):
    def write(root, data):
        put(root, "emorynlp/meld_multimodal_subset/emorynlp_dev_final.csv", data)
        return lambda: EmoryNLPMultimodal(root).examples("dev")

    loads_or_data_error(write, data)


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """One release folder for all examples: each example overwrites a single file of it."""
    return write_release(tmp_path_factory.mktemp("iemocap"))


def release_loads_or_data_error(release: Path, which: str, data: bytes) -> None:
    put(release, f"Session1/dialog/{which}/Ses01F_impro01.txt", data)
    try:
        loaded = Iemocap(release.parent, release=str(release)).examples("train")
    except DataError as error:
        check_refusal(error, release.parent)
    else:
        check_loaded(loaded)


@FUZZ
@given(data=inputs(TRANSCRIPTION))
def test_iemocap_transcription(release, data):
    release_loads_or_data_error(release, "transcriptions", data)


@FUZZ
@given(data=inputs(EVALUATION))
def test_iemocap_evaluation(release, data):
    release_loads_or_data_error(release, "EmoEvaluation", data)


@FUZZ
@given(inputs(JSONL))
def test_jsonl(data):
    def write(root, data):
        path = put(root, "derived/iemocap_6class.jsonl", data)
        return lambda: (Iemocap(root, format="jsonl").examples("train"),
                        JsonlTask(root, path=str(path), labels="joy").examples("train"))

    loads_or_data_error(write, data)


@FUZZ
@given(inputs(DESCRIPTIONS))
def test_descriptions(data):
    def write(root, data):
        path = put(root, "descriptions.jsonl", data)
        return lambda: load_descriptions(path)

    loads_or_data_error(write, data)
