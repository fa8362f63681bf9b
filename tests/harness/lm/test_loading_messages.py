"""The LM loader's messages: a folder without a tokenizer in one whole sentence, no peft deprecation noise."""

from __future__ import annotations

import shutil
import warnings

import pytest
from click.testing import CliRunner

from harness.cli import main
from harness.errors import ConfigError
from harness.lm.loading import first_line, load_tokenizer


def test_a_message_cut_at_a_colon_keeps_its_continuation():
    exc = ValueError("Couldn't instantiate the backend tokenizer from one of:\n(1) a tokenizers file\n(2) a slow one")
    assert first_line(exc) == "Couldn't instantiate the backend tokenizer from one of: (1) a tokenizers file"
    assert first_line(OSError("first\nsecond")) == "first" and first_line(OSError("")) == "OSError"


def test_a_folder_without_tokenizer_files_says_so(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError) as caught:
        load_tokenizer(str(tmp_path))
    assert str(caught.value) == (f"model: cannot load a tokenizer from {str(tmp_path)!r}: the folder has none "
                                 "(tokenizer.json, tokenizer_config.json, tokenizer.model, vocab.json); "
                                 "copy the tokenizer files of its base model into it")


@pytest.mark.slow
def test_hf_on_weights_without_a_tokenizer_is_one_whole_line(tmp_path):
    from tests.tinymodels import build_tiny_llama

    model = build_tiny_llama(tmp_path / "model")
    bare = tmp_path / "bare"
    bare.mkdir()
    for path in model.iterdir():
        if path.name in ("config.json", "generation_config.json") or path.suffix == ".safetensors":
            shutil.copy(path, bare)
    result = CliRunner().invoke(main, ["run", "-t", "sample", "-m", f"hf:{bare}", "--limit", "1",
                                       "--results-dir", str(tmp_path / "results")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().endswith("copy the tokenizer files of its base model into it")
    assert "Error: hf: cannot load a tokenizer" in result.output  # the plugin names itself


@pytest.mark.slow
def test_attaching_an_adapter_prints_no_deprecation_warning(tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from harness.lm.loading import attach_adapter
    from tests.tinymodels import build_tiny_llama

    base = build_tiny_llama(tmp_path / "model")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lora = get_peft_model(AutoModelForCausalLM.from_pretrained(base),
                              LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM"))
    lora.save_pretrained(tmp_path / "adapter", safe_serialization=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        attach_adapter(AutoModelForCausalLM.from_pretrained(base), str(tmp_path / "adapter"))
    assert [str(w.message) for w in caught if issubclass(w.category, FutureWarning)] == []
