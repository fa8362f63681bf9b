"""LoRA training speed: ercbench's `lora` trainer vs a plain hand-written transformers Trainer + peft script.

CPU (default): a small random LLaMA on the first MELD train utterances; each method runs in its own
process (so peak RSS is its own), alternating for --rounds rounds; prints tokens/s, peak memory, ratio.

GPU: --device cuda --dtype bfloat16 --shape llama2-7b [--load-in-8bit]: a LLaMA-2-7B-shaped model with
random weights (written once to --work), LoRA at micro-batch 4 x length 256; step time, peak memory and
the projected time for 3 epochs over MELD + IEMOCAP + EmoryNLP train, against the paper's 5 h on one A100-40GB.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Train-split sizes (utterances) of the three DialogueLLM training sets, from ../shared/data/README.md.
TRAIN_SIZES = {"meld": 9989, "iemocap": 5163, "emorynlp": 9934}
PAPER_HOURS = 5.0
LLAMA2_7B = dict(
    hidden_size=4096,
    intermediate_size=11008,
    num_hidden_layers=32,
    num_attention_heads=32,
    num_key_value_heads=32,
    vocab_size=32000,
    max_position_embeddings=4096,
)
CPU_SHAPE = dict(
    hidden_size=256,
    intermediate_size=688,
    num_hidden_layers=4,
    num_attention_heads=8,
    num_key_value_heads=8,
    max_position_embeddings=1024,
)


def build_model(folder: Path, shape: str, dtype: str, device: str) -> Path:
    """A random-weight LLaMA of the given shape, saved with a BPE tokenizer (no download needed)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from tests.tinymodels import train_tokenizer

    if (folder / "config.json").is_file():
        return folder
    tokenizer = train_tokenizer(vocab_size=400)
    tokenizer.pad_token = tokenizer.eos_token
    sizes = dict(LLAMA2_7B) if shape == "llama2-7b" else dict(CPU_SHAPE, vocab_size=len(tokenizer))
    config = LlamaConfig(
        **sizes,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    torch.set_default_dtype(getattr(torch, dtype))
    with torch.device(device):
        model = LlamaForCausalLM(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def peak_memory_mb(device: str) -> float:
    import torch

    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def records(limit: int, tokenizer, window: str):
    from harness.context import RunContext
    from harness.discovery import default_registry
    from plugins.training import lora_data

    task = (
        default_registry().get("tasks", "meld").cls(Path(os.environ.get("ERCBENCH_DATA", REPO.parent / "shared/data")))
    )
    strategy = lora_data.make_strategy("zero-shot", {"window": window}, RunContext(default_registry()))
    return lora_data.build_records(strategy, task.examples("train")[:limit], tokenizer)


def worker_ours(args) -> dict:
    from harness.context import RunContext
    from harness.discovery import default_registry

    out = Path(tempfile.mkdtemp(prefix="ours-", dir=args.work))
    trainer = (
        default_registry()
        .get("trainers", "lora")
        .cls(
            base=str(args.base),
            train_limit=str(args.examples),
            dev_limit="8",
            epochs="1",
            batch_size="8",
            micro_batch_size="4",
            max_length=str(args.max_length),
            warmup_steps="2",
            logging_steps="5",
            device=args.device,
            precision=args.precision,
            **{"prompt.window": args.window},
        )
    )
    task = (
        default_registry().get("tasks", "meld").cls(Path(os.environ.get("ERCBENCH_DATA", REPO.parent / "shared/data")))
    )
    record = trainer.train([task], out, RunContext(default_registry()))
    return {
        "tokens": record["n_train_tokens"],
        "seconds": record["train_runtime_s"],
        "peak_mb": peak_memory_mb(args.device),
    }


def plain_rows(args, tokenizer) -> list[dict]:
    """The usual hand-written recipe: tokenize prompt + answer + EOS, truncate on the right, labels = inputs."""
    rows = []
    for record in records(args.examples, tokenizer, args.window):
        text = record.context + record.answer + tokenizer.eos_token
        ids = tokenizer(text, truncation=True, max_length=args.max_length, add_special_tokens=False)["input_ids"]
        rows.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": list(ids)})
    return rows


def worker_plain(args) -> dict:
    """What a user would write by hand: tokenizer(prompt + answer), full-sequence labels, Trainer + peft."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainingArguments

    tokenizer = AutoTokenizer.from_pretrained(args.base)
    rows = plain_rows(args, tokenizer)
    dtype = torch.bfloat16 if args.precision == "bf16" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=dtype)
    model = get_peft_model(
        model,
        LoraConfig(r=8, lora_alpha=64, lora_dropout=0.05, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"),
    )
    out = tempfile.mkdtemp(prefix="plain-", dir=args.work)
    train_args = TrainingArguments(
        output_dir=out,
        per_device_train_batch_size=4,
        gradient_accumulation_steps=2,
        num_train_epochs=1,
        learning_rate=3e-4,
        warmup_steps=2,
        logging_steps=5,
        save_strategy="no",
        report_to=[],
        disable_tqdm=True,
        seed=42,
        bf16=args.precision == "bf16",
        use_cpu=args.device == "cpu",
    )
    trainer = Trainer(
        model=model, args=train_args, train_dataset=rows, data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True)
    )
    result = trainer.train()
    model.save_pretrained(out)
    return {
        "tokens": sum(len(r["input_ids"]) for r in rows),
        "seconds": result.metrics["train_runtime"],
        "peak_mb": peak_memory_mb(args.device),
    }


def random_rows(count: int, vocab: int) -> list[dict]:
    """Fixed-length 256-token rows; the loss on the last 6 tokens, like a short answer."""
    import torch

    from plugins.training.lora_data import IGNORE

    generator = torch.Generator().manual_seed(0)
    rows = []
    for _ in range(count):
        ids = torch.randint(3, vocab, (256,), generator=generator).tolist()
        rows.append({"input_ids": ids, "labels": [IGNORE] * 250 + ids[250:]})
    return rows


def step_clock(device: str, times: list[float]):
    """A TrainerCallback appending the wall time of each optimizer step (GPU work included)."""
    import torch
    from transformers import TrainerCallback

    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    class StepClock(TrainerCallback):
        def on_step_begin(self, a, state, control, **kw):
            sync()
            self.start = time.perf_counter()

        def on_step_end(self, a, state, control, **kw):
            sync()
            times.append(time.perf_counter() - self.start)

    return StepClock()


def worker_gpu(args) -> dict:
    """Our LoRA loading, wrapping and Trainer arguments on the big model: time per optimizer step at 4 x 256."""
    from transformers import Trainer

    from plugins.training import lora_data, lora_model, lora_run
    from plugins.training.lora_settings import parse_settings

    quantization = "8bit" if args.worker == "gpu-8bit" else "none"
    options = dict(batch_size="4", micro_batch_size="4", max_length="256", precision="bf16", warmup_steps="2")
    settings = parse_settings(
        {"base": str(args.base), "quantization": quantization, "logging_steps": "1000", **options}
    )
    model = lora_model.wrap_lora(lora_model.load_base(settings, args.device, "bf16"), settings)
    steps = args.steps + 3
    train_args = lora_run.training_arguments(settings, Path(tempfile.mkdtemp(dir=args.work)), "bf16", args.device)
    train_args.max_steps, train_args.save_strategy, train_args.eval_strategy = steps, "no", "no"
    train_args.load_best_model_at_end = False
    times: list[float] = []
    rows = random_rows(4 * steps, model.config.vocab_size)
    clock = step_clock(args.device, times)
    Trainer(
        model=model, args=train_args, train_dataset=rows, data_collator=lora_data.PadCollator(0), callbacks=[clock]
    ).train()
    measured = sorted(times[3:])  # the first steps warm up kernels and the allocator
    return {"step_s": measured[len(measured) // 2], "peak_mb": peak_memory_mb(args.device), "steps": len(measured)}


def run_worker(args, name: str) -> dict:
    command = [
        sys.executable,
        __file__,
        "--worker",
        name,
        "--base",
        str(args.base),
        "--work",
        str(args.work),
        "--device",
        args.device,
        "--dtype",
        args.dtype,
        "--examples",
        str(args.examples),
        "--max-length",
        str(args.max_length),
        "--window",
        args.window,
        "--steps",
        str(args.steps),
        "--shape",
        args.shape,
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"error": " | ".join(tail)}
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def cpu_report(args) -> None:
    results: dict[str, list[dict]] = {"ours": [], "plain": []}
    for _ in range(args.rounds):  # alternate, so a busy machine slows both alike
        for name in results:
            results[name].append(run_worker(args, name))
    print(f"| method | tokens | tokens/s (median of {args.rounds}) | peak RSS MB |")
    print("|---|---|---|---|")
    speeds = {}
    for name, runs in results.items():
        good = [r for r in runs if "error" not in r]
        if not good:
            print(f"| {name} | failed: {runs[0]['error']} | | |")
            continue
        speeds[name] = median([r["tokens"] / r["seconds"] for r in good])
        print(f"| {name} | {good[0]['tokens']} | {speeds[name]:.0f} | {median([r['peak_mb'] for r in good]):.0f} |")
    if len(speeds) == 2:
        print(f"\nratio ours/plain tokens/s: {speeds['ours'] / speeds['plain']:.2f}")


def gpu_report(args) -> None:
    names = ["gpu-bf16"]
    if args.load_in_8bit:
        try:
            import bitsandbytes  # noqa: F401

            names.append("gpu-8bit")
        except ImportError:
            print("bitsandbytes is not installed: skipping the 8-bit run (pip install bitsandbytes)")
    examples = sum(TRAIN_SIZES.values())
    print(
        f"| mode | step s (4 x 256) | peak MB ({args.device}) | projected 3 epochs over {examples} utterances | paper |"
    )
    print("|---|---|---|---|---|")
    for name in names:
        result = run_worker(args, name)
        if "error" in result:
            print(f"| {name} | failed: {result['error']} | | | |")
            continue
        hours = 3 * math.ceil(examples / 4) * result["step_s"] / 3600
        print(
            f"| {name} | {result['step_s']:.3f} | {result['peak_mb']:.0f} | {hours:.2f} h "
            f"(upper bound: every sequence at 256 tokens) | {PAPER_HOURS:.0f} h, 1x A100-40GB |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    parser.add_argument("--shape", default="small", choices=["small", "llama2-7b"])
    parser.add_argument("--load-in-8bit", action="store_true")
    parser.add_argument("--examples", type=int, default=64, help="MELD train utterances (CPU mode)")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--window", default="2", help="context turns in the prompt (CPU mode)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10, help="measured optimizer steps (GPU mode)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the random model and outputs")
    parser.add_argument("--base", type=Path, default=None, help="reuse a model folder instead of building one")
    parser.add_argument(
        "--report",
        choices=["compare", "step"],
        default=None,
        help="compare: ours vs plain (default for --shape small); step: step time and projection",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.precision = "bf16" if args.dtype == "bfloat16" else "fp32"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.worker:
        worker = {"ours": worker_ours, "plain": worker_plain}.get(args.worker, worker_gpu)
        print(json.dumps(worker(args)))
        return
    args.work = args.work or Path(tempfile.mkdtemp(prefix="train-speed-"))
    args.base = args.base or build_model(args.work / f"base-{args.shape}", args.shape, args.dtype, args.device)
    report = args.report or ("step" if args.shape == "llama2-7b" else "compare")
    (gpu_report if report == "step" else cpu_report)(args)


if __name__ == "__main__":
    main()
