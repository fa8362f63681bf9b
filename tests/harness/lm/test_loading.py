"""The one loader: safetensors only by default, pickles on request, every failure one line."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.lm.loading import load_lm

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytestmark = pytest.mark.slow  # builds, saves and reloads models


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    from tests.tinymodels import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("load") / "model")


def pickle_only(tiny: Path, folder: Path) -> Path:
    """The same weights as a pickle checkpoint (pytorch_model.bin), no safetensors file."""
    shutil.copytree(tiny, folder)
    loaded = load_lm(str(tiny))
    torch.save(loaded.model.state_dict(), folder / "pytorch_model.bin")
    (folder / "model.safetensors").unlink()
    return folder


class Payload:
    """A pickle that would run a command when unpickled without weights_only."""

    def __reduce__(self):
        import os

        return os.system, ("echo pwned > /tmp/ercbench-pwned",)


def test_safetensors_load_and_record_where(tiny):
    loaded = load_lm(str(tiny), dtype="float32", device="cpu")
    assert loaded.info["device"] == "cpu" and loaded.info["dtype"] == "float32"
    assert loaded.info["load_s"] >= 0 and not loaded.model.training


def test_pickle_checkpoint_is_refused_naming_the_file_and_the_option(tiny, tmp_path):
    folder = pickle_only(tiny, tmp_path / "pickled")
    with pytest.raises(ConfigError, match=r"pytorch_model\.bin is a pickle checkpoint.*allow_pickle=on") as caught:
        load_lm(str(folder))
    assert "\n" not in str(caught.value)
    opted_in = load_lm(str(folder), allow_pickle=True)
    reference = load_lm(str(tiny))
    ids = torch.tensor([[1, 5, 9, 12]])
    with torch.no_grad():
        assert torch.equal(opted_in.model(ids).logits, reference.model(ids).logits)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_malicious_pickle_is_one_line_even_when_allowed(tiny, tmp_path):
    folder = pickle_only(tiny, tmp_path / "evil")
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"model.embed_tokens.weight": Payload()}))
    with pytest.raises(ConfigError) as caught:
        load_lm(str(folder), allow_pickle=True)
    assert "\n" not in str(caught.value) and "cannot load" in str(caught.value)
    assert not Path("/tmp/ercbench-pwned").exists()


def test_broken_safetensors_file_is_one_line(tiny, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(tiny, folder)
    (folder / "model.safetensors").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(ConfigError, match="cannot load a causal LM") as caught:
        load_lm(str(folder))
    assert "\n" not in str(caught.value)


def test_adapter_pickle_is_refused_too(tiny, tmp_path):
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.bin").write_bytes(b"x")
    with pytest.raises(ConfigError, match="adapter_model.bin is a pickle checkpoint"):
        load_lm(str(tiny), adapter=str(adapter))
