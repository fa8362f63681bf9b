"""Model `hf`: any transformers causal LM (hub id or local folder) answering by generation or label scoring."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace
from typing import Any, Sequence

from harness.errors import ConfigError
from harness.lm import chat, loading
from harness.lm.stats import ScoreStats
from harness.sdk import Completion, Counters, Model, Prompt, RunContext, Task, counter, frozen_mapping, hookimpl
from harness.sdk.options import option

MODES = ("generate", "score")
#: padded is the old name of the row-per-request scorer, kept so existing commands still run.
SCORER_NAMES = ("auto", "packed", "batched", "padded")
#: Examples per predict call on a GPU: whole splits in one go, so no pass waits for the next batch.
GPU_EXAMPLES_PER_CALL = 4096
#: Tokens a prompt must stay under the context limit by to skip the exact fit check.
FIT_SLACK = 16


def parse_stops(value: str) -> tuple[str, ...]:
    r"""'|'-separated stop strings with backslash escapes: '\n|###' -> ('\n', '###')."""
    stops = tuple(codecs.decode(part, "unicode_escape") for part in value.split("|") if part)
    return stops


@dataclass(frozen=True, kw_only=True)
class HFCounters(Counters):
    """What the hf model counted: the prompt renderings it used, loading notes, the scorer's passes and tokens."""

    renderings: tuple[str, ...] = counter("union", ())
    notes: tuple[str, ...] = counter("union", ())
    compute: ScoreStats = counter("nested", ScoreStats)


