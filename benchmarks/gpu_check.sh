#!/usr/bin/env bash
# The GPU checks (label-scoring speed, 8-bit LoRA training speed), as run on the lent H100/H200 (device tool): one script, one call.
# Needs: .whl/ with bitsandbytes, lm-eval and dill wheels (for the device's Python), .gpudata/meld/.
set -u
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false ERCBENCH_DATA=$PWD/.gpudata
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD
python3 -m pip install -q --no-deps --no-build-isolation -e . >/dev/null 2>&1 || echo "editable install failed"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
python3 -c "import torch, transformers, peft; print('torch', torch.__version__, 'transformers', transformers.__version__, 'peft', peft.__version__)"
timeout 200 python3 benchmarks/score_speed.py --device cuda --dtype bfloat16 --size 1b --limit 400 2>&1 | tee "$OUT/score_speed_gpu.txt"
timeout 300 python3 benchmarks/train_speed.py --device cuda --dtype bfloat16 --shape llama2-7b --load-in-8bit --steps 8 --work /tmp/w7b 2>&1 | tee "$OUT/train_speed_gpu.txt"
