"""`policylog report PROFILE -o report.html`: one self-contained document for applicant or auditor.

The format follows the output file's suffix (.html/.htm, .md/.markdown), or `--format`. The date
stamped on the report is today's, `--date`, or SOURCE_DATE_EPOCH (for reproducible builds).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from ..dsl.diagnostics import PolicylogError, error
from ..engine.explain import Explainer
from ..engine.qualify import PolicyEngine
from ..engine.report import build_report, render_html, render_markdown
from .common import (add_profile_argument, load_profile_argument, EXIT_OK, UsageError, add_diagnostics_format, add_policy_argument,
                     add_rules_argument, guarded, load_rules, select_policies)

_SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="a printable report (HTML or Markdown) of awards, derivations, near misses",
        description="Write one self-contained report: the subject's facts, every qualifying "
                    "provision with amount, payer split and derivation, totals by payer and by "
                    "policy, and the near misses.")
    add_profile_argument(parser)
    parser.add_argument("-o", "--output", metavar="FILE", default=None,
                        help="write here (FILE.html or FILE.md); default: standard output")
    parser.add_argument("--format", choices=("html", "markdown"), default=None,
                        help="default: from the output file's suffix, else html")
    parser.add_argument("--date", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="the date stamped on the report (default: today)")
    parser.add_argument("--no-near-misses", dest="near_misses", action="store_false",
                        help="leave out the near misses")
    add_rules_argument(parser)
    add_policy_argument(parser)
    add_diagnostics_format(parser)
    parser.set_defaults(run=guarded(run))


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date like 2026-03-31") from None


def report_date(given: date | None) -> date:
    if given is not None:
        return given
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return date.today()


def run(args, sources) -> int:
    fmt = args.format
    if fmt is None and args.output is not None:
        suffix = Path(args.output).suffix.lower()
        if suffix not in _SUFFIXES:
            raise UsageError(f"cannot tell the format of `{args.output}`; name it .html or .md, "
                             "or pass --format")
        fmt = _SUFFIXES[suffix]
    fmt = fmt or "html"
    rule_base = load_rules(args.rules, sources)
    policies = select_policies(rule_base, args.policy)
    profile = load_profile_argument(args, rule_base, sources)
    report = build_report(Explainer(PolicyEngine(rule_base, policies)), profile,
                          generated=report_date(args.date), near_misses=args.near_misses)
    text = render_html(report) if fmt == "html" else render_markdown(report)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PolicylogError([error("E330", "unwritable-file",
                                    f"cannot write `{args.output}`: {exc.strerror}", None)]) from None
    sys.stderr.write(f"wrote {args.output}: {len(report.awards)} award(s), "
                     f"{len(report.near_misses)} near miss(es)\n")
    return EXIT_OK
