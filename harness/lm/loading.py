"""The one loader of causal LMs, tokenizers and PEFT adapters: safetensors only unless asked, one-line errors."""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.lm.quiet import no_load_bars

DTYPES = ("auto", "float32", "bfloat16", "float16")
#: Weight files that are Python pickles: loading one can run arbitrary code.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")
PICKLE_HINT = "convert it to safetensors or pass --model-opt allow_pickle=on if you trust it"


@dataclass
class LoadedLM:
    """A model ready for inference, its tokenizer, and what a run records about them."""

    model: Any
    tokenizer: Any
    info: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def looks_like_path(target: str) -> bool:
    """A hub id is 'name' or 'org/name'; anything else (absolute, ./, ~, deeper) is a folder."""
    return target.startswith(("/", ".", "~")) or target.count("/") > 1 or os.sep != "/" and os.sep in target


def check_target(target: str | None, what: str = "model", who: str = "model") -> str:
    if not target:
        raise ConfigError(f"{who}: no {what} given; use -m {who}:PATH_OR_HUB_ID")
    expanded = os.path.expanduser(target)
    if Path(expanded).exists():
        return expanded
    if looks_like_path(target):
        raise ConfigError(f"{who}: {what} path {target!r} does not exist")
    return target


def pick_device(device: str, who: str = "model") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"{who}: device {device!r} asked for but no CUDA device is available")
    return device


