"""Loading a transformers causal LM, its tokenizer and an optional PEFT adapter, with clear errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from harness.errors import ConfigError

DTYPES = ("auto", "float32", "bfloat16", "float16")


def looks_like_path(target: str) -> bool:
    """A hub id is 'name' or 'org/name'; anything else (absolute, ./, ~, deeper) is a folder."""
    return target.startswith(("/", ".", "~")) or target.count("/") > 1 or os.sep != "/" and os.sep in target


def check_target(target: str | None, what: str = "model") -> str:
    if not target:
        raise ConfigError(f"hf: no {what} given; use -m hf:PATH_OR_HUB_ID")
    expanded = os.path.expanduser(target)
    if Path(expanded).exists():
        return expanded
    if looks_like_path(target):
        raise ConfigError(f"hf: {what} path {target!r} does not exist")
    return target


def pick_device(device: str) -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"hf: device {device!r} asked for but no CUDA device is available")
    return device


def pick_dtype(dtype: str, device: str) -> Any:
    """float32 on CPU (exact and fast enough), bfloat16 on a GPU, unless the user names one."""
    import torch

    if dtype not in DTYPES:
        raise ConfigError(f"hf: dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if dtype == "auto":
        dtype = "float32" if device == "cpu" else "bfloat16"
    return getattr(torch, dtype)


def load_tokenizer(target: str, trust_remote_code: bool) -> tuple[Any, str | None]:
    """The tokenizer, and a note when its missing pad token was replaced by EOS."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(target, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"hf: cannot load a tokenizer from {target!r}: {first_line(exc)}") from None
    note = None
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token_id is None:
            raise ConfigError(f"hf: tokenizer of {target!r} has neither a pad nor an EOS token")
        # Padding is always masked out, so any id works; EOS is the usual choice.
        tokenizer.pad_token = tokenizer.eos_token
        note = "tokenizer had no pad token; using EOS for padding"
    return tokenizer, note


def load_model(target: str, dtype: Any, device: str, trust_remote_code: bool, adapter: str | None) -> Any:
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(target, dtype=dtype, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"hf: cannot load a causal LM from {target!r}: {first_line(exc)}") from None
    if adapter:
        model = attach_adapter(model, adapter)
    return model.to(device).eval()


def attach_adapter(model: Any, adapter: str) -> Any:
    """Load a PEFT (LoRA) adapter onto the base model and merge it, so scoring runs at base speed."""
    path = check_target(adapter, "adapter")
    if not (Path(path) / "adapter_config.json").is_file():
        raise ConfigError(f"hf: adapter folder {adapter!r} has no adapter_config.json")
    from peft import PeftModel

    return PeftModel.from_pretrained(model, path).merge_and_unload()


def context_limit(model: Any, tokenizer: Any, explicit: int | None) -> int:
    """The longest sequence the model takes: the user's value, else the config's positions."""
    if explicit:
        return explicit
    config = model.config
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    # Tokenizers without a limit report a huge sentinel (1e30).
    return limit if isinstance(limit, int) and limit < 1_000_000 else 2048


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
