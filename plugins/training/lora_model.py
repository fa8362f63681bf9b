"""Loading the base model (optionally 8/4-bit) and wrapping it in a LoRA adapter, with clear errors."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.lm import loading
from plugins.training.lora_settings import LoraSettings


def check_base(base: str) -> str:
    """A base must be a local folder (no downloads here) or an explicit hub id with a slash."""
    if not base:
        raise ConfigError("lora: no base model given (--base PATH)")
    path = Path(base).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ConfigError(f"lora: base model folder {base!r} has no config.json")
        return str(path)
    if base.startswith((".", "/", "~")) or base.count("/") != 1:
        raise ConfigError(f"lora: base model path {base!r} does not exist")
    return base


def pick_device(name: str) -> str:
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("lora: device cuda asked for, but no CUDA GPU is available")
    return name


def pick_precision(settings: LoraSettings, device: str) -> str:
    """fp32 on CPU by default; bf16 on GPUs that support it, else fp16."""
    import torch

    precision = settings.precision
    if precision == "auto":
        if device == "cpu":
            return "fp32"
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if precision == "fp16" and device == "cpu":
        raise ConfigError("lora: fp16 training needs a GPU; use precision=bf16 or fp32 on CPU")
    if precision == "bf16" and device.startswith("cuda") and not torch.cuda.is_bf16_supported():
        raise ConfigError("lora: this GPU does not support bf16; use precision=fp16")
    return precision


def quantization_config(kind: str) -> Any:
    if kind == "none":
        return None
    try:
        import bitsandbytes  # noqa: F401  (only checks that it is installed)
    except ImportError:
        raise ConfigError(
            f"lora: {kind} loading needs bitsandbytes (pip install bitsandbytes) and a CUDA GPU"
        ) from None
    import torch
    from transformers import BitsAndBytesConfig

    if kind == "8bit":
        return BitsAndBytesConfig(load_in_8bit=True)
    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_quant_type="nf4")


def load_base(settings: LoraSettings, device: str, precision: str) -> Any:
    import torch

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    if settings.quantization != "none" and device == "cpu":
        raise ConfigError(f"lora: quantization={settings.quantization} needs a CUDA GPU; drop it to train on CPU")
    quant = quantization_config(settings.quantization)
    kwargs: dict[str, Any] = {}
    if settings.revision:
        kwargs["revision"] = settings.revision
    if quant is not None:
        kwargs.update(quantization_config=quant, device_map={"": device})
    model = loading.load_model(check_base(settings.base), dtype, who="lora", **kwargs)
    if quant is not None:
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(model)
    return model


def linear_module_names(model: Any) -> list[str]:
    """The short names of the model's linear layers: what LoRA can target."""
    import torch

    names = set()
    for full_name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear) or type(module).__name__.startswith("Linear"):
            names.add(full_name.rsplit(".", 1)[-1])
    names.discard("lm_head")
    return sorted(names)


def wrap_lora(model: Any, settings: LoraSettings) -> Any:
    from peft import LoraConfig, get_peft_model

    available = linear_module_names(model)
    missing = [name for name in settings.target_modules if name not in available]
    if missing:
        raise ConfigError(
            f"lora: the model has no module(s) {', '.join(missing)}; its linear modules are: {', '.join(available)}"
        )
    config = LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=list(settings.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
    with warnings.catch_warnings():
        # peft itself reads transformers' deprecated `is_gradient_checkpointing`; nothing we call can avoid it.
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
        return get_peft_model(model, config)


def load_tokenizer(base: str) -> Any:
    return loading.load_tokenizer(check_base(base), who="lora")[0]
