"""Subcommands of `policylog`, one module each; the order here is the order in `--help`."""

from . import check, clauses, fmt, qualify, schema, test

COMMANDS = (qualify, check, clauses, test, fmt, schema)
