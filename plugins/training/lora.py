"""Trainer `lora`: DialogueLLM-style LoRA instruction tuning (peft + transformers Trainer) on tasks' train splits."""

from __future__ import annotations

import errno
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from harness.errors import ConfigError, ErcbenchError
from harness.sdk import CliFlag, LossCurve, RunContext, Task, Trainer, hookimpl
from harness.sdk.options import option
from plugins.training import lora_data, lora_model, lora_output, lora_run, lora_world
from plugins.training.lora_settings import LoraSettings, settings_of


class TrainingError(ErcbenchError):
    """Training stopped (disk full, out of memory); names the last good checkpoint."""


class LoraTrainer(Trainer):
    """LoRA on a causal LM with answer-only loss, dev-based model selection and resumable checkpoints."""

    name = "lora"
    description = "LoRA instruction tuning (DialogueLLM defaults: r=8, alpha=64, q_proj/v_proj, lr 3e-4, 3 epochs)"
    default = True
    cli_flags = (
        CliFlag("--template", "prompt.template", "Prompt template, e.g. dialoguellm."),
        CliFlag("--context", "prompt.window", "Context window: a number of earlier turns, or 'all'."),
        CliFlag("--descriptions", "prompt.descriptions", "Show utterance descriptions.", ("on", "off")),
        CliFlag("--loss-on-prompt", "loss_on_prompt", "Whole-sequence loss (the paper's), not answer-only.",
                switch=True),
    )

    class Options(LoraSettings):
        # How to run, not what is trained: kept out of the run's identity (self.settings).
        resume: bool = option(False, "continue from the last good checkpoint in the output folder")
        overwrite: bool = option(False, "replace a different run already in the output folder")

    config: Options

    def __init__(self, **options: Any):
        super().__init__(**options)
        self.resume = self.config.resume
        self.overwrite = self.config.overwrite
        self.settings = settings_of(self.config)
        #: extra transformers TrainerCallbacks (tests use one to interrupt a run)
        self.callbacks: list[Any] = []
        self.console: Any = None

    @classmethod
    def loss_curve(cls, folder: Path) -> LossCurve | None:
        return lora_output.loss_curve(folder)

    def records(self, tasks: Sequence[Task], split: str, tokenizer: Any, limit: int,
                context: RunContext) -> list[lora_data.Record]:
        """Prompts built per task by the registry's strategy, exactly as evaluation builds them."""
        strategy = lora_data.make_strategy(self.settings.prompt, dict(self.settings.prompt_options), context)
        records: list[lora_data.Record] = []
        for task in tasks:
            strategy.prepare(task, context.with_seed(self.settings.seed))
            records.extend(lora_data.build_records(strategy, lora_data.split_examples([task], split, limit), tokenizer))
        self.prompt_info = {"name": self.settings.prompt, "options": strategy.info()}
        return records

    def identity(self, tasks: Sequence[Task], files: Mapping[str, str]) -> dict[str, Any]:
        """Everything that decides the trained weights: base, data, prompts, hyperparameters."""
        return {
            "base": self.settings.base,
            "revision": self.settings.revision,
            "tasks": [{"name": t.name, "options": dict(t.options)} for t in tasks],
            "data_sha256": dict(files),
            "prompt": self.prompt_info,
            "settings": self.settings.to_json(),
        }

    def train(self, tasks: Sequence[Task], out_dir: Path, context: RunContext) -> Mapping[str, Any]:
        if not tasks:
            raise ConfigError("lora: give at least one task to train on")
        settings, out_dir = self.settings, Path(out_dir)
        world = lora_world.join(lora_model.pick_device(settings.device), context.world)  # one process, or DDP's rank
        plan = lora_world.layout(settings, world.size)
        tokenizer = lora_model.load_tokenizer(settings.base)
        train_records = self.records(tasks, "train", tokenizer, settings.train_limit, context)
        dev_records = self.records(tasks, "dev", tokenizer, settings.dev_limit, context)
        files = lora_data.data_files(tasks)
        identity = self.identity(tasks, files)
        existed = out_dir.exists()
        ours = self.overwrite or not (existed and any(out_dir.iterdir()))
        # Rank 0 checks and claims --out while the other processes wait.
        key = world.first(lambda: lora_output.prepare_folder(out_dir, identity, self.resume, self.overwrite))
        checkpoint = lora_output.last_good_checkpoint(out_dir) if self.resume else None
        started = time.perf_counter()
        try:
            trainer = world.together(lambda: self.make_trainer(tokenizer, (train_records, dev_records), out_dir, plan,
                                                               world))
        except BaseException:
            if ours and world.is_main:  # set-up failed (model, LoRA modules, ...): leave --out as it was
                lora_output.discard(out_dir, keep_folder=existed)
            raise
        self.run_training(trainer, out_dir, checkpoint)
        record = {
            **identity,
            "fingerprint": key,
            "format": "dialoguellm-checkpoint/1",
            "n_train": len(train_records),
            "n_dev": len(dev_records),
            "seed": settings.seed,
            "resumed_from": str(checkpoint) if checkpoint else None,
            **self.outcome(trainer),
            "duration_s": time.perf_counter() - started,
            "libraries": lora_output.library_versions(),
            "world": plan.to_json(),
        }
        world.first(lambda: self.save(trainer, tokenizer, out_dir, record))  # one writer; the others wait for it
        return record

    def save(self, trainer: Any, tokenizer: Any, out_dir: Path, record: Mapping[str, Any]) -> None:
        """The adapter, tokenizer, log, loss curve and dialoguellm.json (last: it marks a finished run)."""
        trainer.model.save_pretrained(out_dir, safe_serialization=True)
        tokenizer.save_pretrained(out_dir)
        lora_output.write_log(out_dir, trainer.state.log_history)
        lora_output.plot_losses(out_dir, trainer.state.log_history)
        lora_output.write_record(out_dir, record)

    def outcome(self, trainer: Any) -> dict[str, Any]:
        """What the Trainer's state says about the run: selection, per-epoch metrics, steps, tokens, time."""
        state, history = trainer.state, trainer.state.log_history
        return {
            "selection": {
                "metric": self.settings.selection,
                "best_checkpoint": state.best_model_checkpoint,
                "best_value": state.best_metric,
            },
            "epochs": lora_output.epoch_metrics(history),
            "global_steps": state.global_step,
            "n_train_tokens": sum(len(row["input_ids"]) for row in trainer.train_dataset),
            "train_runtime_s": next((e["train_runtime"] for e in reversed(history) if "train_runtime" in e), None),
        }

    def make_trainer(self, tokenizer: Any, records: tuple[list, list], out_dir: Path, plan: lora_world.Layout,
                     world: lora_world.World) -> Any:
        from transformers import PrinterCallback, set_seed

        settings, (train_records, dev_records) = self.settings, records
        device = lora_world.process_device(lora_model.pick_device(settings.device), world)
        precision = lora_model.pick_precision(settings, device)
        set_seed(settings.seed)  # LoRA's A matrices are drawn at random: same seed, same start
        model = lora_model.wrap_lora(lora_model.load_base(settings, device, precision), settings)

        def encode(records: list) -> list[dict]:
            return [
                lora_data.tokenize_record(r, tokenizer, settings.max_length, settings.loss_on_prompt) for r in records
            ]

        trainer = lora_run.trainer_class(dev_records, tokenizer, settings)(
            model=model,
            args=lora_run.training_arguments(settings, out_dir, precision, device, plan),
            train_dataset=encode(train_records),
            eval_dataset=encode(dev_records),
            data_collator=lora_data.PadCollator(tokenizer.pad_token_id),
            callbacks=lora_run.callbacks(out_dir, self.console, world.is_main)
            + [lora_world.world_callback(plan)]
            + list(self.callbacks),
        )
        trainer.remove_callback(PrinterCallback)  # rich progress replaces the raw dict printing
        return trainer

    def run_training(self, trainer: Any, out_dir: Path, checkpoint: Path | None) -> None:
        """Train; turn disk-full and out-of-memory into one clear error naming the last good checkpoint."""
        import torch

        try:
            trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        except (OSError, torch.OutOfMemoryError, RuntimeError) as exc:
            out_of_disk = isinstance(exc, OSError) and exc.errno == errno.ENOSPC
            out_of_memory = isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()
            if not (out_of_disk or out_of_memory):
                raise
            good = lora_output.last_good_checkpoint(out_dir)
            kept = f"last good checkpoint: {good}; rerun with --resume" if good else "no checkpoint was completed"
            what = "out of disk space" if out_of_disk else "out of memory (try a smaller micro_batch_size)"
            raise TrainingError(f"lora: {what} at step {trainer.state.global_step}; {kept}") from None


@hookimpl
def ercbench_register_trainers(register):
    register(LoraTrainer)
