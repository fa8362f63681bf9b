"""`dialoguellm`: the `hf` model on a checkpoint's base + merged LoRA adapter, given the prompt it was trained on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.errors import ConfigError
from harness.sdk import Completion, Counters, Model, Prompt, RequiredPrompt, RunContext, Task, hookimpl
from harness.sdk.options import option
from plugins.models.hf_causal import HFCausal

RECORD_FILE = "dialoguellm.json"
PROMPT_PREFIX = "prompt."
MODES = ("score", "generate")
#: options of the former own backend; named in the refusal so old scripts get a clear line
REMOVED = {"backend": "scoring always runs through the hf model", "merge": "the adapter is always merged"}
OVERRIDE_HINT = "evaluate the checkpoint off its recipe with --model-opt prompt.K=V (or prompt=NAME)"


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


def prompt_overrides(options: Mapping[str, str]) -> dict[str, str]:
    """prompt.K=V model options: prompt options that differ from the recorded ones, on purpose."""
    return {key[len(PROMPT_PREFIX) :]: value for key, value in options.items() if key.startswith(PROMPT_PREFIX)}


class DialogueLLM(Model):
    """A checkpoint of `ercbench train`: its recorded base and adapter, run by the `hf` model.

    The prompt is not built here: `prompt_for` tells the run's set-up which strategy and options the
    checkpoint was trained with, and the prompt stage builds exactly those prompts.
    """

    name = "dialoguellm"
    description = (
        "base + LoRA adapter from `ercbench train` (-m dialoguellm:DIR), run by the hf model with the recorded prompt;"
        " mode=score|generate, adapter=on|off, base=PATH, prompt.K=V, and any hf option"
    )

    class Options(HFCausal.Options):  # every hf option too, handed on to the hf model
        target: str = option("", "the checkpoint folder from `ercbench train` (given as -m dialoguellm:DIR)")
        mode: str = option("score", "score every label, or generate text to parse", choices=MODES)
        # On/off here, where hf's adapter is a folder: the folder is the checkpoint's own.
        adapter: bool = option(True, "apply the LoRA adapter (off: the base model, same prompts)")  # type: ignore[assignment]
        base: str = option("", "the base model folder (default: the one recorded at training)")
        prompt: str = option("", "evaluate with another prompt strategy than the recorded one")
        prompt_options: Mapping[str, str] = option(help="override a recorded prompt option", prefix=PROMPT_PREFIX)

    config: Options

    def __init__(self, **options: str):
        removed = sorted(key for key in options if key in REMOVED)
        if removed:
            reasons = "; ".join(f"{key}: {REMOVED[key]}" for key in removed)
            raise ConfigError(f"dialoguellm: option(s) {', '.join(removed)} no longer exist ({reasons}); drop them")
        super().__init__(**options)
        self.folder, self.record = read_record(self.config.target or None)
        self.use_adapter = self.config.adapter
        self.base = self.config.base or self.record["base"]
        self.check_base()
        own = {"target", "mode", "adapter", "base", "prompt"}
        hf_options = {key: value for key, value in self.options.items()
                      if key not in own and not key.startswith(PROMPT_PREFIX)}
        # Training cut sequences at its max_length; evaluation, like the paper's inference code, does not,
        # unless the user asks (max_length=N: the hf model's left cut, which never loses the target).
        self.hf = HFCausal(
            target=self.base, adapter=str(self.folder) if self.use_adapter else "", mode=self.config.mode,
            **hf_options,
        )
        self.answer_mode = self.hf.answer_mode

    @classmethod
    def prompt_for(cls, target: str | None, options: Mapping[str, str]) -> RequiredPrompt:
        """The strategy and options recorded at training, with any prompt=NAME / prompt.K=V override applied."""
        folder, record = read_record(target)
        recorded = record["prompt"]
        # The record holds the strategy's info(): its options, and what prepare chose (k-shot's list of
        # demonstrations), which is not an option.
        options_given = {key: value for key, value in recorded["options"].items() if isinstance(value, str)}
        return RequiredPrompt(
            name=options.get("prompt") or recorded["name"],
            options={**options_given, **prompt_overrides(options)},
            source=str(folder / RECORD_FILE),
            override_hint=OVERRIDE_HINT,
        )

    # Read-only here: the wrapped hf model decides, where Model's is a plain attribute.
    @property
    def preferred_batch_size(self) -> int | None:  # type: ignore[override]
        """The hf model's wish for examples per predict call (whole splits on a GPU)."""
        return getattr(self.hf, "preferred_batch_size", None)

    def check_base(self) -> None:
        """A base folder that is gone is refused when the run is set up, naming where it was recorded."""
        base = Path(self.base).expanduser()
        if self.base.startswith((".", "/", "~")) and not base.exists():
            raise ConfigError(
                f"dialoguellm: base model {self.base!r} (recorded in {self.folder / RECORD_FILE}) does not exist;"
                " override with --model-opt base=PATH"
            )

    def prepare(self, task: Task, context: RunContext) -> None:
        self.hf.prepare(task, context)

    def fingerprint(self) -> dict[str, str]:
        """sha256 of the base model's and the checkpoint's files: part of the run key."""
        from harness.sdk.fingerprint import path_fingerprint

        adapter = self.folder if self.use_adapter else None
        return {**path_fingerprint("base", self.base), **path_fingerprint("adapter", adapter)}

    def predict(self, prompts: Sequence[Prompt]) -> list[Completion]:
        return self.hf.predict(prompts)

    def counters(self) -> Counters | None:
        return self.hf.counters()

    def info(self) -> dict[str, Any]:
        return {
            **self.hf.info(),
            "checkpoint": str(self.folder),
            "fingerprint": self.record.get("fingerprint"),
            "base": self.base,
            "adapter": self.use_adapter,
        }


@hookimpl
def ercbench_register_models(register):
    register(DialogueLLM)


# `ercbench ablate` lives in its own module; importing its hook here makes it part of this plugin.
from plugins.models.dialogue_llm_ablation import ercbench_register_commands  # noqa: E402,F401
