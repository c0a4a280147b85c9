#!/usr/bin/env bash
# Set up .venv (scripts/bootstrap.sh) and run the main job on the embedded default:
# `glad run` distills the offline MNIST subset (mnist5k) with a small random StyleGAN-XL at 32 px (DM, IPC 1),
# then evaluates the distilled set over the architecture zoo and prints the table.
# Extra arguments go to `glad run` (e.g. --out runs/my-run, --device cuda).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/glad" run "$@"
