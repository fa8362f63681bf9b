"""LoRA training settings: DialogueLLM's defaults, parsed from string options with clear errors."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping

from harness.errors import ConfigError
from harness.sdk.options import flag

PROMPT_PREFIX = "prompt."
SELECTIONS = ("loss", "f1")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
QUANTIZATIONS = ("none", "8bit", "4bit")


@dataclass(frozen=True)
class LoraSettings:
    """Every hyperparameter of a run; defaults follow the public DialogueLLM code."""

    base: str = ""
    revision: str = ""
    prompt: str = "zero-shot"
    prompt_options: Mapping[str, str] = field(default_factory=dict)
    r: int = 8
    alpha: int = 64
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")
    lr: float = 3e-4
    warmup_steps: int = 100
    max_length: int = 256
    epochs: float = 3.0
    batch_size: int = 60
    micro_batch_size: int = 4
    loss_on_prompt: bool = False
    selection: str = "loss"
    dev_limit: int = 0
    train_limit: int = 0
    precision: str = "auto"
    quantization: str = "none"
    seed: int = 42
    logging_steps: int = 10
    save_steps: int = 0
    device: str = "auto"

    @property
    def accumulation(self) -> int:
        return self.batch_size // self.micro_batch_size

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["prompt_options"] = dict(self.prompt_options)
        data["target_modules"] = list(self.target_modules)
        data["gradient_accumulation_steps"] = self.accumulation
        return data


def _convert(name: str, kind: type, value: Any) -> Any:
    if kind is bool:
        return parse_flag(name, value)
    try:
        converted = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"lora: option {name} must be {kind.__name__}, got {value!r}") from None
    if kind in (int, float) and converted < 0:
        raise ConfigError(f"lora: option {name} must be >= 0, got {value!r}")
    return converted


def parse_flag(name: str, value: Any) -> bool:
    return flag(name, value)


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"lora: option {name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def parse_settings(options: Mapping[str, Any]) -> LoraSettings:
    """String options -> LoraSettings; `prompt.K=V` options go to the prompt strategy."""
    types = {f.name: f.type for f in fields(LoraSettings)}
    kinds = {"int": int, "float": float, "bool": bool, "str": str}
    values: dict[str, Any] = {}
    prompt_options: dict[str, str] = {}
    for key, value in options.items():
        if key.startswith(PROMPT_PREFIX):
            prompt_options[key[len(PROMPT_PREFIX) :]] = str(value)
        elif key == "target_modules":
            modules = tuple(part.strip() for part in str(value).split(",") if part.strip())
            if not modules:
                raise ConfigError("lora: target_modules needs at least one module name")
            values[key] = modules
        elif key in types and types[key] in kinds:
            values[key] = _convert(key, kinds[types[key]], value)
        else:
            known = sorted(k for k in types if k != "prompt_options") + ["prompt.<option>"]
            raise ConfigError(f"lora: unknown option {key!r} (options: {', '.join(known)})")
    settings = LoraSettings(**values, prompt_options=prompt_options)
    return _checked(settings)


def _checked(settings: LoraSettings) -> LoraSettings:
    _one_of("selection", settings.selection, SELECTIONS)
    _one_of("precision", settings.precision, PRECISIONS)
    _one_of("quantization", settings.quantization, QUANTIZATIONS)
    if settings.r == 0 or settings.micro_batch_size == 0 or settings.max_length == 0:
        raise ConfigError("lora: r, micro_batch_size and max_length must be positive")
    if settings.batch_size % settings.micro_batch_size:
        raise ConfigError(
            f"lora: batch_size {settings.batch_size} must be a multiple of micro_batch_size "
            f"{settings.micro_batch_size} (the effective batch is reached by gradient accumulation)"
        )
    if settings.epochs <= 0 or settings.lr <= 0:
        raise ConfigError("lora: epochs and lr must be positive")
    if settings.dropout >= 1:
        raise ConfigError(f"lora: dropout must be below 1, got {settings.dropout}")
    return settings
