"""Subcommands of `policylog`, one module each; the order here is the order in `--help`."""

from . import check, clauses, compile, diff, explain, extract, fmt, lint, qualify, report, schema, screen, test, whatif

COMMANDS = (qualify, explain, whatif, report, screen, extract, check, lint, diff, clauses, test, fmt, schema, compile)
