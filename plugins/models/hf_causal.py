"""Model `hf`: any transformers causal LM (hub id or local folder) answering by generation or label scoring."""

from __future__ import annotations

import codecs
from typing import Any, Sequence

from harness.errors import ConfigError
from harness.hookspecs import hookimpl
from harness.interfaces import Model, Task
from harness.types import Completion, Prompt, frozen_mapping
from plugins.models import hf_loading, hf_text

MODES = ("generate", "score")


def positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"hf: option {name} must be a whole number, got {value!r}") from None
    if number <= 0:
        raise ConfigError(f"hf: option {name} must be positive, got {number}")
    return number


def choice_of(name: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ConfigError(f"hf: option {name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def parse_stops(value: str) -> tuple[str, ...]:
    r"""'|'-separated stop strings with backslash escapes: '\n|###' -> ('\n', '###')."""
    stops = tuple(codecs.decode(part, "unicode_escape") for part in value.split("|") if part)
    return stops


def default_prefix(tokenizer: Any) -> list[int]:
    """The special tokens a tokenizer puts before any text when asked for its defaults."""
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    default = tokenizer("a")["input_ids"]
    for start in range(len(default) - len(plain) + 1):
        if default[start : start + len(plain)] == plain:
            return default[:start]
    return []


class HFCausal(Model):
    """A causal LM from transformers: `generate` returns text to parse, `score` returns label log-probs."""

    name = "hf"
    description = "transformers causal LM (-m hf:PATH_OR_HUB_ID); mode=generate|score, adapter=PEFT folder"

    def __init__(self, target: str | None = None, mode: str = "generate", dtype: str = "auto",
                 device: str = "auto", batch_size: str = "8", trust_remote_code: str = "off",
                 adapter: str = "", num_beams: str = "1", max_new_tokens: str = "10",
                 stop: str = r"\n", max_length: str = "", bos: str = "auto", **options: str):
        super().__init__(target=target or "", mode=mode, dtype=dtype, device=device, batch_size=batch_size,
                         trust_remote_code=trust_remote_code, adapter=adapter, num_beams=num_beams,
                         max_new_tokens=max_new_tokens, stop=stop, max_length=max_length, bos=bos, **options)
        if options:
            raise ConfigError(f"hf: unknown option(s) {', '.join(sorted(options))}")
        self.target = target
        self.answer_mode = choice_of("mode", mode, MODES)
        self.dtype_name = choice_of("dtype", dtype, hf_loading.DTYPES)
        self.device_name = device
        self.batch_size = positive_int("batch_size", batch_size)
        self.trust_remote_code = choice_of("trust_remote_code", trust_remote_code, ("on", "off")) == "on"
        self.adapter = adapter or None
        self.num_beams = positive_int("num_beams", num_beams)
        self.max_new_tokens = positive_int("max_new_tokens", max_new_tokens)
        self.stop = parse_stops(stop)
        self.max_length = positive_int("max_length", max_length) if max_length else None
        self.bos = choice_of("bos", bos, ("auto", "on", "off"))
        self.notes: list[str] = []
        self.n_truncated = 0
        self.renderings: set[str] = set()
        self.model: Any = None

    def prepare(self, task: Task, seed: int) -> None:
        if self.model is not None:
            return
        import torch

        torch.manual_seed(seed)  # beam search is deterministic; this guards any sampling a config turns on
        target = hf_loading.check_target(self.target)
        device = hf_loading.pick_device(self.device_name)
        dtype = hf_loading.pick_dtype(self.dtype_name, device)
        self.tokenizer, pad_note = hf_loading.load_tokenizer(target, self.trust_remote_code)
        if pad_note:
            self.notes.append(pad_note)
        self.model = hf_loading.load_model(target, dtype, device, self.trust_remote_code, self.adapter)
        self.limit = hf_loading.context_limit(self.model, self.tokenizer, self.max_length)
        self.resolved = {"path": target, "device": device, "dtype": str(dtype).replace("torch.", "")}

    def prefix(self, text: str) -> list[int]:
        """Token ids put before the prompt, decided as lm-eval's hf backend does: `auto` adds what the
        tokenizer adds by default (LLaMA: BOS), nothing when the text already starts with BOS (chat
        templates write it); `on` forces BOS; `off` adds nothing."""
        bos_id, bos_text = self.tokenizer.bos_token_id, self.tokenizer.bos_token
        if self.bos == "off" or (bos_text and text.startswith(bos_text)):
            return []
        if self.bos == "on":
            if bos_id is None:
                raise ConfigError("hf: bos=on but the tokenizer has no BOS token")
            return [bos_id]
        return default_prefix(self.tokenizer)

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if self.model is None:
            raise ConfigError("hf: predict called before prepare")
        if not prompts:
            return []
        if self.answer_mode == "score":
            return self.score(prompts)
        return self.generate(prompts)

    def fitted(self, prompt: Prompt, reserve: int) -> tuple[str, list[int], dict]:
        """Rendered, left-truncated text leaving `reserve` tokens free, its prefix, and any truncation."""
        text, rendering = hf_text.render(prompt, self.tokenizer)
        self.renderings.add(rendering)
        prefix = self.prefix(text)
        kept, dropped = hf_text.fit_prompt(prompt, self.tokenizer, text, self.limit - reserve - len(prefix))
        if not dropped:
            return kept, prefix, {}
        self.n_truncated += 1
        return kept, prefix, {"truncated_tokens": dropped}

    def choice_room(self, prompt: Prompt) -> int:
        """Tokens of the longest choice after this prompt; a choice with no tokens is an error."""
        from plugins.models.scoring import encode_pair

        text, _ = hf_text.render(prompt, self.tokenizer)
        longest = 0
        for choice in prompt.choices:
            choice_ids = encode_pair(self.tokenizer, text, choice)[1]
            if not choice_ids:
                raise ConfigError(f"hf: choice {choice!r} tokenizes to nothing after the prompt")
            longest = max(longest, len(choice_ids))
        return longest

    def score(self, prompts: Sequence[Prompt]) -> list[Completion]:
        from plugins.models.scoring import score_choices

        fitted = [self.fitted(prompt, self.choice_room(prompt)) for prompt in prompts]
        # Prompts sharing a prefix (normally all of them) are scored in one batched call.
        by_prefix: dict[tuple[int, ...], list[int]] = {}
        for index, (_, prefix, _) in enumerate(fitted):
            by_prefix.setdefault(tuple(prefix), []).append(index)
        scores: list[dict[str, float]] = [{}] * len(prompts)
        for prefix, indices in by_prefix.items():
            requests = [(fitted[i][0], prompts[i].choices) for i in indices]
            found = score_choices(self.model, self.tokenizer, requests, batch_size=self.batch_size, prefix=prefix)
            for index, choice_scores in zip(indices, found):
                scores[index] = choice_scores
        return [
            Completion(p.example.example_id, choice_logprobs=frozen_mapping(s), meta=frozen_mapping(f[2]))
            for p, s, f in zip(prompts, scores, fitted)
        ]

    def generate(self, prompts: Sequence[Prompt]) -> list[Completion]:
        inputs, metas = [], []
        for prompt in prompts:
            text, prefix, meta = self.fitted(prompt, self.max_new_tokens)
            inputs.append(prefix + self.tokenizer(text, add_special_tokens=False)["input_ids"])
            metas.append(meta)
        settings = {"batch_size": self.batch_size, "max_new_tokens": self.max_new_tokens,
                    "num_beams": self.num_beams, "stop": self.stop}
        texts = hf_text.generate(self.model, self.tokenizer, inputs, settings)
        return [Completion(p.example.example_id, text=t, meta=frozen_mapping(m))
                for p, t, m in zip(prompts, texts, metas)]

    def info(self) -> dict[str, Any]:
        info = dict(self.options)
        info.update(getattr(self, "resolved", {}))
        info.update({"context_limit": getattr(self, "limit", None), "n_truncated": self.n_truncated,
                     "renderings": sorted(self.renderings),
                     "notes": list(self.notes)})
        return info


@hookimpl
def ercbench_register_models(register):
    register(HFCausal)
