"""Model `lm-eval`: any lm-evaluation-harness backend (hf, vllm, local-completions, ...) behind our interface."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from harness.errors import ConfigError
from harness.lm.quiet import no_load_bars
from harness.sdk import Completion, Counters, Model, Prompt, RunContext, Task, counter, frozen_mapping, hookimpl
from harness.sdk.options import option
from plugins.models.hf_causal import parse_stops

# Backends whose model_args name the weights `pretrained=`; API backends use `model=`.
PRETRAINED_BACKENDS = ("hf", "hf-auto", "huggingface", "vllm", "sglang", "hf-multimodal", "vllm-vlm")
# Backends that place a local torch model on `device=`; lm-eval's default there is "cuda" even without one.
TORCH_DEVICE_BACKENDS = ("hf", "hf-auto", "huggingface", "hf-multimodal")


def available_device() -> str:
    """The device a local model can actually use here: cuda, else mps, else cpu."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def missing_local_path(model_args: str) -> str | None:
    """The `pretrained=` value when it looks like a local path (not a hub id) that does not exist."""
    for part in model_args.split(","):
        key, _, value = part.partition("=")
        if key.strip() == "pretrained" and value.startswith((".", "/", "~")):
            return None if Path(value).expanduser().exists() else value
    return None


def merged_model_args(backend: str, model_args: str, target: str | None) -> str:
    """The user's model_args string, with the -m lm-eval:TARGET part added under the right key."""
    if not target:
        return model_args
    key = "pretrained" if backend in PRETRAINED_BACKENDS else "model"
    if f"{key}=" in model_args:
        raise ConfigError(f"lm-eval: give the model either as -m lm-eval:{target} or as {key}= in model_args, not both")
    return ",".join(part for part in (f"{key}={target}", model_args) if part)


def no_tqdm(method: Any) -> dict[str, bool]:
    """lm-eval's own bar per call is off where the method allows it: the run draws one bar (on a terminal only)."""
    return {"disable_tqdm": True} if "disable_tqdm" in inspect.signature(method).parameters else {}


def to_instances(request_type: str, arguments: Sequence[tuple]) -> list[Any]:
    from lm_eval.api.instance import Instance

    return [Instance(request_type=request_type, doc={}, arguments=args, idx=i) for i, args in enumerate(arguments)]


@dataclass(frozen=True, kw_only=True)
class LmEvalCounters(Counters):
    """How the prompts were rendered for lm-eval (text, the chat template, plain chat)."""

    renderings: tuple[str, ...] = counter("union", ())


