#!/usr/bin/env bash
# GPU smoke check for one GPU and no network: trains gpu-45m briefly, prints tokens/s and
# MFU, exports f32/f16 GGUF and a Hugging Face folder, and loads the export back.
#
# Usage: localmodel/scripts/gpu_smoke.sh [OUT_DIR] [extra gpu_smoke.py options]
# Needs: the repository installed with the train and dev extras (torch with CUDA). With a
# CUDA build of llama-cpp-python the load-back runs on llama.cpp with all layers on the GPU;
# without one it falls back to transformers.
set -euo pipefail

out="${1:-${TMPDIR:-/tmp}/specify-gpu-smoke}"
shift || true
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

# Nothing is fetched at run time: keep the Hugging Face libraries offline.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
else
    echo "warning: nvidia-smi not found; torch decides whether CUDA is usable" >&2
fi

mkdir -p "$out"
cd "$repo"
# 540 s leaves the run well inside a ten-minute slot even when compilation is slow.
timeout 540 python -m localmodel.scripts.gpu_smoke --out "$out" "$@" | tee "$out/summary.jsonl"
