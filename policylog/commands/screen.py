"""`policylog screen PROFILES --out FILE`: screen a whole register on embedded DuckDB."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import duckdb

from ..dsl.diagnostics import PolicylogError, error
from ..engine.sql.screen import FORMATS, Screener
from .common import (EXIT_OK, UsageError, add_diagnostics_format, add_policy_argument,
                     add_rules_argument, guarded, load_rules, select_policies)


MAX_THREADS = 1024  # DuckDB's thread count is a 64-bit integer; more threads than this make no sense


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "screen", help="screen a register of enterprises in bulk (SQL on embedded DuckDB)",
        description="Screen every profile of a register against the policy lists. PROFILES is a "
                    "JSON-lines file, a directory of profile files (or one), a CSV/Parquet table (with "
                    "sibling tables for projects, certifications …) or a DuckDB database; see "
                    "docs/screening.md.")
    parser.add_argument("profiles", metavar="PROFILES")
    add_rules_argument(parser)
    add_policy_argument(parser)
    parser.add_argument("--out", metavar="FILE", required=True, help="awards, one row per award")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="output format (default: from the --out suffix, else parquet)")
    parser.add_argument("--errors", metavar="FILE", default=None,
                        help="rejected values, as CSV (default: FILE.errors.csv)")
    parser.add_argument("--summary", metavar="FILE", default=None,
                        help="summary as JSON (default: FILE.summary.json)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--quiet", action="store_true", help="no progress and no summary on stdout")
    add_diagnostics_format(parser)
    parser.set_defaults(run=guarded(run))


class Progress:
    """One status line on a terminal; silent elsewhere."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.started
            sys.stderr.write(f"\r\x1b[2K[{elapsed:6.1f}s] {message}")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def _format(out: Path, given: str | None) -> str:
    if given:
        return given
    suffix = out.suffix.lower().lstrip(".")
    return {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl"}.get(suffix, "parquet")


def _unwritable(what: str, exc: Exception) -> PolicylogError:
    """`--out` names a directory, a missing folder, a file without permission: exit 1, no traceback."""
    reason = (str(exc).splitlines() or [type(exc).__name__])[0]
    return PolicylogError([error("E330", "unwritable-file", f"cannot write {what}: {reason}", None)])


def run(args, sources) -> int:
    path = Path(args.profiles)
    if not path.exists():
        raise UsageError(f"no file or directory `{path}`")
    rule_base = load_rules(args.rules, sources)
    policies = select_policies(rule_base, args.policy)
    out = Path(args.out)
    for option, value in (("--out", args.out), ("--errors", args.errors), ("--summary", args.summary)):
        if value is not None and not Path(value).name:  # `--out ""`, `--out .`: no file to write
            raise UsageError(f"`{option} {value}` names no file")
    if args.threads is not None and not 1 <= args.threads <= MAX_THREADS:
        raise UsageError(f"`--threads {args.threads}`: give a number of threads from 1 to {MAX_THREADS}")
    errors = Path(args.errors) if args.errors else out.with_name(out.name + ".errors.csv")
    summary_path = Path(args.summary) if args.summary else out.with_name(out.name + ".summary.json")
    progress = Progress(sys.stderr.isatty() and not args.quiet and not os.environ.get("CI"))
    screener = Screener(rule_base, policies, progress=progress, threads=args.threads)
    try:
        screener.con.execute(f"SET enable_progress_bar = {'true' if progress.enabled else 'false'}")
        summary = screener.screen(path)
        try:
            screener.write(out, _format(out, args.format), errors)
        except (OSError, duckdb.Error) as exc:  # a directory, a missing folder, no permission
            raise _unwritable(f"the awards or the errors (`{out}`, `{errors}`)", exc) from None
    finally:
        progress.done()
    data = summary.to_json()
    data["output"] = {"awards": str(out), "errors": str(errors)}
    try:
        summary_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise _unwritable(f"the summary `{summary_path}`", exc) from None
    screener.close()
    if not args.quiet:
        sys.stdout.write(render_summary(data))
    return EXIT_OK


def render_summary(data: dict) -> str:
    p = data["profiles"]
    lines = [f"profiles: {p['read']:,} read = {p['screened']:,} screened + {p['rejected']:,} rejected; "
             f"{p['granted']:,} granted at least one award"]
    if data["orphan_rows"]:
        lines.append(f"rows belonging to no profile: {data['orphan_rows']:,} (see the errors file)")
    awards = data["awards"]
    lines.append("awards: " + (", ".join(f"{n:,} {status}" for status, n in awards.items()) or "none"))

    def money(entry) -> str:
        low, high = entry["low_yuan"], entry["high_yuan"]
        if high is None:
            return f"at least {low} 元"
        return f"{low} 元" if low == high else f"{low} – {high} 元"

    for key in ("policy", "payer"):
        for name, entry in data["totals"].get(key, {}).items():
            lines.append(f"  {key} {name}: {money(entry)} ({entry['awards']:,} awards)")
    for name, entry in data["totals"].get("provision", {}).items():
        lines.append(f"  provision {name}: {money(entry)} ({entry['awards']:,} awards)")
    if data["near_misses"]:
        lines.append("near misses (all conditions but one hold):")
        for provision, reasons in data["near_misses"].items():
            total = sum(reasons.values())
            top = max(reasons.items(), key=lambda item: item[1])
            lines.append(f"  {provision}: {total:,} (most often missing: {top[0]} — {top[1]:,})")
    lines.append(f"written: {data['output']['awards']}, errors: {data['output']['errors']}")
    return "\n".join(lines) + "\n"
