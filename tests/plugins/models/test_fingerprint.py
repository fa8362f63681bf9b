"""Model fingerprints: weight and adapter files' sha256 (cached per user), before any weights load."""

from __future__ import annotations

import hashlib
import json

from harness.plumbing import fingerprint as fp
from plugins.models.dialogue_llm import DialogueLLM
from plugins.models.hf_causal import HFCausal


def weights_folder(path, payload=b"weights"):
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text("{}")
    (path / "model.safetensors").write_bytes(payload)
    (path / "training_log.csv").write_text("step,loss\n")  # never changes answers: not hashed
    (path / "checkpoint-10").mkdir(exist_ok=True)  # intermediate checkpoints: not what is loaded
    return path


def test_hf_fingerprint_hashes_weights_and_adapter(tmp_path):
    model = weights_folder(tmp_path / "m")
    adapter = weights_folder(tmp_path / "a", b"lora")
    found = HFCausal(target=str(model), adapter=str(adapter)).fingerprint()
    assert found == {
        "model/config.json": hashlib.sha256(b"{}").hexdigest(),
        "model/model.safetensors": hashlib.sha256(b"weights").hexdigest(),
        "adapter/config.json": hashlib.sha256(b"{}").hexdigest(),
        "adapter/model.safetensors": hashlib.sha256(b"lora").hexdigest(),
    }
    assert HFCausal(target="org/name").fingerprint() == {"model": "id:org/name"}


def test_replaced_weights_change_the_fingerprint_and_the_cache_skips_rehashing(tmp_path, monkeypatch):
    model = weights_folder(tmp_path / "m")
    calls = []
    real = fp.sha256_file
    monkeypatch.setattr(fp, "sha256_file", lambda path: calls.append(path) or real(path))
    monkeypatch.setattr(fp, "RACY_NS", 0)  # files written just now count as settled
    with fp.hash_cache(tmp_path / "cache.json"):
        first = HFCausal(target=str(model)).fingerprint()
        assert len(calls) == 2
        assert HFCausal(target=str(model)).fingerprint() == first and len(calls) == 2  # cached
        (model / "model.safetensors").write_bytes(b"other weights, same path")
        assert HFCausal(target=str(model)).fingerprint() != first
    (tmp_path / "cache.json").write_bytes(b"\x00garbage")
    with fp.hash_cache(tmp_path / "cache.json"):  # a corrupt cache only costs a rehash
        assert HFCausal(target=str(model)).fingerprint()["model/config.json"] == first["model/config.json"]


def test_dialoguellm_fingerprint_covers_base_and_checkpoint(tmp_path):
    base = weights_folder(tmp_path / "base")
    checkpoint = weights_folder(tmp_path / "ckpt", b"adapter")
    record = {"base": str(base), "settings": {"max_length": 64}, "prompt": {"name": "zero-shot", "options": {}}}
    (checkpoint / "dialoguellm.json").write_text(json.dumps(record))
    found = DialogueLLM(target=str(checkpoint)).fingerprint()
    assert found["base/model.safetensors"] == hashlib.sha256(b"weights").hexdigest()
    assert found["adapter/model.safetensors"] == hashlib.sha256(b"adapter").hexdigest()
    assert "adapter/dialoguellm.json" in found
    off = DialogueLLM(target=str(checkpoint), adapter="off").fingerprint()
    assert not any(key.startswith("adapter/") for key in off)
