"""End to end: the `ercbench run` command a user types vs lm-eval's hf backend, each a process timed start to exit.

A random-weight model of a named shape (saved once, bf16, with the real tokenizer) is the folder both load:
    python benchmarks/e2e_speed.py --limit 300                       # CPU: Qwen2.5-0.5B shape, MELD window 5
    python benchmarks/e2e_speed.py --device cuda --shape qwen2.5-7b --cases meld:5,generate,emorynlp:5,meld:all

Ours: `ercbench run -t TASK -p zero-shot -m hf:DIR --model-opt mode=score` at its defaults, in a fresh
results folder (the first case twice: a first sight of the checkpoint, then with the per-user fingerprint
cache warm). lm-eval: benchmarks/lm_eval_cold.py (import, HFLM load, loglikelihood or generate_until) on
the (prompt, choice) pairs of `ercbench export lm-eval`. benchmarks/score_speed.py gives the in-process
breakdown.

Both run as they would on a user's machine: in the user's environment (TOKENIZERS_PARALLELISM as the
user has it), with the Python bytecode of every package compiled once beforehand (a warm-up of each
tool on a tiny model, PYTHONPYCACHEPREFIX where site-packages are read-only) and the weights in the
page cache for both alike; the first-sight row is the first time the measured checkpoint is hashed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_TOKENIZER = ROOT.parent / "shared" / "tokenizers" / "qwen2.5"
sys.path.insert(0, str(ROOT))

#: Qwen2.5's published shapes (their config.json).
SHAPES = {
    "qwen2.5-0.5b": dict(hidden_size=896, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                         intermediate_size=4864, vocab_size=151936, tie_word_embeddings=True),
    "tiny": dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=128, vocab_size=151936, tie_word_embeddings=True),  # the warm-up's
    "qwen2.5-7b": dict(hidden_size=3584, num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
                       intermediate_size=18944, vocab_size=152064, tie_word_embeddings=False),
}


def model_folder(folder: Path, shape: str, tokenizer_dir: Path, device: str) -> Path:
    """Random bf16 weights of `shape` plus the tokenizer, saved as safetensors; reused when already there."""
    marker = folder / "e2e_shape.txt"
    if marker.is_file() and marker.read_text() == shape:
        return folder
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    clock = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    config = Qwen2Config(max_position_embeddings=32768, rope_theta=1000000.0, bos_token_id=tokenizer.bos_token_id,
                         eos_token_id=tokenizer.eos_token_id, dtype="bfloat16", **SHAPES[shape])
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device(device):
        model = Qwen2ForCausalLM(config)
    torch.set_default_dtype(torch.float32)
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder, max_shard_size="4GB")
    tokenizer.save_pretrained(folder)
    marker.write_text(shape)
    del model
    print(f"wrote {shape} random weights to {folder} in {time.perf_counter() - clock:.1f} s", flush=True)
    return folder


def warm_up(args, env: dict) -> None:
    """Each tool once on a tiny model and 4 examples before any clock starts: bytecode compiled, the
    GPU initialised once, and neither tool paying for imports the other already compiled."""
    tiny = model_folder(Path(tempfile.gettempdir()) / "ercbench-e2e-tiny", "tiny", args.tokenizer, "cpu")
    case = {"task": "meld", "window": "5", "mode": "score", "limit": 4}
    warm_env = {**env, "ERCBENCH_FINGERPRINT_CACHE": str(Path(tempfile.mkdtemp(prefix="e2e-warm-")) / "fp.json")}
    clock = time.perf_counter()
    export = export_case(case, env, args.step_timeout)
    mine, theirs = ours(case, tiny, warm_env, args.step_timeout), lm_eval(case, tiny, export, warm_env, args)
    for name, found in (("ercbench", mine), ("lm-eval", theirs)):
        if "error" in found:
            print(f"warm-up of {name} failed: {found['error'].strip().splitlines()[-1:]}", flush=True)
    print(f"warm-up (both tools, tiny model, 4 examples): {time.perf_counter() - clock:.1f} s", flush=True)


def ercbench_command() -> list[str]:
    script = shutil.which("ercbench")
    return [script] if script else [sys.executable, "-m", "harness.cli"]


def timed(command: list[str], env: dict, timeout: float) -> tuple[float | None, str]:
    """Wall seconds from process start to exit (None on failure or timeout), and its output."""
    start = time.perf_counter()
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        return None, (done.stdout + done.stderr)[-2000:]
    return seconds, done.stdout


def case_args(case: dict) -> list[str]:
    args = ["-t", case["task"], "-p", "zero-shot", "--prompt-opt", f"window={case['window']}"]
    return args + (["--limit", str(case["limit"])] if case["limit"] else [])


def ours(case: dict, model: Path, env: dict, timeout: float) -> dict:
    """`ercbench run` in a fresh results folder; wall time and what run.json says of the model's time."""
    results = Path(tempfile.mkdtemp(prefix="e2e-results-"))
    command = ercbench_command() + ["run", *case_args(case), "-m", f"hf:{model}", "--model-opt",
                                    f"mode={case['mode']}", "--results-dir", str(results)]
    wall, output = timed(command, env, timeout)
    if wall is None:
        return {"error": output}
    folder = next(path for path in results.iterdir() if not path.name.startswith("."))
    run = json.loads((folder / "run.json").read_text())
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    answers = {row["id"]: row.get("logprobs") or row["raw"] for row in rows}
    shutil.rmtree(results, ignore_errors=True)
    timing = run["timing"]
    return {"wall_s": wall, "model_s": timing["model_s"], "load_s": timing["model_load_s"],
            "wait_s": timing.get("inputs_wait_s", 0.0), "tokens_fed": run["model_info"]["compute"]["tokens_fed"],
            "answers": answers}


