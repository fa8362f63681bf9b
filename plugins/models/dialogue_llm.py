"""Model `dialoguellm`: base model + LoRA adapter from a checkpoint folder, prompted as it was trained."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from harness.discovery import default_registry
from harness.errors import ConfigError
from harness.hookspecs import hookimpl
from harness.interfaces import Model, Task
from harness.run.parsing import normalise
from harness.sdk.options import option
from harness.types import Completion, Prompt
from plugins.models import dialogue_llm_backend as backend

RECORD_FILE = "dialoguellm.json"
PROMPT_PREFIX = "prompt."
MODES = ("score", "generate")
BACKENDS = ("own", "hf")


def read_record(folder: str | None) -> tuple[Path, dict[str, Any]]:
    if not folder:
        raise ConfigError("dialoguellm: give the checkpoint folder, e.g. -m dialoguellm:/path/to/checkpoint")
    path = Path(folder).expanduser() / RECORD_FILE
    if not path.is_file():
        raise ConfigError(f"dialoguellm: {path} not found (is {folder!r} a folder written by `ercbench train`?)")
    try:
        return path.parent, json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"dialoguellm: {path} is not valid JSON ({exc.msg})") from None


class DialogueLLM(Model):
    """Rebuilds each prompt with the template and options recorded at training (override with prompt.K=V)."""

    name = "dialoguellm"
    description = (
        "base + LoRA adapter from `ercbench train` (-m dialoguellm:DIR); mode=score|generate, merge, adapter=on|off"
    )

    class Options(Model.Options):
        target: str = option("", "the checkpoint folder from `ercbench train` (given as -m dialoguellm:DIR)")
        mode: str = option("score", "score every label, or generate text to parse", choices=MODES)
        merge: bool = option(False, "merge the adapter into the base weights before answering")
        adapter: bool = option(True, "apply the LoRA adapter (off: the base model, same prompts)")
        base: str = option("", "the base model folder (default: the one recorded at training)")
        prompt: str = option("", "the prompt strategy (default: the one recorded at training)")
        device: str = option("auto", "cpu, cuda, cuda:N or auto")
        max_new_tokens: int = option(10, "longest generated answer (generate)", minimum=1)
        max_length: int | None = option(None, "context limit in tokens (default: the training max_length)",
                                        minimum=1)
        # own: scoring encoded exactly as training; hf: the registry's `hf` model (fast scoring, adapter merged)
        backend: str = option("own", "own (encoded exactly as in training) or hf (fast scoring)", choices=BACKENDS)
        prompt_options: dict = option(help="overrides of the recorded prompt options", prefix=PROMPT_PREFIX)

    def __init__(self, **options: str):
        super().__init__(**options)
        config = self.config
        self.answer_mode = config.mode
        self.backend = config.backend
        self.folder, self.record = read_record(config.target or None)
        self.merge, self.use_adapter = config.merge, config.adapter
        self.base = config.base or self.record["base"]
        self.device = config.device
        self.max_new_tokens = config.max_new_tokens
        recorded = self.record["settings"]
        self.max_length = config.max_length or int(recorded["max_length"])
        self.prompt_name = config.prompt or self.record["prompt"]["name"]
        self.prompt_options = {**self.record["prompt"]["options"], **config.prompt_options}
        self.delegate: Any = None
        self.model: Any = None

    def prepare(self, task: Task, seed: int) -> None:
        self.strategy = default_registry().get("prompts", self.prompt_name).cls(**self.prompt_options)
        self.strategy.prepare(task, seed)
        if self.model is None and self.backend == "hf":
            self.delegate = self.hf_model()
            self.delegate.prepare(task, seed)
            self.model, self.tokenizer = self.delegate.model, self.delegate.tokenizer
        elif self.model is None:
            self.model, self.tokenizer = self.load()

    def hf_model(self) -> Model:
        """The `hf` model plugin on the same base and adapter, found through the registry."""
        adapter = str(self.folder) if self.use_adapter else ""
        return (
            default_registry()
            .get("models", "hf")
            .cls(
                target=self.base,
                adapter=adapter,
                mode=self.answer_mode,
                device=self.device,
                max_new_tokens=str(self.max_new_tokens),
                max_length=str(self.max_length),
            )
        )

    def load(self) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not Path(self.base).expanduser().exists() and self.base.startswith((".", "/", "~")):
            raise ConfigError(f"dialoguellm: base model {self.base!r} does not exist (override with base=PATH)")
        device = ("cuda" if torch.cuda.is_available() else "cpu") if self.device == "auto" else self.device
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        try:
            model = AutoModelForCausalLM.from_pretrained(self.base, dtype=dtype)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"dialoguellm: cannot load base {self.base!r}: {str(exc).splitlines()[0]}") from None
        tokenizer_source = self.folder if (self.folder / "tokenizer_config.json").is_file() else self.base
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_source)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        if self.use_adapter:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(self.folder))
            if self.merge:
                model = model.merge_and_unload()
        return model.to(device).eval(), tokenizer

    def own_prompts(self, prompts: Sequence[Prompt]) -> list[tuple[str, Prompt]]:
        """(text, prompt) rebuilt with the training-time strategy, for the same examples."""
        rebuilt = self.strategy.build([prompt.example for prompt in prompts])
        texts = []
        for prompt in rebuilt:
            if prompt.text is None:
                messages = [{"role": r, "content": c} for r, c in prompt.messages or ()]
                texts.append(self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
            else:
                texts.append(prompt.text)
        return list(zip(texts, rebuilt))

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        if self.delegate is not None:
            mine = self.strategy.build([prompt.example for prompt in prompts])
            answers = self.delegate.predict(mine)
            return [self.translate(run, own, answer) for run, own, answer in zip(prompts, mine, answers)]
        own = self.own_prompts(prompts)
        if self.answer_mode == "score":
            return [self.score_one(run_prompt, text, mine) for run_prompt, (text, mine) in zip(prompts, own)]
        answers = backend.generate(
            self.model, self.tokenizer, [text for text, _ in own], self.max_length, self.max_new_tokens
        )
        return [
            self.read_answer(run_prompt, mine, answer) for run_prompt, (_, mine), answer in zip(prompts, own, answers)
        ]

    def translate(self, run_prompt: Prompt, mine: Prompt, answer: Completion) -> Completion:
        if answer.choice_logprobs:
            return self.relabel(run_prompt, mine, dict(answer.choice_logprobs))
        return self.read_answer(run_prompt, mine, answer.text or "")

    def score_one(self, run_prompt: Prompt, text: str, mine: Prompt) -> Completion:
        scores = backend.score_choices(self.model, self.tokenizer, text, mine.choices, self.max_length)
        return self.relabel(run_prompt, mine, dict(zip(mine.choices, scores)))

    def relabel(self, run_prompt: Prompt, mine: Prompt, scores: dict[str, float]) -> Completion:
        by_label = {mine.answer_map[choice]: value for choice, value in scores.items()}
        # Report under the run prompt's choice strings so the harness reads them with its answer map.
        logprobs = {choice: by_label[label] for choice, label in run_prompt.answer_map.items() if label in by_label}
        return Completion(run_prompt.example.example_id, choice_logprobs=logprobs)

    def read_answer(self, run_prompt: Prompt, mine: Prompt, answer: str) -> Completion:
        """A generated answer naming one of our choices is reported as the run prompt's choice for that label."""
        label = next((lab for choice, lab in mine.answer_map.items() if normalise(choice) == normalise(answer)), None)
        choice = next((c for c, lab in run_prompt.answer_map.items() if lab == label), None) if label else None
        return Completion(run_prompt.example.example_id, text=choice if choice is not None else answer)

    def info(self) -> dict[str, Any]:
        return {
            "checkpoint": str(self.folder),
            "fingerprint": self.record.get("fingerprint"),
            "base": self.base,
            "adapter": self.use_adapter,
            "merge": self.merge or self.backend == "hf",
            "backend": self.backend,
            "mode": self.answer_mode,
            "prompt": self.prompt_name,
            "prompt_options": dict(self.prompt_options),
            "max_length": self.max_length,
        }


@hookimpl
def ercbench_register_models(register):
    register(DialogueLLM)


# `ercbench ablate` lives in its own module; importing its hook here makes it part of this plugin.
from plugins.models.dialogue_llm_ablation import ercbench_register_commands  # noqa: E402,F401
