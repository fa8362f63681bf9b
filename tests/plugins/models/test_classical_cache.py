"""tfidf-lr keeps its fit on disk (npz + a JSON holding its sha256), keyed by the train data, options and code."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from harness.cli import main
from harness.context import RunContext
from harness.registry import Registry
from plugins.datasets.sample import Sample
from plugins.models import classical_cache
from plugins.models.classical import TfidfLogReg
from plugins.prompts.zero_shot import ZeroShot


def prepared(cache_dir, task=None, seed=0, **options):
    model = TfidfLogReg(**options)
    model.prepare(task or Sample(), RunContext(Registry(), seed=seed, cache_dir=cache_dir))
    return model


def answers(model, prompts):
    return [c.text for c in model.predict(prompts)]


def test_a_second_model_reuses_the_fit_and_answers_the_same(tmp_path):
    prompts = ZeroShot().build(Sample().examples("test"))
    first = prepared(tmp_path)
    second = prepared(tmp_path)
    assert first.info()["cache"]["status"] == "stored" and second.info()["cache"]["status"] == "reused"
    assert answers(second, prompts) == answers(first, prompts) == answers(prepared(None), prompts)
    features = first.vectorizer.transform([p.example.target.text for p in prompts])
    again = second.vectorizer.transform([p.example.target.text for p in prompts])
    assert np.allclose(first.classifier.decision_function(features), second.classifier.decision_function(again))
    [meta] = list((tmp_path / "tfidf-lr").glob("*.json"))
    options = json.loads(meta.read_text())["options"]
    assert {key: options[key] for key in ("context", "C", "seed")} == {"context": 0, "C": 10.0, "seed": 0}
    assert options["vectorizer"]["ngram_range"] == [1, 2] and options["classifier"]["class_weight"] == "balanced"


def test_other_options_seed_or_data_fit_anew(tmp_path):
    key = prepared(tmp_path).cache["key"]
    others = [prepared(tmp_path, C="3"), prepared(tmp_path, context="1"), prepared(tmp_path, seed=1)]
    assert all(model.cache["status"] == "stored" for model in others)
    texts, golds = ["a b", "c d"], ["joy", "anger"]
    base = classical_cache.cache_key(texts, golds, {"C": 1})[0]
    assert classical_cache.cache_key(texts, ["joy", "joy"], {"C": 1})[0] != base
    assert classical_cache.cache_key(["a b", "c e"], golds, {"C": 1})[0] != base
    assert len({key, *(model.cache["key"] for model in others)}) == 4


def test_a_damaged_or_incomplete_entry_is_never_read(tmp_path):
    key = prepared(tmp_path).cache["key"]
    npz = tmp_path / "tfidf-lr" / f"{key}.npz"
    npz.write_bytes(npz.read_bytes()[:-10] + b"0123456789")
    assert prepared(tmp_path).cache["status"] == "stored"  # refitted and written again
    (tmp_path / "tfidf-lr" / f"{key}.json").unlink()
    assert prepared(tmp_path).cache["status"] == "stored"
    assert prepared(tmp_path).cache["status"] == "reused"


def test_an_unwritable_cache_costs_time_not_the_run(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    model = prepared(blocker)
    assert model.cache["status"].startswith("not stored")
    assert len(answers(model, ZeroShot().build(Sample().examples("test")))) > 0


def test_cache_files_are_as_readable_as_the_umask_allows(tmp_path):
    import os

    previous = os.umask(0o002)
    try:
        prepared(tmp_path)
    finally:
        os.umask(previous)
    files = sorted((tmp_path / "tfidf-lr").iterdir())
    assert [path.suffix for path in files] == [".json", ".npz"]
    assert {path.stat().st_mode & 0o777 for path in files} == {0o664}


def model_infos(results):
    from harness.types import RunResult

    return [RunResult.from_json(json.loads(path.read_text())).model_info for path in sorted(results.glob("*/run.json"))]


def test_compare_fits_each_once_and_no_cache_refits(tmp_path, monkeypatch):
    monkeypatch.delenv("ERCBENCH_CACHE", raising=False)
    results = tmp_path / "results"
    args = ["compare", "-m", "tfidf-lr", "-p", "zero-shot", "-p", "k-shot", "--results-dir", str(results)]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert sorted(info["cache"]["status"] for info in model_infos(results)) == ["reused", "stored"]
    assert len(list((results / ".cache" / "tfidf-lr").glob("*.npz"))) == 1
    fresh = tmp_path / "fresh"
    assert CliRunner().invoke(main, ["run", "-t", "sample", "-m", "tfidf-lr", "--no-cache", "--results-dir", str(fresh)]
                              ).exit_code == 0
    assert [info["cache"]["status"] for info in model_infos(fresh)] == ["off"] and not (fresh / ".cache").exists()


def test_the_cache_folder_can_be_set_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ERCBENCH_CACHE", str(tmp_path / "shared-cache"))
    args = ["run", "-t", "sample", "-m", "tfidf-lr", "--results-dir", str(tmp_path / "results")]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert len(list((tmp_path / "shared-cache" / "tfidf-lr").glob("*.npz"))) == 1
    assert not (tmp_path / "results" / ".cache").exists()


def test_changed_fitting_settings_in_the_code_fit_anew(tmp_path, monkeypatch):
    from plugins.models import classical

    assert prepared(tmp_path).cache["status"] == "stored"
    monkeypatch.setitem(classical.VECTORIZER, "ngram_range", (1, 1))
    assert prepared(tmp_path).cache["status"] == "stored"
    monkeypatch.setattr(classical_cache, "CACHE_FORMAT", classical_cache.CACHE_FORMAT + 1)
    assert prepared(tmp_path).cache["status"] == "stored"
    assert prepared(tmp_path).cache["status"] == "reused"
