#!/usr/bin/env bash
# Set up .venv (scripts/bootstrap.sh) and run the whole test suite. Extra arguments go to pytest.
# pytest exits non-zero when it collects no tests, so an empty run never passes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
# The HTML report's browser test needs headless Chromium (Debian's chromium package): installed best-effort
# when we are root and it is missing; without it that one test skips with a message.
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[test] installing chromium for the report's browser test (best-effort)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
        || echo "[test] could not install chromium; the browser test will be skipped"
fi
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest "$@"
