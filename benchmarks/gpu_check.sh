#!/usr/bin/env bash
# The GPU checks, as run on a lent H100/H200 (device tool): one script, one call. The default checks take about
# 8.5 minutes on an H200 with setup (give the call a timeout of at least 560 s); GPU_CHECK_MODE=sweep instead
# sweeps the scorer's pass shaping in-process and, where an earlier call left the model folder, times hashing
# and loading it (about 3 minutes); GPU_CHECK_MODE=profile profiles one MELD run (py-spy per thread, torch's
# profiler, nvidia-smi dmon; about 5 minutes).
# Needs: .whl/ with the lm-eval, dill, datasets and multiprocess wheels for the device's Python (py-spy's for the
# profile, bitsandbytes for GPU_CHECK_MORE), .gpudata/{meld,emorynlp}/,
# and the Qwen2.5 tokenizer in .gputok/qwen2.5 (copied from ../shared/tokenizers/qwen2.5).
# Everything printed is also in $OUT: e2e_speed_gpu.txt (the table for docs/scoring.md), e2e_gpu.json; the sweep
# writes pass_sweep_gpu.txt, hash_gpu.txt and load_gpu.txt;
# the profile writes spy_first.txt/spy_warm.txt (py-spy's raw stacks), run_*.json, torch_w5.txt, torch_all.txt, dmon.txt.
set -u
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 ERCBENCH_DATA=$PWD/.gpudata PYTHONPYCACHEPREFIX=/tmp/pyc
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu_check.log") 2>&1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD PATH=/tmp/site/bin:$PATH
python3 -m pip install -q --no-deps --no-build-isolation -e . >/dev/null 2>&1 || echo "editable install failed (ercbench runs as python -m harness.cli)"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)"
MODEL=/tmp/ercbench-e2e-qwen2.5-7b  # random Qwen2.5-7B-shaped bf16 weights, written once (about 15 GB), reused below
if [ "${GPU_CHECK_MODE:-check}" = profile ]; then  # where a run's seconds go: py-spy per thread, torch's profiler
    python3 -c "import sys; sys.path.insert(0, '.'); from pathlib import Path; from benchmarks.e2e_speed import \
model_folder; model_folder(Path('$MODEL'), 'qwen2.5-7b', Path('.gputok/qwen2.5'), 'cuda')"
    nvidia-smi dmon -s u -d 1 -o T >"$OUT/dmon.txt" 2>&1 &
    export ERCBENCH_FINGERPRINT_CACHE=/tmp/fp/fingerprints.json
    RUN="run -t meld -p zero-shot --prompt-opt window=5 -m hf:$MODEL --model-opt mode=score"
    for attempt in first warm; do
        start=$(date +%s%N)
        timeout 120 py-spy record --idle --threads --rate 50 --format raw -o "$OUT/spy_$attempt.txt" -- \
            ercbench $RUN --results-dir /tmp/r_$attempt || echo "py-spy failed"
        echo "$attempt: wall $(( ($(date +%s%N) - start) / 1000000 )) ms"
        cp /tmp/r_$attempt/*/run.json "$OUT/run_$attempt.json"
    done
    timeout 100 python3 benchmarks/profile_run.py --out "$OUT/torch_w5.txt" -- $RUN --results-dir /tmp/r_p5
    timeout 100 python3 benchmarks/profile_run.py --out "$OUT/torch_all.txt" -- ${RUN/window=5/window=all} \
        --results-dir /tmp/r_pall
    exit 0
fi
if [ "${GPU_CHECK_MODE:-check}" = sweep ]; then  # in-process: the pass shaping; then hashing and loading
    timeout 200 python3 benchmarks/pass_sweep.py --device cuda --dtype bfloat16 --shape qwen2.5-7b \
        --tokenizer .gputok/qwen2.5 --tasks meld --windows 5,all --settings 1024:32768:inf,1024:32768,256:32768:inf \
        2>&1 | tee "$OUT/pass_sweep_gpu.txt"
    if [ -f "$MODEL/e2e_shape.txt" ]; then  # left by the default check on a machine still held
        timeout 60 python3 benchmarks/hash_speed.py "$MODEL" 2>&1 | tee "$OUT/hash_gpu.txt"
        timeout 60 python3 benchmarks/load_speed.py "$MODEL" --device cuda --dtype bfloat16 --repeats 1 2>&1 \
            | tee "$OUT/load_gpu.txt"
    fi
    exit 0
fi
# The command a user runs vs lm-eval from a cold start, most important case first: MELD window 5 (first sight of
# the checkpoint, then with the fingerprint cache warm), generation (first 500 MELD), EmoryNLP window 5, MELD full
# history. Each subprocess is capped; the table is printed after every case, so a cut run keeps what it measured.
timeout 530 python3 benchmarks/e2e_speed.py --device cuda --shape qwen2.5-7b --tokenizer .gputok/qwen2.5 \
    --model-dir "$MODEL" --cases meld:5,generate,emorynlp:5,meld:all --generate-limit 500 --step-timeout 120 \
    --json "$OUT/e2e_gpu.json" 2>&1 | tee "$OUT/e2e_speed_gpu.txt"
# The in-process breakdown and the training check, only when asked (they do not fit the 9 minutes with the above).
if [ "${GPU_CHECK_MORE:-0}" = 1 ]; then
    timeout 420 python3 benchmarks/score_speed.py --device cuda --dtype bfloat16 --shape qwen2.5-7b \
        --tokenizer .gputok/qwen2.5 --tasks meld,emorynlp --windows 5,all --generate 2>&1 | tee "$OUT/score_speed_gpu.txt"
    timeout 150 python3 benchmarks/train_speed.py --device cuda --dtype bfloat16 --shape llama2-7b --load-in-8bit \
        --steps 8 --work /tmp/w7b 2>&1 | tee "$OUT/train_speed_gpu.txt"
fi
