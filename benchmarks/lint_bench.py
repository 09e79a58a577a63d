"""Benchmark: lint the whole bundled rule base — every pair of provisions, witnesses verified.

    python3 benchmarks/lint_bench.py [--runs 7] [--rules DIR]

Each run is a fresh process (as `policylog lint` in CI is), so no cache survives between runs.
Two figures per run: `lint` is `policylog.engine.lint.lint(rule_base)` alone — encoding, every
solver call, every witness built and run through the evaluator; `cli` is the wall time of the
whole `policylog lint` command (interpreter start, imports, parsing the rules). Reported: the
median, min and max over the runs, and the machine they ran on. The target (issue #4): the
median `lint` figure under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
from policylog.dsl.loader import load_rule_base
from policylog.engine.lint import lint
rule_base = load_rule_base(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None)
started = time.perf_counter()
result = lint(rule_base)
seconds = time.perf_counter() - started
stats = {k: v for k, v in result.stats.items() if k != "check_seconds"}
print(json.dumps({"seconds": seconds, "stats": stats, "reported": len(result.reported),
                  "acknowledged": len(result.acknowledged),
                  "unverified": sum(1 for f in result.findings
                                    if f.witness is not None and not f.witness.verified),
                  "checks": result.stats["check_seconds"]}))
"""


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        info["load_average"] = os.getloadavg()
    except OSError:
        pass
    import z3

    info["z3"] = z3.get_version_string()
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rules", default="")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    lint_times, cli_times, last = [], [], None
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-c", CHILD, args.rules], check=True,
                             capture_output=True, text=True).stdout
        last = json.loads(out)
        lint_times.append(last["seconds"])
        command = [sys.executable, "-m", "policylog", "lint", "--format", "concise"]
        if args.rules:
            command.append(args.rules)
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, text=True)
        cli_times.append(time.perf_counter() - started)

    def describe(values):
        return {"median": statistics.median(values), "min": min(values), "max": max(values)}

    report = {"runs": args.runs, "lint_seconds": describe(lint_times),
              "cli_seconds": describe(cli_times), "work": last["stats"],
              "reported": last["reported"], "acknowledged": last["acknowledged"],
              "unverified_witnesses": last["unverified"],
              "check_seconds_last_run": last["checks"], "machine": machine()}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    work = last["stats"]
    print(f"lint of the bundled rule base, {args.runs} fresh processes")
    print(f"  work per run: {work['provisions']} provisions, {work['pairs']} pairs, "
          f"{work['solver_checks']} solver checks, {work['witnesses']} witnesses, "
          f"{work['verified']} verified by the evaluator ({last['unverified']} not)")
    for name in ("lint_seconds", "cli_seconds"):
        figures = report[name]
        print(f"  {name.replace('_seconds', ''):<5} median {figures['median']:.2f} s "
              f"(min {figures['min']:.2f}, max {figures['max']:.2f})")
    print("  machine: " + ", ".join(f"{k}={v}" for k, v in report["machine"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
