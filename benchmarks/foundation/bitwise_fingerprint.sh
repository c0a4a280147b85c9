#!/usr/bin/env bash
# Fingerprint of what a refactor must not change (issue 11): the main job's table and outputs, and a run killed
# mid-way then resumed. Prints sha256 sums of the distilled images/latents, the evaluation tables (distilled and
# random-real) and the resumed run's latents, so two trees can be compared line by line on the same machine.
#
#   bash benchmarks/foundation/bitwise_fingerprint.sh OUT_DIR [GLAD_BIN]
#
# GLAD_BIN defaults to .venv/bin/glad; PYTHONPATH decides which source tree it imports. Takes ~4 min on 2 cores.
set -euo pipefail
OUT="${1:?usage: bitwise_fingerprint.sh OUT_DIR [GLAD_BIN]}"
GLAD="${2:-.venv/bin/glad}"
rm -rf "$OUT" && mkdir -p "$OUT"

"$GLAD" run --out "$OUT/main" --no-progress > "$OUT/main.log" 2>&1
TINY=(distill --generator random-stylegan-xl --dataset mnist5k --iterations 6 --checkpoint-every 2
      --batch-real 16 --net-width 8 --dsa none --no-progress --channel-max 8 --layer 13)
"$GLAD" "${TINY[@]}" --out "$OUT/straight" > "$OUT/straight.log" 2>&1
set +e
GLAD_TEST_KILL_AT=iteration:5 "$GLAD" "${TINY[@]}" --out "$OUT/resumed" > "$OUT/killed.log" 2>&1
echo "killed run exit: $?"
set -e
"$GLAD" distill --resume --out "$OUT/resumed" --no-progress > "$OUT/resume.log" 2>&1

cd "$OUT"
sed -n '/^mnist5k:/,/^results:/p' main.log | grep -v '^results:' > main_table.txt
cat main_table.txt
for f in main/images.safetensors main/latents.safetensors straight/latents.safetensors \
         resumed/latents.safetensors straight/images.safetensors resumed/images.safetensors; do
  sha256sum "$f"
done
find main/eval -name '*.json' | sort | while read -r f; do
  python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if not any(t in k for t in ("time", "date", "wall", "path", "host", "version", "created", "duration", "seconds"))}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
import hashlib
print(hashlib.sha256(json.dumps(strip(d), sort_keys=True).encode()).hexdigest(), sys.argv[1], "(times/paths stripped)")
PY
done
