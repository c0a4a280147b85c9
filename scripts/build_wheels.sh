#!/usr/bin/env bash
# Build the four wheels and their sdists into dist/ and print what was built (file, size, tag).
# Each wheel is built from its sdist, as `python -m build` does, so the sdists are known to be complete.
#
#   bash scripts/build_wheels.sh                        # CPU-only glad-ops (+cpu) unless CUDA_HOME is set
#   CUDA_HOME=/usr/local/cuda-13.0 TORCH_CUDA_ARCH_LIST="8.0;9.0" bash scripts/build_wheels.sh   # +cu130
#   bash scripts/build_wheels.sh --check                # also build from the tree and compare the wheels
#
#   CUDA_HOME              the CUDA toolkit whose nvcc builds the CUDA kernels; unset: CPU kernels only
#   TORCH_CUDA_ARCH_LIST   CUDA architectures (default 9.0)
#   PYTHON                 the interpreter whose torch the kernels are built against (default: .venv/bin/python)
#   DIST                   output directory (default: dist/)
# glad-ops' wheel is tagged py3-none-<platform> (one per platform and CUDA toolkit, any CPython >= 3.10).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || PY="$(command -v python3)"
DIST="${DIST:-$ROOT/dist}"

if ! "$PY" -c "import torch" 2>/dev/null; then
    echo "build_wheels: $PY cannot import torch; install torch >= 2.10 first or set PYTHON" >&2
    exit 2
fi
unset GLAD_OPS_NATIVE CUDACXX
if [ -n "${CUDA_HOME:-}" ]; then
    if [ ! -x "$CUDA_HOME/bin/nvcc" ]; then
        echo "build_wheels: CUDA_HOME=$CUDA_HOME has no bin/nvcc; point it at a CUDA toolkit or unset it for CPU-only" >&2
        exit 2
    fi
    export GLAD_OPS_CUDA=ON CUDACXX="$CUDA_HOME/bin/nvcc"
    export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
    release="$("$CUDACXX" --version | sed -n 's/.*release \([0-9]*\)\.\([0-9]*\).*/\1\2/p')"
    want="+cu$release"
    echo "[build_wheels] glad-ops with CUDA kernels: $CUDACXX (release tag $want), architectures $TORCH_CUDA_ARCH_LIST"
else
    export GLAD_OPS_CUDA=OFF
    want="+cpu"
    echo "[build_wheels] glad-ops with CPU kernels only (set CUDA_HOME for the CUDA kernels)"
fi
echo "[build_wheels] torch: $("$PY" -c 'import torch; print(torch.__version__)') ($PY)"

mkdir -p "$DIST"
# --require-ops-tag: the backend falls back to CPU-only / pure Python when compiling fails; a release build must
# fail instead.
"$PY" "$ROOT/scripts/build_dists.py" --out "$DIST" --require-ops-tag "$want" "$@"