def pick_dtype(dtype: str, device: str, who: str = "model") -> Any:
    """float32 on CPU (exact and fast enough), bfloat16 on a GPU, unless the user names one."""
    import torch

    if dtype not in DTYPES:
        raise ConfigError(f"{who}: dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    if dtype == "auto":
        dtype = "float32" if device == "cpu" else "bfloat16"
    return getattr(torch, dtype)


def check_weight_files(folder: str, allow_pickle: bool, who: str = "model") -> None:
    """Refuse a local folder whose only weights are pickles, naming the file and the opt-in."""
    path = Path(folder)
    if allow_pickle or not path.is_dir():
        return
    files = sorted(p for p in path.iterdir() if p.is_file())
    if any(p.suffix == ".safetensors" for p in files):
        return
    pickles = [p for p in files if p.suffix in PICKLE_SUFFIXES and "training_args" not in p.name]
    if pickles:
        raise ConfigError(f"{who}: {pickles[0]} is a pickle checkpoint, refused by default; {PICKLE_HINT}")


def first_line(exc: BaseException) -> str:
    """The message's first sentence on one line (a line ending in ':' continues on the next)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    taken = [lines[0]]
    while taken[-1].endswith(":") and len(taken) < len(lines):
        taken.append(lines[len(taken)])
    return " ".join(taken).rstrip(":")


def load_failure(who: str, what: str, target: str, exc: BaseException) -> ConfigError:
    """One line for any failure inside transformers/safetensors/torch.load: never a traceback."""
    detail = first_line(exc)
    hint = f" ({PICKLE_HINT})" if "safetensors" in detail.lower() or "pickle" in detail.lower() else ""
    return ConfigError(f"{who}: cannot load {what} from {target!r}: {type(exc).__name__}: {detail}{hint}")


# Any one of these makes a folder loadable by AutoTokenizer.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "tokenizer.model", "vocab.json")


def load_tokenizer(target: str, trust_remote_code: bool = False, who: str = "model") -> tuple[Any, str | None]:
    """The tokenizer, and a note when its missing pad token was replaced by EOS."""
    from transformers import AutoTokenizer

    folder = Path(target).expanduser()
    if folder.is_dir() and not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise ConfigError(f"{who}: cannot load a tokenizer from {target!r}: the folder has none "
                          f"({', '.join(TOKENIZER_FILES)}); copy the tokenizer files of its base model into it")
    try:
        tokenizer = AutoTokenizer.from_pretrained(target, trust_remote_code=trust_remote_code)
    except Exception as exc:  # any parse or download failure is the user's file, not our bug
        raise load_failure(who, "a tokenizer", target, exc) from None
    note = None
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token_id is None:
            raise ConfigError(f"{who}: tokenizer of {target!r} has neither a pad nor an EOS token")
        # Padding is always masked out, so any id works; EOS is the usual choice.
        tokenizer.pad_token = tokenizer.eos_token
        note = "tokenizer had no pad token; using EOS for padding"
    return tokenizer, note


def load_model(target: str, dtype: Any, *, device: str | None = None, allow_pickle: bool = False,
               who: str = "model", **kwargs: Any) -> Any:
    """AutoModelForCausalLM from a folder or hub id; safetensors only unless allow_pickle.

    `device=None` leaves placement to `kwargs` (device_map, quantization); extra kwargs go to
    from_pretrained unchanged (trust_remote_code, revision, device_map, quantization_config)."""
    from transformers import AutoModelForCausalLM

    check_weight_files(target, allow_pickle, who)
    kwargs.setdefault("attn_implementation", "sdpa")
    if device is not None and device != "cpu":
        # Straight from the files onto the device: no full copy in host memory, then a second one over.
        kwargs.setdefault("device_map", device)
    try:
        with no_load_bars():  # a bar per load fills logs and terminals with lines that say nothing
            model = AutoModelForCausalLM.from_pretrained(
                target, dtype=dtype, use_safetensors=None if allow_pickle else True, **kwargs
            )
    except Exception as exc:  # malicious pickle, broken safetensors, missing files: one line
        raise load_failure(who, "a causal LM", target, exc) from None
    # transformers annotates `.to` through a decorator that loses `self`, so mypy misreads the device as the model.
    return model if device is None or "device_map" in kwargs else model.to(device)  # type: ignore[arg-type]


def attach_adapter(
    model: Any, adapter: str, *, merge: bool = True, allow_pickle: bool = False, who: str = "model"
) -> Any:
    """Load a PEFT (LoRA) adapter onto the base model; merged by default, so inference runs at base speed."""
    path = check_target(adapter, "adapter", who)
    if not (Path(path) / "adapter_config.json").is_file():
        raise ConfigError(f"{who}: adapter folder {adapter!r} has no adapter_config.json")
    check_weight_files(path, allow_pickle, who)
    from peft import PeftModel

    try:
        with warnings.catch_warnings():
            # peft reads transformers' deprecated `is_gradient_checkpointing`; nothing we call can avoid it.
            warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning)
            with no_load_bars():
                model = PeftModel.from_pretrained(model, path, device_map=None)
    except Exception as exc:
        raise load_failure(who, "an adapter", path, exc) from None
    return model.merge_and_unload() if merge else model


def load_lm(target: str | None, *, dtype: str = "auto", device: str = "auto", device_map: str | None = None,
            trust_remote_code: bool = False, adapter: str | None = None, merge: bool = True,
            allow_pickle: bool = False, tokenizer_source: str | None = None, who: str = "model") -> LoadedLM:
    """Model + tokenizer (+ adapter) ready for inference, with load time and placement recorded."""
    clock = time.perf_counter()
    path = check_target(target, "model", who)
    placed = pick_device(device, who)
    torch_dtype = pick_dtype(dtype, placed, who)
    tokenizer, note = load_tokenizer(tokenizer_source or path, trust_remote_code, who)
    extra = {"device_map": device_map} if device_map else {}
    model = load_model(path, torch_dtype, device=None if device_map else placed, allow_pickle=allow_pickle,
                       who=who, trust_remote_code=trust_remote_code, **extra)
    if adapter:
        model = attach_adapter(model, adapter, merge=merge, allow_pickle=allow_pickle, who=who)
    info = {"path": path, "device": str(next(model.parameters()).device),
            "dtype": str(torch_dtype).replace("torch.", ""), "load_s": round(time.perf_counter() - clock, 3)}
    if device_map:
        info["device_map"] = device_map
    return LoadedLM(model.eval(), tokenizer, info, [note] if note else [])


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
