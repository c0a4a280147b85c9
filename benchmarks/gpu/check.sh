#!/usr/bin/env bash
# One call on the lent GPU machine: build glad-ops for its architecture, run every CUDA test, the kernel,
# generator and distillation benchmarks; writes $OUT/gpu_check.json and $OUT/gpu_check.log (see check.py).
#
#   bash benchmarks/gpu/check.sh                 # on the GPU machine ($OUT set by the device tool), <= 8 min
#   bash benchmarks/gpu/check.sh --dry-run --out /tmp/gpu-check    # the same phases on the CPU, tiny shapes
#
#   PYTHON   the interpreter with torch (default: python3, which holds torch on the lent machine)
#   OUT      output folder (default ./gpu-check-out; --out overrides)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${PYTHON:-python3}"
if ! "$PY" -c "import torch" 2>/dev/null; then
    echo "check.sh: $PY cannot import torch; set PYTHON to the interpreter that has it" >&2
    exit 2
fi
exec "$PY" "$ROOT/benchmarks/gpu/check.py" "$@"
