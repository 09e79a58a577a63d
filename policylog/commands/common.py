"""What every subcommand shares: loading rules and profiles, and reporting diagnostics."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

from ..dsl.checker import RuleBase
from ..dsl.diagnostics import Diagnostic, PolicylogError, SourceCache, render_all
from ..dsl.loader import load_rule_base
from ..engine.profiles import Profile, load_profile, load_profile_text

EXIT_OK, EXIT_INPUT_ERROR, EXIT_USAGE = 0, 1, 2


def add_rules_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", metavar="DIR", default=None,
                        help="rule directory or .policy file (default: the bundled rules)")


def add_policy_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--policy", metavar="ID", action="append", default=None,
                        help="only this policy (repeatable), e.g. nmg2026")


def add_profile_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("profile", metavar="PROFILE",
                        help="a profile file (.yaml, .yml or .json); with --row, a register as "
                             "`policylog screen` reads it")
    parser.add_argument("--row", metavar="N", type=row_number, default=None,
                        help="the profile at row (line) N of the register PROFILE: an awards row's "
                             "`profile_source` and `profile_row`")


MAX_ROW = 10**12  # rows of a root table are numbered below this (engine/sql/readers.py)


def row_number(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 13 or not 1 <= int(text) < MAX_ROW:
        raise argparse.ArgumentTypeError(f"`{text[:40]}` is not a row number (1 to {MAX_ROW - 1:,})")
    return int(text)


def load_profile_argument(args: argparse.Namespace, rule_base: RuleBase, sources: SourceCache) -> Profile:
    """The profile named on the command line: a file, or one row of a register (`--row`)."""
    if args.row is None:
        return load_profile(args.profile, rule_base, sources)
    from ..engine.sql.extract import profile_text_from_register  # DuckDB only when asked for

    text, name = profile_text_from_register(Path(args.profile), rule_base, args.row)
    return load_profile_text(text, rule_base, name, sources)


def report(diagnostics, sources: SourceCache, fmt: str = "text", stream=None) -> None:
    stream = stream or sys.stderr
    diagnostics = list(diagnostics)
    if fmt == "json":
        stream.write(json.dumps([d.to_json() for d in sorted(diagnostics, key=Diagnostic.sort_key)],
                                ensure_ascii=False, indent=2) + "\n")
    else:
        stream.write(render_all(diagnostics, sources, concise=(fmt == "concise")) + "\n")
        errors = sum(1 for d in diagnostics if d.severity.value == "error")
        if fmt == "text" and errors:
            stream.write(f"\n{errors} error(s)\n")


def load_rules(path: str | None, sources: SourceCache) -> RuleBase:
    return load_rule_base(Path(path) if path else None, sources=sources)


def select_policies(rule_base: RuleBase, wanted: list[str] | None) -> set[str] | None:
    """The policies to use; raises a usage error for an unknown id."""
    if not wanted:
        return None
    unknown = [p for p in wanted if p not in rule_base.policies]
    if unknown:
        from ..dsl.checker import did_you_mean

        hint = did_you_mean(unknown[0], rule_base.policies) or \
            f"known policies: {', '.join(sorted(rule_base.policies))}"
        raise UsageError(f"no policy `{unknown[0]}` in the rule base; {hint}")
    return set(wanted)


class UsageError(Exception):
    pass


def guarded(body: Callable[[argparse.Namespace, SourceCache], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command body, turning PolicylogError into rendered diagnostics and exit code 1."""

    def run(args: argparse.Namespace) -> int:
        sources = SourceCache()
        try:
            return body(args, sources)
        except PolicylogError as exc:
            report(exc.diagnostics, sources, getattr(args, "diagnostics_format", "text"))
            return EXIT_INPUT_ERROR
        except UsageError as exc:
            sys.stderr.write(f"policylog {args.command}: error: {exc}\n")
            return EXIT_USAGE

    return run


def add_diagnostics_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--diagnostics-format", choices=("text", "concise", "json"), default="text",
                        help="how errors in rules or profiles are printed (default: text)")