class HFCausal(Model):
    """A causal LM from transformers: `generate` returns text to parse, `score` returns label log-probs."""

    name = "hf"
    description = "transformers causal LM (-m hf:PATH_OR_HUB_ID); mode=generate|score, adapter=PEFT folder"
    preferred_batch_size: int | None = None

    class Options(Model.Options):
        target: str = option("", "a local model folder or hub id (given as -m hf:TARGET)")
        mode: str = option("generate", "generate text to parse, or score every label", choices=MODES)
        dtype: str = option("auto", "weights' dtype", choices=loading.DTYPES)
        device: str = option("auto", "cpu, cuda, cuda:N or auto")
        batch_size: int | None = option(None, "prompts per pass (auto: as many as fit the pass's token budget)",
                                        minimum=1, none="auto")
        trust_remote_code: bool = option(False, "run the model repository's own code")
        adapter: str = option("", "a PEFT adapter folder applied to the weights")
        num_beams: int = option(1, "beam search width (generate)", minimum=1)
        max_new_tokens: int = option(10, "longest generated answer (generate)", minimum=1)
        stop: str = option(r"\n", r"'|'-separated stop strings with backslash escapes (generate), e.g. \n|###")
        max_length: int | None = option(None, "context limit in tokens (default: the model's)", minimum=1)
        bos: str = option("auto", "add a beginning-of-sequence token", choices=("auto", "on", "off"))
        scorer: str = option("auto", "how labels are scored (score)", choices=SCORER_NAMES)
        allow_pickle: bool = option(False, "allow pickle (.bin) weights, which can run code; safetensors otherwise")
        device_map: str = option("", "an accelerate device_map, e.g. auto, to spread a model over devices")

    config: Options

    def __init__(self, **options: str):
        super().__init__(**options)
        config = self.config
        self.target = config.target or None
        self.answer_mode = config.mode
        self.dtype_name = config.dtype
        self.device_name = config.device
        self.batch_size = config.batch_size
        self.trust_remote_code = config.trust_remote_code
        self.adapter = config.adapter or None
        self.num_beams = config.num_beams
        self.max_new_tokens = config.max_new_tokens
        self.stop = parse_stops(config.stop)
        self.max_length = config.max_length
        self.bos = config.bos
        self.scorer = config.scorer.replace("padded", "batched")
        self.allow_pickle = config.allow_pickle
        self.device_map = config.device_map or None
        self.stats = ScoreStats()
        self.notes: list[str] = []
        self.renderings: set[str] = set()
        self.overheads: dict[str, int] = {}
        self.model: Any = None
        # A missing folder is refused here, when the run is set up, so a sweep fails before its first run.
        loading.check_target(self.target, "model", self.name)
        if self.adapter:
            loading.check_target(self.adapter, "adapter", self.name)

    def prepare(self, task: Task, context: RunContext) -> None:
        if self.model is not None:
            return
        import torch

        torch.manual_seed(context.seed)  # beam search is deterministic; this guards any sampling a config turns on
        loaded = loading.load_lm(
            self.target, dtype=self.dtype_name, device=self.device_name, device_map=self.device_map,
            trust_remote_code=self.trust_remote_code, adapter=self.adapter, allow_pickle=self.allow_pickle,
            who=self.name,
        )
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.notes.extend(loaded.notes)
        self.limit = loading.context_limit(self.model, self.tokenizer, self.max_length)
        self.resolved = loaded.info
        if next(self.model.parameters()).device.type == "cuda":
            self.preferred_batch_size = GPU_EXAMPLES_PER_CALL

    @property
    def tokens_computed(self) -> int:  # type: ignore[override]
        return self.stats.tokens_fed

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
        return self.encode_texts([text])[0]

    def encode_texts(self, texts: list[str], heads: list[str] | None = None) -> list[list[int]]:
        """Token ids of many prompts (each text special-cased like its head), one tokenizer call per flag."""
        from harness.lm.tokens import encode_texts, special_tokens_flag


        flags = [special_tokens_flag(self.tokenizer, head, self.special_flag()) for head in heads or texts]
        return encode_texts(self.tokenizer, texts, flags)

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if self.model is None:
            raise ConfigError("hf: predict called before prepare")
        if not prompts:
            return []
        if self.answer_mode == "score":
            return self.score(prompts)
        return self.generate(prompts)

    def render(self, prompt: Prompt) -> str:
        text, rendering = chat.render(prompt, self.tokenizer)
        self.renderings.add(rendering)
        return text

    def overhead(self, lead: str) -> int:
        """Tokens the encoding adds around the text itself (BOS), measured once on a one-letter text."""
        if lead not in self.overheads:
            self.overheads[lead] = len(self.encode(lead + "a")) - chat.token_count(self.tokenizer, "a")
        return self.overheads[lead]

    def fitted(self, prompt: Prompt, reserve: int) -> tuple[str, dict]:
        """Rendered text, left-truncated so its tokens leave `reserve` free, and any truncation."""
        return self.fitted_many([prompt], [reserve])[0]

    def fitted_many(self, prompts: Sequence[Prompt], reserves: Sequence[int]) -> list[tuple[str, dict]]:
        """fitted() for many prompts: one batched token count; only prompts that overflow are cut one by one."""
        texts = [self.render(prompt) for prompt in prompts]
        counts = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        fitted: list[tuple[str, dict]] = []
        for prompt, text, reserve, ids in zip(prompts, texts, reserves, counts):
            lead = self.lead(text)
            budget = self.limit - reserve - self.overhead(lead)
            if 0 < budget and len(ids) <= budget:
                fitted.append((lead + text, {}))
                continue
            kept, dropped = chat.fit_prompt(prompt, self.tokenizer, text, budget)
            fitted.append((lead + kept, {"truncated_tokens": dropped} if dropped else {}))
        return fitted

    def choice_room(self, prompt: Prompt) -> int:
        """Tokens of the longest choice after this prompt; a choice with no tokens is an error."""
        return self.choice_rooms([prompt])[0]

    def choice_rooms(self, prompts: Sequence[Prompt]) -> list[int]:
        """choice_room() of many prompts from one batched tokenizer call (per special-tokens flag)."""
        texts, heads = [], []
        for prompt in prompts:
            text, _ = chat.render(prompt, self.tokenizer)
            group = [text.rstrip()] + [text + choice for choice in prompt.choices]
            texts += group
            heads += [text] * len(group)
        ids = iter(self.encode_texts(texts, heads))
        rooms = []
        for prompt in prompts:
            context, longest = next(ids), 0
            for choice in prompt.choices:
                # lm-eval's split: the choice's tokens are what it adds after the (stripped) context.
                choice_ids = next(ids)[len(context) :]
                if not choice or not choice_ids:
                    raise ConfigError(f"hf: choice {choice!r} tokenizes to nothing after the prompt")
                longest = max(longest, len(choice_ids))
            rooms.append(longest)
        return rooms

    def score(self, prompts: Sequence[Prompt]) -> list[Completion]:
        from harness.lm.score import score_encoded

        encoded, metas = self.encode_scored(prompts)
        found = score_encoded(self.model, encoded, scorer=self.scorer, batch_size=self.batch_size, stats=self.stats)
        return [
            Completion(p.example.example_id, choice_logprobs=frozen_mapping(s), meta=frozen_mapping(m))
            for p, s, m in zip(prompts, found, metas)
        ]

    def encode_scored(self, prompts: Sequence[Prompt]) -> tuple[list[Any], list[dict]]:
        """Every prompt tokenised with its choices as lm-eval does, and what was cut to fit. One fast
        pass tokenises them all; a prompt near the context limit is fitted and tokenised again."""
        from harness.lm.tails import encode_requests_fast
        from harness.lm.tokens import encode_requests

        texts = [self.render(prompt) for prompt in prompts]
        requests = [(self.lead(text) + text, prompt.choices) for text, prompt in zip(texts, prompts)]
        encoded = encode_requests_fast(self.tokenizer, requests, self.special_flag())
        metas: list[dict] = [{} for _ in prompts]
        # The fit check counts the text's own tokens; these counts can differ from it by the trailing
        # whitespace that moves to the choices, so a prompt within that slack takes the exact check.
        tight = [index for index, (request, (text, _)) in enumerate(zip(encoded, requests))
                 if len(request.context) + max(map(len, request.continuations)) + FIT_SLACK
                 + len(text) - len(text.rstrip()) > self.limit]
        if tight:
            chosen = [prompts[index] for index in tight]
            fitted = self.fitted_many(chosen, self.choice_rooms(chosen))
            again = encode_requests(self.tokenizer, [(text, prompt.choices) for (text, _), prompt
                                                     in zip(fitted, chosen)], self.special_flag())
            for index, request, (_, meta) in zip(tight, again, fitted):
                encoded[index], metas[index] = request, meta
        return encoded, metas

    def generate(self, prompts: Sequence[Prompt]) -> list[Completion]:
        fitted = self.fitted_many(prompts, [self.max_new_tokens] * len(prompts))
        inputs, metas = self.encode_texts([text for text, _ in fitted]), [meta for _, meta in fitted]
        from harness.lm.generate import generate

        settings = {"batch_size": self.batch_size, "max_new_tokens": self.max_new_tokens,
                    "num_beams": self.num_beams, "stop": self.stop}
        texts = generate(self.model, self.tokenizer, inputs, settings)
        self.stats.add_pass(sum(map(len, inputs)), sum(map(len, inputs)), 0, 0)
        return [Completion(p.example.example_id, text=t, meta=frozen_mapping(m))
                for p, t, m in zip(prompts, texts, metas)]

    def fingerprint(self) -> dict[str, str]:
        """sha256 of the weight folder's and adapter's files: part of the run key."""
        from harness.sdk.fingerprint import path_fingerprint

        return {**path_fingerprint("model", self.target), **path_fingerprint("adapter", self.adapter)}

    def info(self) -> dict[str, Any]:
        info = super().info()
        info.update(getattr(self, "resolved", {}))
        info["context_limit"] = getattr(self, "limit", None)
        return info

    def counters(self) -> HFCounters:
        return HFCounters(renderings=tuple(sorted(self.renderings)), notes=tuple(self.notes),
                          compute=replace(self.stats))


@hookimpl
def ercbench_register_models(register):
    register(HFCausal)
