"""Benchmark `policylog screen` end to end, and the pyDatalog path on a sample.

    python3 benchmarks/screen_bench.py --sizes 100000 1000000 --runs 3 --sample 200

For each size: generate a register (Parquet tables, outside the timing), then run
`policylog screen REGISTER --out awards.parquet --quiet` in a fresh process `--runs` times and
report the median wall time and the peak RSS of that process (resource.getrusage of children).
The pyDatalog ratio: `sample` profiles of the same register qualified one by one with
`PolicyEngine.qualify` (loading included), extrapolated to the size, against the median screen.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate_register import generate  # noqa: E402


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "system": platform.platform()}


def load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def screen_once(register: Path, out: Path) -> tuple[float, float, dict[str, float]]:
    started = time.perf_counter()
    code = ("import resource, sys; from policylog.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")
    result = subprocess.run([sys.executable, "-c", code, "screen", str(register), "--out", str(out), "--quiet"],
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    phases = json.loads(out.with_name(out.name + ".summary.json").read_text(encoding="utf-8"))["seconds"]
    return elapsed, peak_kb / 1024, phases


def pydatalog_per_profile(register_jsonl: Path, sample: int) -> float:
    from policylog.dsl.loader import load_rule_base
    from policylog.engine.profiles import load_profile_text
    from policylog.engine.qualify import PolicyEngine

    rule_base = load_rule_base(None)
    engine = PolicyEngine(rule_base)
    lines = register_jsonl.read_text(encoding="utf-8").splitlines()[:sample]
    started = time.perf_counter()
    done = 0
    for line in lines:
        try:
            engine.qualify(load_profile_text(line, rule_base))
        except Exception:  # an invalid profile costs its load too
            pass
        done += 1
    return (time.perf_counter() - started) / done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--json", default=None, help="write the figures here")
    args = parser.parse_args()
    report = {"machine": machine(), "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sample_register = tmp / "sample.jsonl"
        generate(max(args.sample, 10), sample_register, "jsonl")
        per_profile = pydatalog_per_profile(sample_register, args.sample)
        report["pydatalog_seconds_per_profile"] = per_profile
        for size in args.sizes:
            register = tmp / f"register{size}"
            counts = generate(size, register, "parquet")
            times, peaks, loads, phases = [], [], [], []
            for _ in range(args.runs):
                loads.append(load_average())  # the 1-minute load before the run: was the machine shared?
                elapsed, peak, seconds = screen_once(register, tmp / "awards.parquet")
                times.append(elapsed)
                peaks.append(peak)
                phases.append(seconds)
            median = statistics.median(times)
            report["sizes"][size] = {"records": counts, "runs": [round(t, 2) for t in times],
                                     "median_seconds": round(median, 2),
                                     "peak_rss_mib": round(max(peaks)),
                                     "load_before_runs": loads,
                                     # in-process phases (read, validate, screen, summary, write), medians;
                                     # the rest of the wall time is start-up: imports, rules, compiling
                                     "phase_median_seconds": {k: round(statistics.median(p[k] for p in phases), 2)
                                                              for k in phases[0]},
                                     "pydatalog_extrapolated_seconds": round(per_profile * size, 1),
                                     "speedup": round(per_profile * size / median)}
            print(json.dumps({size: report["sizes"][size]}, ensure_ascii=False), flush=True)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
