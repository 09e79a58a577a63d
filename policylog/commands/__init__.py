"""Subcommands of `policylog`, one module each; the order here is the order in `--help`."""

from . import check, clauses, explain, fmt, qualify, schema, test, whatif

COMMANDS = (qualify, explain, whatif, check, clauses, test, fmt, schema)
