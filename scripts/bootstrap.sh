#!/usr/bin/env bash
# Create (or update) the virtual environment at <repo>/.venv with torch, the four glad packages (editable)
# and the development tools. Safe to run repeatedly: it skips work whose inputs have not changed.
#
#   GLAD_OPS_CUDA=OFF        build glad-ops without CUDA kernels (default: ON when nvcc is found)
#   TORCH_CUDA_ARCH_LIST     CUDA architectures to compile (default here: 9.0, i.e. sm_90 only)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
    echo "[bootstrap] creating $VENV"
    python3 -m venv "$VENV"
fi
if ! "$PY" -c "import torch, torchvision" 2>/dev/null; then
    echo "[bootstrap] installing torch 2.14.1 + torchvision 0.29.1"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q torch==2.14.1 torchvision==0.29.1
fi

export CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
export TORCH_CUDA_ARCH_LIST="${TORCH_CUDA_ARCH_LIST:-9.0}"
if [ -z "${GLAD_OPS_CUDA:-}" ]; then
    if [ -x "$CUDA_HOME/bin/nvcc" ] || command -v nvcc >/dev/null; then export GLAD_OPS_CUDA=ON; else export GLAD_OPS_CUDA=OFF; fi
fi

# Reinstall only when a build input changed (package metadata, C++/CUDA sources, CMake, the build flags).
stamp_inputs() {
    cd "$ROOT"
    { find packages -name pyproject.toml; find csrc cmake packages/glad-ops/build_backend -type f -not -name '*.pyc' 2>/dev/null; echo CMakeLists.txt pyproject.toml; } \
        | sort | xargs cat 2>/dev/null | sha256sum | cut -d' ' -f1
    echo "$GLAD_OPS_CUDA $TORCH_CUDA_ARCH_LIST"
}
STAMP="$VENV/.glad-bootstrap-stamp"
want="$(stamp_inputs)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    echo "[bootstrap] .venv is up to date"
    exit 0
fi

echo "[bootstrap] installing development tools"
"$PY" -m pip install -q --group "$ROOT/pyproject.toml:dev"
echo "[bootstrap] building and installing the glad packages (GLAD_OPS_CUDA=$GLAD_OPS_CUDA, arch $TORCH_CUDA_ARCH_LIST)"
cd "$ROOT"
"$PY" -m pip install -q --no-build-isolation \
    -e packages/glad-ops \
    -e packages/glad-generators \
    -e "packages/glad-eval[demo]" \
    -e "packages/glad-distill[stylegan,tensorboard,report]"
echo "$want" > "$STAMP"
"$PY" -c "import glad_ops as g; print('[bootstrap] glad-ops kernels: cpu:', g.native_available('cpu').reason, '| cuda:', g.native_available('cuda').reason)"
echo "[bootstrap] done"
