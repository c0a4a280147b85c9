#!/usr/bin/env bash
# Set up .venv (scripts/bootstrap.sh) and run the whole test suite. Extra arguments go to pytest.
# pytest exits non-zero when it collects no tests, so an empty run never passes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
