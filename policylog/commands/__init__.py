"""Subcommands of `policylog`, one module each; the order here is the order in `--help`."""

from . import check, clauses, fmt, qualify, schema

COMMANDS = (qualify, check, clauses, fmt, schema)
