"""Models larger than one GPU: hf's device_map=auto (accelerate's big-model loading) and lm-eval's vLLM
backend with tensor parallelism; the options reach the loaders exactly as documented (docs/distributed.md)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

from harness.context import RunContext
from harness.registry import Registry
from plugins.models.hf_causal import HFCausal
from plugins.models.lm_eval_backend import LmEvalModel


def test_device_map_auto_loads_through_accelerate_and_scores_like_a_plain_load(tiny_llama, meld_prompts,
                                                                            monkeypatch):
    from transformers import AutoModelForCausalLM

    placements = []
    load = AutoModelForCausalLM.from_pretrained

    def spy(*args, **kwargs):
        placements.append(kwargs.get("device_map"))
        return load(*args, **kwargs)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", spy)
    plain = HFCausal(target=str(tiny_llama), mode="score")
    plain.prepare(None, RunContext(Registry(), seed=0))
    spread = HFCausal(target=str(tiny_llama), mode="score", device_map="auto")
    spread.prepare(None, RunContext(Registry(), seed=0))
    # transformers hands device_map to accelerate, which places each layer on the GPUs, then CPU, then disk.
    assert placements == [None, "auto"]
    assert spread.info()["device_map"] == "auto"  # run.json's model_info says how it was placed
    ours, theirs = plain.predict(meld_prompts), spread.predict(meld_prompts)
    worst = max(abs(a.choice_logprobs[c] - b.choice_logprobs[c])
                for a, b in zip(ours, theirs) for c in a.choice_logprobs)
    assert worst <= 1e-5


def vllm_constructor_parameters() -> set[str]:
    """The named parameters of lm-eval's VLLM.__init__, read from its source (vllm itself is not
    installed here, so the module cannot be imported)."""
    spec = importlib.util.find_spec("lm_eval.models")
    source = Path(spec.submodule_search_locations[0]) / "vllm_causallms.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    [cls] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "VLLM"]
    [init] = [node for node in cls.body if isinstance(node, ast.FunctionDef) and node.name == "__init__"]
    return {arg.arg for arg in init.args.args + init.args.kwonlyargs} - {"self"}


@pytest.fixture
def fake_vllm(monkeypatch):
    """lm-eval's registry answers `vllm` with a stand-in that records its constructor's arguments,
    built by lm-eval's own LM.create_from_arg_string (the parsing and types the real one gets)."""
    from lm_eval.api import registry
    from lm_eval.api.model import LM

    received: dict = {}

    class FakeVLLM(LM):
        def __init__(self, **kwargs):
            super().__init__()
            received.update(kwargs)

        loglikelihood = loglikelihood_rolling = generate_until = lambda self, requests: []

    real = registry.get_model
    monkeypatch.setattr(registry, "get_model", lambda name: FakeVLLM if name == "vllm" else real(name))
    return received


def test_vllm_tensor_parallel_options_reach_the_backend_as_lm_eval_passes_them(fake_vllm):
    model = LmEvalModel(target="meta-llama/Llama-3.1-70B-Instruct", backend="vllm", mode="score", batch_size="16",
                        model_args="tensor_parallel_size=4,data_parallel_size=2,gpu_memory_utilization=0.85,"
                                   "dtype=bfloat16,max_model_len=4096")
    model.prepare(None, RunContext(Registry(), seed=0))
    assert fake_vllm == {
        "pretrained": "meta-llama/Llama-3.1-70B-Instruct", "tensor_parallel_size": 4, "data_parallel_size": 2,
        "gpu_memory_utilization": 0.85, "dtype": "bfloat16", "max_model_len": 4096, "batch_size": 16,
    }
    assert "device" not in fake_vllm  # vLLM places the model itself: no torch device is forced on it
    named = vllm_constructor_parameters()
    # Named parameters of lm-eval's VLLM; gpu_memory_utilization goes on, through **kwargs, to vllm.LLM.
    assert {"pretrained", "tensor_parallel_size", "data_parallel_size", "dtype", "max_model_len", "batch_size"} <= named
    assert "gpu_memory_utilization" not in named
    assert model.info()["model_args"].startswith("pretrained=meta-llama/Llama-3.1-70B-Instruct,tensor_parallel_size=4")


def test_vllm_without_vllm_installed_is_a_one_line_error():
    from harness.errors import ConfigError

    model = LmEvalModel(target="meta-llama/Llama-3.1-70B-Instruct", backend="vllm", model_args="tensor_parallel_size=2")
    with pytest.raises(ConfigError, match=r"lm-eval: backend 'vllm' needs the vllm package"):
        model.prepare(None, RunContext(Registry(), seed=0))
