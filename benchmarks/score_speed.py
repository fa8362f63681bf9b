"""Label-scoring speed of the path a user runs (`ercbench run -m hf:MODEL --model-opt mode=score`)
vs lm-eval's hf backend.

Run from the repository root:
    python benchmarks/score_speed.py --limit 40                   # CPU, small random LLaMA, Qwen2.5 tokenizer
    python benchmarks/score_speed.py --device cuda --dtype bfloat16 --shape qwen2.5-7b   # full test splits

Ours is the pipeline itself (registry, zero-shot prompts, the hf model with default options,
predictions written to a results folder) with only the weights' loading replaced by the
in-memory model; lm-eval's HFLM gets the same model object and the same (prompt, choice) pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
REAL_TOKENIZER = ROOT.parent / "shared" / "tokenizers" / "qwen2.5"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from benchmarks.speed_parts import SIZES, block_flops, build_model, build_tokenizers, matmul_peak, meld_task  # noqa: E402


def ours(model, tokenizer, task: str, window: str, args, results: Path, mode: str = "score") -> dict:
    """`ercbench run` in-process with default hf options; returns scores per example id, timing, counts."""
    from harness.context import RunContext
    from harness.discovery import default_registry
    from harness.lm import loading
    from harness.run import pipeline
    from harness.types import RunSpec

    info = {"path": "in-memory", "device": str(next(model.parameters()).device), "dtype": args.dtype_now}
    loaded = loading.LoadedLM(model, tokenizer, info)
    spec = RunSpec(task=task, prompt="zero-shot", model="hf:in-memory", split="test", limit=args.limit,
                   prompt_args={"window": window}, model_args={"mode": mode, **args.model_opts})
    with mock.patch.object(loading, "load_lm", lambda *a, **k: loaded):
        result, folder = pipeline.run(spec, RunContext(default_registry(), data_dir=args.data_dir), results_dir=results)
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    return {"scores": {row["id"]: row.get("logprobs") or row["raw"] for row in rows}, "timing": dict(result.timing),
            "compute": dict(result.model_info["compute"])}


def lm_eval_run(lm, prompts) -> tuple[float, dict]:
    """lm-eval's loglikelihood over every (prompt, choice) pair; seconds and scores by label per id."""
    from lm_eval.api.instance import Instance

    instances = [Instance(request_type="loglikelihood", doc={}, arguments=(p.text, c), idx=i)
                 for p in prompts for i, c in enumerate(p.choices)]
    start = time.perf_counter()
    values = iter(value for value, _ in lm.loglikelihood(instances, disable_tqdm=True))
    seconds = time.perf_counter() - start
    return seconds, {p.example.example_id: {p.answer_map[c]: next(values) for c in p.choices} for p in prompts}


def generation_row(model, tokenizer, lm, args, reference: dict | None) -> dict:
    """Greedy generation (max 10 new tokens, stop at a newline): ours vs lm-eval's generate_until, and
    each one's text against a float32 reference (ours in float32) where there is one."""
    from lm_eval.api.instance import Instance

    prompts = prompts_for("meld", "5", args)
    mine = ours(model, tokenizer, "meld", "5", args, Path(tempfile.mkdtemp()), mode="generate")
    until = {"until": ["\n"], "max_gen_toks": 10, "do_sample": False}
    instances = [Instance(request_type="generate_until", doc={}, arguments=(p.text, until), idx=0) for p in prompts]
    start = time.perf_counter()
    texts = lm.generate_until(instances, disable_tqdm=True)
    seconds = time.perf_counter() - start
    theirs = {p.example.example_id: t for p, t in zip(prompts, texts)}
    row = {"n": len(prompts), "ours_ex_s": len(prompts) / mine["timing"]["model_s"],
           "lm_eval_ex_s": len(prompts) / seconds, "same_text": same_text(mine["scores"], theirs)}
    if reference:
        row["ours_vs_fp32"], row["lm_eval_vs_fp32"] = same_text(mine["scores"], reference), same_text(theirs, reference)
    return row


