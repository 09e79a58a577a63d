"""Subcommands of `policylog`, one module each; the order here is the order in `--help`."""

from . import check, fmt, qualify, schema

COMMANDS = (qualify, check, fmt, schema)
