"""`policylog extract REGISTER --row N`: one profile of a register, as a profile file.

`screen` names each award's profile by `profile_source` and `profile_row`; this prints that
profile (JSON, which is also YAML) as `screen` read it — the text `qualify`, `explain`, `whatif`
and `report` check when given the same `--row`, so positions in their messages are lines of it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..engine.profiles import load_profile_text
from .common import EXIT_OK, add_diagnostics_format, add_rules_argument, guarded, load_rules, row_number


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "extract", help="print one profile of a register (an awards row's profile) as a profile file",
        description="Print the profile at row (line) N of a register — a JSON-lines file, a "
                    "CSV/Parquet table register or a DuckDB database — as a profile file, checked "
                    "as `qualify` checks it.")
    parser.add_argument("register", metavar="REGISTER", help="the register given to `policylog screen`")
    parser.add_argument("--row", metavar="N", type=row_number, required=True,
                        help="the awards row's `profile_row`")
    add_rules_argument(parser)
    add_diagnostics_format(parser)
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    from ..engine.sql.extract import profile_text_from_register

    rule_base = load_rules(args.rules, sources)
    text, name = profile_text_from_register(Path(args.register), rule_base, args.row)
    load_profile_text(text, rule_base, name, sources)  # an invalid row is reported, not printed
    sys.stdout.write(text)
    return EXIT_OK
