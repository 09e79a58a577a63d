"""Subcommands of `policylog`, one module each; the order here is the order in `--help`."""

from . import check, clauses, explain, fmt, qualify, schema, test

COMMANDS = (qualify, explain, check, clauses, test, fmt, schema)
