"""Subcommands of `policylog`, one module each; the order here is the order in `--help`."""

from . import check, clauses, compile, explain, fmt, qualify, schema, screen, test, whatif

COMMANDS = (qualify, explain, whatif, screen, check, clauses, test, fmt, schema, compile)
