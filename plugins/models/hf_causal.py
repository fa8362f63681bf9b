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


class HFCausal(Model):
    """A causal LM from transformers: `generate` returns text to parse, `score` returns label log-probs."""

    name = "hf"
    description = "transformers causal LM (-m hf:PATH_OR_HUB_ID); mode=generate|score, adapter=PEFT folder"

    def __init__(self, target: str | None = None, mode: str = "generate", dtype: str = "auto",
                 device: str = "auto", batch_size: str = "8", trust_remote_code: str = "off",
                 adapter: str = "", num_beams: str = "1", max_new_tokens: str = "10",
                 stop: str = r"\n", max_length: str = "", bos: str = "auto", scorer: str = "packed",
                 **options: str):
        super().__init__(target=target or "", mode=mode, dtype=dtype, device=device, batch_size=batch_size,
                         trust_remote_code=trust_remote_code, adapter=adapter, num_beams=num_beams,
                         max_new_tokens=max_new_tokens, stop=stop, max_length=max_length, bos=bos, scorer=scorer,
                         **options)
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
        # packed: shared-prefix scoring (issue 6); padded: one row per choice, for architectures
        # that refuse a custom 4D attention mask.
        self.scorer = choice_of("scorer", scorer, ("packed", "padded"))
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

    def special_flag(self) -> bool | None:
        """add_special_tokens for lm-eval-style encoding: None keeps the tokenizer's default (LLaMA:
        BOS; none when the text already starts with BOS, as chat templates write it), off adds none."""
        return False if self.bos == "off" else None

    def lead(self, text: str) -> str:
        """bos=on writes the BOS string before a text that lacks it, whatever the tokenizer's default."""
        bos_text = self.tokenizer.bos_token
        if self.bos != "on":
            return ""
        if not bos_text:
            raise ConfigError("hf: bos=on but the tokenizer has no BOS token")
        return "" if text.startswith(bos_text) else bos_text

    def encode(self, text: str) -> list[int]:
        """Token ids of a prompt exactly as the scorer (and lm-eval) encodes a context."""
        from plugins.models.scoring_tokens import special_tokens_flag

        flag = special_tokens_flag(self.tokenizer, text, self.special_flag())
        return self.tokenizer(text, **({} if flag is None else {"add_special_tokens": flag}))["input_ids"]

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if self.model is None:
            raise ConfigError("hf: predict called before prepare")
        if not prompts:
            return []
        if self.answer_mode == "score":
            return self.score(prompts)
        return self.generate(prompts)

    def fitted(self, prompt: Prompt, reserve: int) -> tuple[str, dict]:
        """Rendered text, left-truncated so its tokens leave `reserve` free, and any truncation."""
        text, rendering = hf_text.render(prompt, self.tokenizer)
        self.renderings.add(rendering)
        lead = self.lead(text)
        # Tokens the encoding adds around the text itself (BOS), measured on a one-letter text.
        overhead = len(self.encode(lead + "a")) - hf_text.token_count(self.tokenizer, "a")
        kept, dropped = hf_text.fit_prompt(prompt, self.tokenizer, text, self.limit - reserve - overhead)
        if not dropped:
            return lead + kept, {}
        self.n_truncated += 1
        return lead + kept, {"truncated_tokens": dropped}

    def choice_room(self, prompt: Prompt) -> int:
        """Tokens of the longest choice after this prompt; a choice with no tokens is an error."""
        text, _ = hf_text.render(prompt, self.tokenizer)
        context_length = len(self.encode(text.rstrip()))
        longest = 0
        for choice in prompt.choices:
            # lm-eval's split: the choice's tokens are what it adds after the (stripped) context.
            choice_ids = self.encode(text + choice)[context_length:]
            if not choice or not choice_ids:
                raise ConfigError(f"hf: choice {choice!r} tokenizes to nothing after the prompt")
            longest = max(longest, len(choice_ids))
        return longest

    def score(self, prompts: Sequence[Prompt]) -> list[Completion]:
        from plugins.models import scoring

        scorer = scoring.score_choices if self.scorer == "packed" else scoring.score_choices_padded
        fitted = [self.fitted(prompt, self.choice_room(prompt)) for prompt in prompts]
        requests = [(text, prompt.choices) for (text, _), prompt in zip(fitted, prompts)]
        found = scorer(self.model, self.tokenizer, requests, batch_size=self.batch_size,
                       add_special_tokens=self.special_flag())
        return [
            Completion(p.example.example_id, choice_logprobs=frozen_mapping(s), meta=frozen_mapping(f[1]))
            for p, s, f in zip(prompts, found, fitted)
        ]

    def generate(self, prompts: Sequence[Prompt]) -> list[Completion]:
        inputs, metas = [], []
        for prompt in prompts:
            text, meta = self.fitted(prompt, self.max_new_tokens)
            inputs.append(self.encode(text))
            metas.append(meta)
        settings = {"batch_size": self.batch_size, "max_new_tokens": self.max_new_tokens,
                    "num_beams": self.num_beams, "stop": self.stop}
        texts = hf_text.generate(self.model, self.tokenizer, inputs, settings)
        return [Completion(p.example.example_id, text=t, meta=frozen_mapping(m))
                for p, t, m in zip(prompts, texts, metas)]

    def fingerprint(self) -> dict[str, str]:
        """sha256 of the weight folder's and adapter's files: part of the run key."""
        from harness.sdk.fingerprint import path_fingerprint

        return {**path_fingerprint("model", self.target), **path_fingerprint("adapter", self.adapter)}

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
