"""The checkpoint folder: run fingerprint guard, dialoguellm.json, training_log.csv and the loss curve read from it."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Iterable, Mapping

from harness.errors import ConfigError, DataError
from harness.sdk import LossCurve
from harness.sdk.files import write_json_atomic

RECORD_FILE = "dialoguellm.json"
RUN_FILE = "training_run.json"  # written at the start, so a resumed run can prove it is the same run
LOG_FILE = "training_log.csv"
CURVE_FILE = "loss_curve.png"
CHECKPOINT_PREFIX = "checkpoint-"
LOG_COLUMNS = ("step", "epoch", "loss", "learning_rate", "grad_norm", "eval_loss", "eval_weighted_f1")


def fingerprint(identity: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def prepare_folder(out_dir: Path, identity: Mapping[str, Any], resume: bool, overwrite: bool) -> str:
    """Check the output folder holds nothing, or this very run; returns the run fingerprint."""
    key = fingerprint(identity)
    if out_dir.exists() and any(out_dir.iterdir()):
        recorded = _recorded_key(out_dir)
        if overwrite:
            shutil.rmtree(out_dir)
        elif recorded is None:
            raise ConfigError(
                f"lora: output folder {out_dir} is not empty and holds no training run; pass --overwrite to replace it"
            )
        elif recorded != key:
            raise ConfigError(
                f"lora: output folder {out_dir} holds a different run (other base, data or settings); "
                "pass --overwrite to replace it, or choose another --out"
            )
        elif not resume:
            raise ConfigError(
                f"lora: output folder {out_dir} already holds this run; pass --resume to continue it or --overwrite"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out_dir / RUN_FILE, {"fingerprint": key, "identity": dict(identity)})
    return key


def discard(out_dir: Path, keep_folder: bool) -> None:
    """Remove what a run that never started wrote; a folder the user made beforehand stays, empty."""
    if keep_folder:
        for path in out_dir.iterdir():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    else:
        shutil.rmtree(out_dir, ignore_errors=True)


def _recorded_key(out_dir: Path) -> str | None:
    path = out_dir / RUN_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("fingerprint")
    except (json.JSONDecodeError, AttributeError):
        return None


def last_good_checkpoint(out_dir: Path) -> Path | None:
    """The newest checkpoint whose trainer state was written (the Trainer writes it last)."""
    complete = [
        path
        for path in out_dir.glob(f"{CHECKPOINT_PREFIX}*")
        if path.name[len(CHECKPOINT_PREFIX) :].isdigit() and (path / "trainer_state.json").is_file()
    ]
    return max(complete, key=lambda p: int(p.name[len(CHECKPOINT_PREFIX) :]), default=None)


def write_log(out_dir: Path, history: Iterable[Mapping[str, Any]]) -> None:
    """One row per logging or evaluation step, from the Trainer's log history (survives resume)."""
    tmp = out_dir / f".{LOG_FILE}.tmp"
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=LOG_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for entry in history:
            if any(column in entry for column in LOG_COLUMNS[2:]):
                writer.writerow({column: entry.get(column, "") for column in LOG_COLUMNS})
    tmp.replace(out_dir / LOG_FILE)


def read_log(folder: Path) -> list[dict[str, str]]:
    with open(folder / LOG_FILE, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _points(log: Iterable[Mapping[str, str]], column: str) -> tuple[tuple[float, float], ...]:
    return tuple((float(row["step"]), float(row[column])) for row in log if row.get(column) not in (None, ""))


def loss_curve(folder: Path) -> LossCurve | None:
    """Train loss per logging step, dev loss and weighted F1 per evaluation; None without a training log."""
    if not (folder / LOG_FILE).is_file():
        return None
    log = read_log(folder)
    train, dev, f1 = _points(log, "loss"), _points(log, "eval_loss"), _points(log, "eval_weighted_f1")
    if not train and not dev:
        raise DataError(folder / LOG_FILE, "holds no loss values yet")
    return LossCurve(train, dev, ("weighted F1", f1) if f1 else None, title=folder.name)


def plot_losses(out_dir: Path, history: Iterable[Mapping[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    rows = list(history)
    train = [(e["step"], e["loss"]) for e in rows if "loss" in e]
    dev = [(e["step"], e["eval_loss"]) for e in rows if "eval_loss" in e]
    figure, axes = plt.subplots(figsize=(6, 4))
    for points, label in ((train, "train loss"), (dev, "dev loss")):
        if points:
            axes.plot(*zip(*points), marker="o" if label == "dev loss" else None, label=label)
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("loss")
    axes.legend()
    figure.tight_layout()
    figure.savefig(out_dir / CURVE_FILE, dpi=100)
    plt.close(figure)


def epoch_metrics(history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per-epoch mean training loss and the dev metrics of the evaluation closing that epoch."""
    epochs: dict[int, dict[str, Any]] = {}
    for entry in history:
        if "epoch" not in entry:
            continue
        number = max(1, int(-(-entry["epoch"] // 1)))  # epoch 0.4 belongs to epoch 1
        slot = epochs.setdefault(number, {"epoch": number, "train_losses": []})
        if "loss" in entry:
            slot["train_losses"].append(entry["loss"])
        for key in ("eval_loss", "eval_weighted_f1", "eval_accuracy"):
            if key in entry:
                slot["dev_" + key.removeprefix("eval_")] = entry[key]
                slot["step"] = entry["step"]
    result = []
    for number in sorted(epochs):
        slot = epochs[number]
        losses = slot.pop("train_losses")
        slot["train_loss"] = sum(losses) / len(losses) if losses else None
        result.append(slot)
    return result


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "transformers", "peft", "accelerate", "tokenizers", "bitsandbytes", "ercbench"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def write_record(out_dir: Path, record: Mapping[str, Any]) -> Path:
    path = out_dir / RECORD_FILE
    write_json_atomic(path, dict(record))
    return path