def same_text(a: dict, b: dict) -> float:
    """Share of the ids both generated for whose texts are equal (surrounding whitespace aside)."""
    ids = a.keys() & b.keys()
    return sum(str(a[i]).strip() == str(b[i]).strip() for i in ids) / len(ids)


def compare(a: dict, b: dict) -> tuple[float, float]:
    """Argmax agreement and max |log-prob difference| over the ids both scored."""
    ids = a.keys() & b.keys()
    agree = sum(max(a[i], key=a[i].get) == max(b[i], key=b[i].get) for i in ids) / len(ids)
    return agree, max(abs(a[i][label] - b[i][label]) for i in ids for label in a[i])


def prompts_for(task: str, window: str, args):
    from harness.discovery import default_registry

    examples = meld_task(args.data_dir, task).examples("test")
    strategy = default_registry().get("prompts", "zero-shot").cls(window=window)
    return strategy.build(examples[: args.limit] if args.limit else examples)


def measure_all(model, tokenizer, configs, args, peak, references: dict) -> list[dict]:
    from lm_eval.models.huggingface import HFLM

    lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=args.lm_eval_batch_size, device=args.device)
    encode = lambda text: tokenizer(text)["input_ids"]  # noqa: E731
    rows = []
    for task, window in configs:
        prompts = prompts_for(task, window, args)
        ours(model, tokenizer, task, window, argparse.Namespace(**{**vars(args), "limit": 4}), Path(tempfile.mkdtemp()))
        mine = ours(model, tokenizer, task, window, args, Path(tempfile.mkdtemp()))
        theirs_s, theirs = lm_eval_run(lm, prompts)
        ours_s = mine["timing"]["model_s"]
        flops = block_flops(model, prompts, encode)
        row = {"task": task, "window": window, "n": len(prompts), "ours_ex_s": len(prompts) / ours_s,
               "lm_eval_ex_s": len(prompts) / theirs_s, "ours_peak": flops / ours_s / 1e9 / peak,
               "lm_eval_peak": flops / theirs_s / 1e9 / peak, "compute": mine["compute"]}
        row["agree"], row["max_diff"] = compare(mine["scores"], theirs)
        if (task, window) in references:
            reference = references[(task, window)]
            row["ours_vs_fp32"] = compare(mine["scores"], reference)
            row["lm_eval_vs_fp32"] = compare(theirs, reference)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.generate:
        args.generation = generation_row(model, tokenizer, lm, args, references.get("generate"))
        print(json.dumps(args.generation), flush=True)
    return rows


