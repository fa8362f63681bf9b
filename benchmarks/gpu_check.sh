#!/usr/bin/env bash
# The GPU checks, as run on a lent H100/H200 (device tool): one script, one call.
# Needs: .whl/ with bitsandbytes, lm-eval and dill wheels (for the device's Python), .gpudata/{meld,emorynlp}/,
# and the Qwen2.5 tokenizer in .gputok/qwen2.5 (copied from ../shared/tokenizers/qwen2.5).
set -u
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false ERCBENCH_DATA=$PWD/.gpudata
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD
python3 -m pip install -q --no-deps --no-build-isolation -e . >/dev/null 2>&1 || echo "editable install failed"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)"
# Label scoring, the benchmark setting: Qwen2.5-7B shape (random weights, bf16), the real tokenizer, full MELD and
# EmoryNLP test splits, window 5 and full history, `ercbench run` defaults vs lm-eval hf at batch 64, a float32
# reference for the bf16 agreement. About 6 minutes on an H200.
timeout 420 python3 benchmarks/score_speed.py --device cuda --dtype bfloat16 --shape qwen2.5-7b \
    --tokenizer .gputok/qwen2.5 --tasks meld,emorynlp --windows 5,all --generate 2>&1 | tee "$OUT/score_speed_gpu.txt"
timeout 150 python3 benchmarks/train_speed.py --device cuda --dtype bfloat16 --shape llama2-7b --load-in-8bit --steps 8 --work /tmp/w7b 2>&1 | tee "$OUT/train_speed_gpu.txt"
