"""The transformers side of LoRA training: arguments, dev F1 scoring, rich progress and log callbacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from harness.sdk import metrics
from plugins.training.lora_data import IGNORE, Record, tokenize_record
from plugins.training.lora_output import write_log
from plugins.training.lora_settings import LoraSettings
from plugins.training.lora_world import Layout


def training_arguments(settings: LoraSettings, out_dir: Path, precision: str, device: str, plan: Layout) -> Any:
    """The Trainer's arguments; `plan` splits the effective batch over the processes of the run."""
    from transformers import TrainingArguments

    per_step = (
        {
            "save_strategy": "steps",
            "eval_strategy": "steps",
            "save_steps": settings.save_steps,
            "eval_steps": settings.save_steps,
        }
        if settings.save_steps
        else {"save_strategy": "epoch", "eval_strategy": "epoch"}
    )
    best_metric = "eval_loss" if settings.selection == "loss" else "eval_weighted_f1"
    return TrainingArguments(
        output_dir=str(out_dir),
        per_device_train_batch_size=plan.micro_batch_size,
        per_device_eval_batch_size=plan.micro_batch_size,
        gradient_accumulation_steps=plan.accumulation,
        ddp_find_unused_parameters=False,  # LoRA uses every trainable weight at every step
        learning_rate=settings.lr,
        warmup_steps=settings.warmup_steps,
        num_train_epochs=settings.epochs,
        logging_steps=settings.logging_steps,
        load_best_model_at_end=True,
        metric_for_best_model=best_metric,
        greater_is_better=settings.selection == "f1",
        save_total_limit=None,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device == "cpu",
        seed=settings.seed,
        data_seed=settings.seed,
        report_to=[],
        disable_tqdm=True,
        remove_unused_columns=False,
        **per_step,
    )


def choice_logprobs(model: Any, tokenizer: Any, record: Record, max_length: int) -> dict[str, float]:
    """Sum of log-probs of each choice's tokens after the prompt (the same encoding as training)."""
    from harness.lm.score import score_encoded
    from harness.lm.tokens import EncodedRequest

    requests = []
    for choice in record.answer_map:
        row = tokenize_record(Record(record.example, record.context, choice, {}), tokenizer, max_length, False)
        # tokenize_record appends EOS to the answer (the context is cut as in training); a choice is scored without it.
        ids = row["input_ids"][:-1] if tokenizer.eos_token_id is not None else row["input_ids"]
        answer = sum(label != IGNORE for label in row["labels"]) - (tokenizer.eos_token_id is not None)
        requests.append(EncodedRequest((choice,), tuple(ids[:-answer]), (tuple(ids[-answer:]),)))
    # One request per choice: a choice's length decides how much context is cut, as in training.
    return {choice: value for scores in score_encoded(model, requests) for choice, value in scores.items()}


def dev_scores(model: Any, tokenizer: Any, records: Sequence[Record], max_length: int) -> dict[str, float]:
    """Weighted F1 and accuracy of the argmax choice over the dev records."""
    was_training = model.training
    model.eval()
    gold, predicted = [], []
    for record in records:
        scores = choice_logprobs(model, tokenizer, record, max_length)
        best = max(scores, key=scores.__getitem__)
        gold.append(record.example.gold)
        predicted.append(record.answer_map[best])
    if was_training:
        model.train()
    labels = sorted(set(gold) | set(predicted))
    return {"weighted_f1": metrics.weighted_f1(gold, predicted, labels), "accuracy": metrics.accuracy(gold, predicted)}


def trainer_class(dev_records: Sequence[Record], tokenizer: Any, settings: LoraSettings) -> type:
    """A transformers Trainer that adds dev weighted F1 to each evaluation when selecting on F1."""
    from transformers import Trainer

    class ErcTrainer(Trainer):
        def evaluate(self, *args: Any, **kwargs: Any) -> dict[str, float]:
            output = super().evaluate(*args, **kwargs)
            if settings.selection == "f1":
                extra = {
                    f"eval_{k}": v
                    for k, v in dev_scores(self.model, tokenizer, dev_records, settings.max_length).items()
                }
                output.update(extra)
                self.log(extra)
            return output

    return ErcTrainer


def callbacks(out_dir: Path, console: Any = None, is_main: bool = True) -> list[Any]:
    """The log file and, in the main process only, the progress bar."""
    from transformers import TrainerCallback

    class LogFile(TrainerCallback):
        """Rewrites training_log.csv from the log history at each log, so a killed run keeps it."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            if state.is_world_process_zero:  # one writer in a multi-process run
                write_log(out_dir, state.log_history)

    class RichProgress(TrainerCallback):
        """A rich progress bar with the latest loss, instead of tqdm."""

        def on_train_begin(self, args, state, control, **kwargs):
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            shown = console or Console(stderr=True)
            self.progress = Progress(
                TextColumn("training"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                TextColumn("{task.fields[loss]}"),
                TimeRemainingColumn(),
                console=shown,
                disable=not shown.is_terminal,  # off a terminal (a log file) a bar leaves only junk lines
            )
            self.progress.start()
            self.task = self.progress.add_task("train", total=state.max_steps, completed=state.global_step, loss="")

        def on_step_end(self, args, state, control, **kwargs):
            self.progress.update(self.task, completed=state.global_step)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                self.progress.update(self.task, loss=f"loss {logs['loss']:.4f}")
            if logs and "eval_loss" in logs:
                self.progress.console.print(f"epoch {logs.get('epoch', 0):.2f}: dev loss {logs['eval_loss']:.4f}")

        def on_train_end(self, args, state, control, **kwargs):
            self.progress.stop()

    return [LogFile(), RichProgress() if is_main else TrainerCallback()]