def print_table(rows, args, peak) -> None:
    print(f"\nmodel: random {args.shape}, device={args.device}, dtype={args.dtype}, "
          f"tokenizer={args.tokenizer or 'meld-bpe32k'}; "
          f"lm-eval hf batch_size={args.lm_eval_batch_size}; ours: ercbench run defaults {args.model_opts or ''}")
    print(f"measured matmul peak ({args.dtype}): {peak / 1000:.2f} TFLOP/s; peak share counts every context token once "
          "plus every choice token through the blocks' linear layers\n")
    print("| task | window | n | ours ex/s | lm-eval ex/s | ratio | ours % peak | lm-eval % peak | argmax agree "
          "| max diff | attention computed / tree | scores per pass (max) | passes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c = r["compute"]
        print(f"| {r['task']} | {r['window']} | {r['n']} | {r['ours_ex_s']:.1f} | {r['lm_eval_ex_s']:.1f} | "
              f"{r['ours_ex_s'] / r['lm_eval_ex_s']:.2f}x | {r['ours_peak']:.0%} | {r['lm_eval_peak']:.0%} | "
              f"{r['agree']:.1%} | {r['max_diff']:.1e} | {c['attention_scores'] / max(1, c['tree_scores']):.2f} | "
              f"{c['max_pass_scores']:.2e} | {c['passes']} |")
    if args.generate:
        g = args.generation
        print(f"\ngeneration (MELD window 5, greedy, 10 new tokens, stop at newline), n={g['n']}: ours "
              f"{g['ours_ex_s']:.1f} ex/s, lm-eval generate_until {g['lm_eval_ex_s']:.1f} ex/s, "
              f"ratio {g['ours_ex_s'] / g['lm_eval_ex_s']:.2f}x, same text {g['same_text']:.1%}")
        if "ours_vs_fp32" in g:
            print(f"same text as a float32 reference (ours in float32, first {args.reference_limit}): ours "
                  f"{g['ours_vs_fp32']:.1%}, lm-eval {g['lm_eval_vs_fp32']:.1%}")
    with_ref = [r for r in rows if "ours_vs_fp32" in r]
    if with_ref:
        print(f"\n{args.dtype} against a float32 reference (ours, the first {args.reference_limit} prompts of each): "
              "argmax agreement and max |diff|\n")
        print("| task | window | ours agree | ours max diff | lm-eval agree | lm-eval max diff |")
        print("|---|---|---|---|---|---|")
        for r in with_ref:
            (oa, od), (la, ld) = r["ours_vs_fp32"], r["lm_eval_vs_fp32"]
            print(f"| {r['task']} | {r['window']} | {oa:.2%} | {od:.3f} | {la:.2%} | {ld:.3f} |")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N test examples per task (default: all)")
    parser.add_argument("--tasks", default="meld,emorynlp")
    parser.add_argument("--windows", default="5,all")
    parser.add_argument("--tokenizer", default=str(REAL_TOKENIZER) if REAL_TOKENIZER.is_dir() else None,
                        help="a tokenizer folder (default: ../shared/tokenizers/qwen2.5, the realistic vocabulary; "
                             "'meld-bpe32k' or no shared folder: a 32k BPE trained on MELD)")
    parser.add_argument("--shape", default="small", choices=sorted(SIZES) + ["qwen2.5-7b"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    parser.add_argument("--reference", choices=["on", "off"], default="on",
                        help="with a low-precision dtype, also score in float32 first and compare both tools to it")
    parser.add_argument("--reference-limit", type=int, default=300, help="examples per configuration for the reference")
    parser.add_argument("--lm-eval-batch-size", type=int, default=64)
    parser.add_argument("--model-opt", action="append", default=[], help="extra K=V for our hf model (default: none)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--generate", action="store_true", help="also time greedy generation against generate_until")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("ERCBENCH_DATA", ROOT.parent / "shared" / "data")))
    args = parser.parse_args(argv)
    args.model_opts = dict(item.split("=", 1) for item in args.model_opt)
    return args


def load_tokenizer(args):
    if not args.tokenizer or args.tokenizer == "meld-bpe32k":
        return build_tokenizers(meld_task(args.data_dir), ["meld-bpe32k"])["meld-bpe32k"]
    from harness.lm.loading import load_tokenizer as shared

    return shared(args.tokenizer)[0]


def main(argv=None) -> None:
    import torch

    args = parse_args(argv)
    print(f"load average at the start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    tokenizer = load_tokenizer(args)
    configs = [(task, window) for task in args.tasks.split(",") for window in args.windows.split(",")]
    references = {}
    start_dtype = "float32" if args.dtype != "float32" and args.reference == "on" else args.dtype
    model = build_model(args.shape, args.device, start_dtype, {"t": tokenizer})
    if start_dtype != args.dtype:
        short = argparse.Namespace(**{**vars(args), "dtype_now": "float32",
                                      "limit": min(args.limit or args.reference_limit, args.reference_limit)})
        for task, window in configs:
            references[(task, window)] = ours(model, tokenizer, task, window, short, Path(tempfile.mkdtemp()))["scores"]
        if args.generate:
            references["generate"] = ours(model, tokenizer, "meld", "5", short, Path(tempfile.mkdtemp()),
                                          mode="generate")["scores"]
        model = model.to(getattr(torch, args.dtype))
    args.dtype_now = args.dtype
    peak = matmul_peak(args.device, args.dtype)
    rows = measure_all(model, tokenizer, configs, args, peak, references)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print_table(rows, args, peak)


if __name__ == "__main__":
    main()