def lm_eval(case: dict, model: Path, export: Path, env: dict, args) -> dict:
    answers = Path(tempfile.mkstemp(suffix=".json")[1])
    command = [sys.executable, str(ROOT / "benchmarks" / "lm_eval_cold.py"), "--model", str(model), "--jsonl",
               str(export), "--mode", case["mode"], "--device", args.device, "--dtype", args.dtype,
               "--batch-size", str(args.lm_eval_batch), "--out", str(answers)]
    wall, output = timed(command, env, args.step_timeout)
    if wall is None:
        return {"error": output}
    found = json.loads(output.strip().splitlines()[-1])
    return {"wall_s": wall, "model_s": found["model_s"], "load_s": found["import_load_s"],
            "tokens_fed": found["tokens_fed"], "answers": json.loads(answers.read_text())}


def export_case(case: dict, env: dict, timeout: float) -> Path:
    out = Path(tempfile.mkdtemp(prefix="e2e-export-"))
    command = ercbench_command() + ["export", "lm-eval", case["task"], *case_args(case)[2:], "--out", str(out)]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=timeout)
    return next(out.glob("*.jsonl"))


def least_work(export: Path, tokenizer_dir: Path) -> int:
    """Every context token once per prompt plus every choice token: what any scorer must feed."""
    from transformers import AutoTokenizer

    from harness.lm.tails import encode_requests_fast

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    rows = [json.loads(line) for line in export.read_text().splitlines()]
    encoded = encode_requests_fast(tokenizer, [(row["text"], row["choices"]) for row in rows])
    return sum(len(request.context) + sum(map(len, request.continuations)) for request in encoded)


def flops_per_token(shape: str) -> float:
    """Multiply-adds x 2 through the transformer blocks' linear layers (as benchmarks/speed_parts.block_flops)."""
    s = SHAPES[shape]
    hidden, kv = s["hidden_size"], s["num_key_value_heads"] * s["hidden_size"] // s["num_attention_heads"]
    return 2 * s["num_hidden_layers"] * (2 * hidden * hidden + 2 * hidden * kv + 3 * hidden * s["intermediate_size"])


def agreement(a: dict, b: dict, mode: str) -> float:
    ids = a.keys() & b.keys()
    if not ids:
        return float("nan")
    if mode == "generate":
        return sum(str(a[i]).strip() == str(b[i]).strip() for i in ids) / len(ids)
    return sum(max(a[i], key=a[i].get) == max(b[i], key=b[i].get) for i in ids) / len(ids)


def parse_cases(text: str, limit: int | None, generate_limit: int) -> list[dict]:
    """'meld:5,generate,emorynlp:5,meld:all' -> cases in that order (generation: MELD window 5)."""
    cases = []
    for item in text.split(","):
        if item == "generate":
            cases.append({"name": f"generation, first {generate_limit} MELD", "task": "meld", "window": "5",
                          "mode": "generate", "limit": generate_limit})
            continue
        task, _, window = item.partition(":")
        name = f"{task}, " + ("full history" if window == "all" else f"window {window}")
        cases.append({"name": name, "task": task, "window": window or "5", "mode": "score", "limit": limit})
    return cases


def measure(case: dict, model: Path, env: dict, args, peak: float, first: bool) -> list[dict]:
    """One row per ercbench attempt (first sight, then warm cache on the first case) against one lm-eval run."""
    export = export_case(case, env, args.step_timeout)
    theirs = lm_eval(case, model, export, env, args)
    # Only the first case sees the checkpoint first: every later run finds its hashes in the cache.
    attempts = [("first sight" if first else "warm cache", ours(case, model, env, args.step_timeout))]
    if first:
        attempts.append(("warm cache", ours(case, model, env, args.step_timeout)))
    needed = least_work(export, args.tokenizer) if case["mode"] == "score" else None
    per_token = flops_per_token(args.shape)
    rows = []
    for label, mine in attempts:
        row = {"case": case["name"], "attempt": label, "ours": mine, "lm_eval": theirs, "least_work_tokens": needed}
        if "error" not in mine and "error" not in theirs:
            row["e2e_ratio"] = theirs["wall_s"] / mine["wall_s"]
            row["model_ratio"] = theirs["model_s"] / mine["model_s"]
            row["agreement"] = agreement(mine["answers"], theirs["answers"], case["mode"])
            if needed:
                row["ours_peak_share"] = needed * per_token / mine["model_s"] / 1e9 / peak
                row["lm_eval_peak_share"] = needed * per_token / theirs["model_s"] / 1e9 / peak
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k not in ("ours", "lm_eval")}
                         | {"ours": strip(mine), "lm_eval": strip(theirs)}), flush=True)
    return rows


