"""Model `hf`: any transformers causal LM (hub id or local folder) answering by generation or label scoring."""

from __future__ import annotations

import codecs
from typing import Any, Sequence

from harness.errors import ConfigError
from harness.hookspecs import hookimpl
from harness.interfaces import Model, Task
from harness.sdk.lm import chat, loading
from harness.sdk.lm.stats import ScoreStats
from harness.types import Completion, Prompt, frozen_mapping

MODES = ("generate", "score")
#: padded is the old name of the row-per-request scorer, kept so existing commands still run.
SCORER_NAMES = ("auto", "packed", "batched", "padded")
#: Examples per predict call on a GPU: whole splits in one go, so no pass waits for the next batch.
GPU_EXAMPLES_PER_CALL = 4096


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


def batch_size_of(value: str) -> int | None:
    """auto (None): as many as fit on a GPU for scoring, 8 prompts per generate batch on a CPU."""
    return None if value == "auto" else positive_int("batch_size", value)


def parse_stops(value: str) -> tuple[str, ...]:
    r"""'|'-separated stop strings with backslash escapes: '\n|###' -> ('\n', '###')."""
    stops = tuple(codecs.decode(part, "unicode_escape") for part in value.split("|") if part)
    return stops


class HFCausal(Model):
    """A causal LM from transformers: `generate` returns text to parse, `score` returns label log-probs."""

    name = "hf"
    description = "transformers causal LM (-m hf:PATH_OR_HUB_ID); mode=generate|score, adapter=PEFT folder"
    preferred_batch_size: int | None = None

    def __init__(self, target: str | None = None, mode: str = "generate", dtype: str = "auto",
                 device: str = "auto", batch_size: str = "auto", trust_remote_code: str = "off",
                 adapter: str = "", num_beams: str = "1", max_new_tokens: str = "10",
                 stop: str = r"\n", max_length: str = "", bos: str = "auto", scorer: str = "auto",
                 allow_pickle: str = "off", device_map: str = "", **options: str):
        super().__init__(target=target or "", mode=mode, dtype=dtype, device=device, batch_size=batch_size,
                         trust_remote_code=trust_remote_code, adapter=adapter, num_beams=num_beams,
                         max_new_tokens=max_new_tokens, stop=stop, max_length=max_length, bos=bos, scorer=scorer,
                         allow_pickle=allow_pickle, device_map=device_map, **options)
        if options:
            raise ConfigError(f"hf: unknown option(s) {', '.join(sorted(options))}")
        self.target = target
        self.answer_mode = choice_of("mode", mode, MODES)
        self.dtype_name = choice_of("dtype", dtype, loading.DTYPES)
        self.device_name = device
        self.batch_size = batch_size_of(batch_size)
        self.trust_remote_code = choice_of("trust_remote_code", trust_remote_code, ("on", "off")) == "on"
        self.adapter = adapter or None
        self.num_beams = positive_int("num_beams", num_beams)
        self.max_new_tokens = positive_int("max_new_tokens", max_new_tokens)
        self.stop = parse_stops(stop)
        self.max_length = positive_int("max_length", max_length) if max_length else None
        self.bos = choice_of("bos", bos, ("auto", "on", "off"))
        self.scorer = choice_of("scorer", scorer, SCORER_NAMES).replace("padded", "batched")
        self.allow_pickle = choice_of("allow_pickle", allow_pickle, ("on", "off")) == "on"
        self.device_map = device_map or None
        self.stats = ScoreStats()
        self.notes: list[str] = []
        self.n_truncated = 0
        self.renderings: set[str] = set()
        self.model: Any = None

    def prepare(self, task: Task, seed: int) -> None:
        if self.model is not None:
            return
        import torch

        torch.manual_seed(seed)  # beam search is deterministic; this guards any sampling a config turns on
        loaded = loading.load_lm(
            self.target, dtype=self.dtype_name, device=self.device_name, device_map=self.device_map,
            trust_remote_code=self.trust_remote_code, adapter=self.adapter, allow_pickle=self.allow_pickle,
        )
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.notes.extend(loaded.notes)
        self.limit = loading.context_limit(self.model, self.tokenizer, self.max_length)
        self.resolved = loaded.info
        if next(self.model.parameters()).device.type == "cuda":
            self.preferred_batch_size = GPU_EXAMPLES_PER_CALL

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
        from harness.sdk.lm.tokens import special_tokens_flag

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
        text, rendering = chat.render(prompt, self.tokenizer)
        self.renderings.add(rendering)
        lead = self.lead(text)
        # Tokens the encoding adds around the text itself (BOS), measured on a one-letter text.
        overhead = len(self.encode(lead + "a")) - chat.token_count(self.tokenizer, "a")
        kept, dropped = chat.fit_prompt(prompt, self.tokenizer, text, self.limit - reserve - overhead)
        if not dropped:
            return lead + kept, {}
        self.n_truncated += 1
        return lead + kept, {"truncated_tokens": dropped}

    def choice_room(self, prompt: Prompt) -> int:
        """Tokens of the longest choice after this prompt; a choice with no tokens is an error."""
        text, _ = chat.render(prompt, self.tokenizer)
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
        from harness.sdk.lm.score import score_choices

        fitted = [self.fitted(prompt, self.choice_room(prompt)) for prompt in prompts]
        requests = [(text, prompt.choices) for (text, _), prompt in zip(fitted, prompts)]
        found = score_choices(self.model, self.tokenizer, requests, add_special_tokens=self.special_flag(),
                              scorer=self.scorer, batch_size=self.batch_size, stats=self.stats)
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
        from harness.sdk.lm.generate import generate

        on_gpu = next(self.model.parameters()).device.type == "cuda"
        settings = {"batch_size": self.batch_size or (64 if on_gpu else 8), "max_new_tokens": self.max_new_tokens,
                    "num_beams": self.num_beams, "stop": self.stop}
        texts = generate(self.model, self.tokenizer, inputs, settings)
        self.stats.add_pass(sum(map(len, inputs)), sum(map(len, inputs)), 0, 0)
        return [Completion(p.example.example_id, text=t, meta=frozen_mapping(m))
                for p, t, m in zip(prompts, texts, metas)]

    def info(self) -> dict[str, Any]:
        info = dict(self.options)
        info.update(getattr(self, "resolved", {}))
        info.update({"context_limit": getattr(self, "limit", None), "n_truncated": self.n_truncated,
                     "renderings": sorted(self.renderings), "compute": self.stats.as_dict(),
                     "notes": list(self.notes)})
        return info


@hookimpl
def ercbench_register_models(register):
    register(HFCausal)