class LmEvalModel(Model):
    """Turns our Prompts into lm-eval loglikelihood (score) or generate_until (generate) requests."""

    name = "lm-eval"
    description = "any lm-evaluation-harness backend: backend=hf|vllm|local-completions, model_args=k=v,..."

    class Options(Model.Options):
        target: str = option("", "the model, given as -m lm-eval:TARGET (pretrained= or model= in model_args)")
        backend: str = option("hf", "the lm-eval model type: hf, vllm, local-completions, ...")
        model_args: str = option("", "lm-eval's model_args string, k=v,k=v")
        mode: str = option("generate", "generate text to parse, or score every label", choices=("generate", "score"))
        batch_size: int = option(8, "requests per lm-eval batch", minimum=1)
        device: str = option("", "the device lm-eval loads onto (default: cuda when present, else cpu)")
        max_new_tokens: int = option(10, "longest generated answer (generate)", minimum=1)
        stop: str = option(r"\n", "'|'-separated stop strings with backslash escapes (generate)")

    config: Options

    def __init__(self, **options: str):
        super().__init__(**options)
        config = self.config
        self.backend = config.backend
        self.model_args = merged_model_args(config.backend, config.model_args, config.target or None)
        if not self.model_args:
            raise ConfigError("lm-eval: no model given; use -m lm-eval:PATH or model_args=pretrained=PATH")
        missing = missing_local_path(self.model_args) if self.backend in PRETRAINED_BACKENDS else None
        if missing:  # refused when the run is set up, so a sweep fails before its first run
            raise ConfigError(f"lm-eval: no such model folder {missing}; pass -m lm-eval:PATH with an existing folder")
        self.answer_mode = config.mode
        self.batch_size = config.batch_size
        self.device = config.device
        self.max_new_tokens = config.max_new_tokens
        self.stop = parse_stops(config.stop)
        self.device_used = config.device
        self.lm: Any = None
        self.renderings: set[str] = set()

    def prepare(self, task: Task, context: RunContext) -> None:
        if self.lm is not None:
            return
        from lm_eval.api.registry import get_model

        try:
            model_class = get_model(self.backend)
        except ValueError as exc:
            raise ConfigError(f"lm-eval: unknown backend {self.backend!r}: {exc}") from None
        except ModuleNotFoundError as exc:  # lm-eval imports a backend's library (vllm, ...) on first use
            raise ConfigError(f"lm-eval: backend {self.backend!r} needs the {exc.name} package, which is not "
                              f"installed: pip install {exc.name}") from None
        extra: dict[str, Any] = {"batch_size": self.batch_size}
        if self.device.startswith("cuda") and available_device() != "cuda":
            raise ConfigError(f"lm-eval: device={self.device} asked for, but torch sees no CUDA GPU here; "
                              "drop the device option to run on what exists")
        if self.device:
            extra["device"] = self.device
        elif self.backend in TORCH_DEVICE_BACKENDS and "device=" not in self.model_args:
            extra["device"] = self.device_used = available_device()
        try:
            with no_load_bars():
                self.lm = model_class.create_from_arg_string(self.model_args, extra)
        except (OSError, ValueError, TypeError, RuntimeError, AssertionError) as exc:
            if "Repo id" in str(exc):  # huggingface_hub's wording for a local path that does not exist
                raise ConfigError(f"lm-eval: no such model folder ({self.model_args}); give an existing folder or a "
                                  "hub id") from None
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(
                f"lm-eval: backend {self.backend!r} failed to load ({self.model_args}): {first_line}"
            ) from None

    def render(self, prompt: Prompt) -> str:
        if prompt.text is not None:
            self.renderings.add("text")
            return prompt.text
        history = [{"role": role, "content": content} for role, content in prompt.messages or ()]
        try:
            text = self.lm.apply_chat_template(history)
            self.renderings.add("chat-template")
            return text
        except (AttributeError, NotImplementedError, TypeError, ValueError):
            self.renderings.add("plain-chat")
            return "\n\n".join(f"{m['role']}: {m['content']}" for m in history) + "\n\nassistant:"

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if self.lm is None:
            raise ConfigError("lm-eval: predict called before prepare")
        if not prompts:
            return []
        contexts = [self.render(prompt) for prompt in prompts]
        if self.answer_mode == "score":
            return self.score(prompts, contexts)
        settings = {"until": list(self.stop), "max_gen_toks": self.max_new_tokens, "do_sample": False}
        requests = to_instances("generate_until", [(c, settings) for c in contexts])
        texts = self.lm.generate_until(requests, **no_tqdm(self.lm.generate_until))
        return [Completion(p.example.example_id, text=t) for p, t in zip(prompts, texts)]

    def score(self, prompts: Sequence[Prompt], contexts: Sequence[str]) -> list[Completion]:
        pairs = [(context, choice) for prompt, context in zip(prompts, contexts) for choice in prompt.choices]
        results = iter(self.lm.loglikelihood(to_instances("loglikelihood", pairs), **no_tqdm(self.lm.loglikelihood)))
        completions = []
        for prompt in prompts:
            scores = {choice: float(next(results)[0]) for choice in prompt.choices}
            completions.append(Completion(prompt.example.example_id, choice_logprobs=frozen_mapping(scores)))
        return completions

    def info(self) -> dict[str, Any]:
        info = super().info()
        info.update({"model_args": self.model_args, "device_used": self.device_used})
        return info

    def counters(self) -> LmEvalCounters:
        return LmEvalCounters(renderings=tuple(sorted(self.renderings)))


@hookimpl
def ercbench_register_models(register):
    register(LmEvalModel)
