#!/usr/bin/env bash
# The long fuzz run: every hypothesis property of tests/fuzz with EXAMPLES examples each (default
# 15,000: about 150,000 generated inputs across rule files, profiles and command lines).
#
#   tests/fuzz/run_long.sh [EXAMPLES]
#
# Two pytest processes (rules | profiles + command lines) keep both cores of a small machine
# busy; logs and input counts land in out/ (git-ignored), and the totals are printed at the end.
set -uo pipefail
cd "$(dirname "$0")/../.."
examples="${1:-15000}"
mkdir -p out
export POLICYLOG_FUZZ_EXAMPLES="$examples"
started=$(date +%s)
echo "fuzz soak at $(git rev-parse --short HEAD): $examples examples per property"

POLICYLOG_FUZZ_REPORT=out/fuzz-long-rules.json \
  python3 -m pytest -q -p no:cacheprovider tests/fuzz/test_fuzz_rules.py >out/fuzz-long-rules.log 2>&1 &
rules=$!
POLICYLOG_FUZZ_REPORT=out/fuzz-long-profiles-cli.json \
  python3 -m pytest -q -p no:cacheprovider tests/fuzz/test_fuzz_profiles.py tests/fuzz/test_fuzz_cli.py \
  >out/fuzz-long-profiles-cli.log 2>&1 &
others=$!
status=0
wait "$rules" || status=1
wait "$others" || status=1

python3 - "$started" <<'PY'
import json, sys, time
counts, total = {}, 0
for name in ("out/fuzz-long-rules.json", "out/fuzz-long-profiles-cli.json"):
    with open(name, encoding="utf-8") as stream:
        report = json.load(stream)
    for family, count in report["inputs"].items():
        counts[family] = counts.get(family, 0) + count
    total += report["total"]
minutes = (time.time() - int(sys.argv[1])) / 60
print(f"inputs: {total:,} ({', '.join(f'{f} {c:,}' for f, c in sorted(counts.items()))}) in {minutes:.0f} min")
PY
tail -n 3 out/fuzz-long-rules.log out/fuzz-long-profiles-cli.log
exit $status