def strip(found: dict) -> dict:
    return {key: value for key, value in found.items() if key != "answers"}


def cell(found: dict, key: str, fmt: str = "{:.1f}") -> str:
    value = found.get(key)
    return "error" if "error" in found else ("-" if value is None else fmt.format(value))


def print_table(rows: list[dict], args, peak: float) -> None:
    print(f"\n{args.shape} shape (random bf16 weights on disk, real tokenizer), {args.device}, model dtype "
          f"{args.dtype}; lm-eval hf batch {args.lm_eval_batch}; matmul peak {peak:.0f} GFLOP/s ({args.dtype})\n")
    print("| case | ercbench run | wall s | lm-eval wall s | end to end | ercbench model s (load s, hash wait s) | "
          "lm-eval model s "
          "(import+load s) | model time | tokens fed, ercbench / lm-eval (least work) | share of peak, ercbench / "
          "lm-eval | agreement |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        mine, theirs = row["ours"], row["lm_eval"]
        ratio = f"**{row['e2e_ratio']:.2f}x**" if "e2e_ratio" in row else "-"
        model_ratio = f"{row['model_ratio']:.2f}x" if "model_ratio" in row else "-"
        tokens = f"{cell(mine, 'tokens_fed', '{:,}')} / {cell(theirs, 'tokens_fed', '{:,}')}"
        if row["least_work_tokens"]:
            tokens += f" ({row['least_work_tokens']:,})"
        shares = (f"{100 * row['ours_peak_share']:.0f} % / {100 * row['lm_eval_peak_share']:.0f} %"
                  if "ours_peak_share" in row else "-")
        agree = f"{100 * row['agreement']:.1f} %" if "agreement" in row else "-"
        print(f"| {row['case']} | {row['attempt']} | {cell(mine, 'wall_s')} | {cell(theirs, 'wall_s')} | {ratio} | "
              f"{cell(mine, 'model_s')} ({cell(mine, 'load_s')}, {cell(mine, 'wait_s')}) | {cell(theirs, 'model_s')} "
              f"({cell(theirs, 'load_s')}) | {model_ratio} | {tokens} | {shares} | {agree} |")
    for row in rows:
        for side in ("ours", "lm_eval"):
            if "error" in row[side]:
                print(f"{row['case']} / {side}: {row[side]['error'].strip().splitlines()[-1:]}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--shape", choices=sorted(SHAPES), help="default: qwen2.5-0.5b on a CPU, qwen2.5-7b on a GPU")
    parser.add_argument("--dtype", help="what ercbench's default picks: float32 on a CPU, bfloat16 on a GPU")
    parser.add_argument("--cases", default="meld:5", help="in order, e.g. meld:5,generate,emorynlp:5,meld:all")
    parser.add_argument("--limit", type=int, help="first N examples of each scoring case (default: all)")
    parser.add_argument("--generate-limit", type=int, default=500)
    parser.add_argument("--model-dir", type=Path, help="where the random model is saved (reused when there)")
    parser.add_argument("--tokenizer", type=Path, default=REAL_TOKENIZER)
    parser.add_argument("--lm-eval-batch", type=int, default=64)
    parser.add_argument("--step-timeout", type=float, default=600, help="seconds per subprocess")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("ERCBENCH_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    on_gpu = args.device.startswith("cuda")
    args.shape = args.shape or ("qwen2.5-7b" if on_gpu else "qwen2.5-0.5b")
    args.dtype = args.dtype or ("bfloat16" if on_gpu else "float32")
    args.model_dir = args.model_dir or Path(tempfile.gettempdir()) / f"ercbench-e2e-{args.shape}"
    return args


def main(argv=None) -> None:
    from benchmarks.speed_parts import matmul_peak

    args = parse_args(argv)
    model = model_folder(args.model_dir, args.shape, args.tokenizer, args.device)
    peak = matmul_peak(args.device, args.dtype)
    env = {**os.environ, "ERCBENCH_DATA": str(args.data_dir), "HF_HUB_OFFLINE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONPYCACHEPREFIX": os.environ.get("PYTHONPYCACHEPREFIX") or str(Path(tempfile.gettempdir()) / "e2e-pyc"),
           "ERCBENCH_FINGERPRINT_CACHE": str(Path(tempfile.mkdtemp(prefix="e2e-fp-")) / "fingerprints.json")}
    warm_up(args, env)
    rows = []
    for index, case in enumerate(parse_cases(args.cases, args.limit, args.generate_limit)):
        rows += measure(case, model, env, args, peak, first=index == 0)
        print_table(rows, args, peak)  # after every case: a timeout later keeps what was measured
    if args.json:
        args.json.write_text(json.dumps([{k: (strip(v) if k in ("ours", "lm_eval") else v) for k, v in row.items()}
                                         for row in rows], indent=1))


if __name__ == "__main__":
    main()
