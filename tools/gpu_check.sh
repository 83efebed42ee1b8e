#!/usr/bin/env bash
# The GPU check (tools/gpu_check.py) with a hard time limit: 8 minutes on one GPU. Usage: tools/gpu_check.sh [--data-dir DIR]
cd "$(dirname "$0")/.." && timeout 480 python tools/gpu_check.py --budget 450 "$@"
