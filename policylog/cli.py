"""The `policylog` command line.

Each subcommand is a module in `policylog.commands` with `add_parser(subparsers)` and
`run(args) -> int`; `COMMANDS` lists them. Exit codes: 0 success, 1 the input has errors (or, for
`lint` and `test`, findings/failures), 2 usage errors. No Python traceback reaches a user: an
unexpected failure prints one line naming it (set POLICYLOG_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .commands import COMMANDS

EXIT_OK, EXIT_INPUT_ERROR, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own, with a pointer to --help
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n"
                         f"run `{self.prog} --help` for the options\n")
        sys.exit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policylog", description="Rules-as-code checker for subsidy policy lists.")
    parser.add_argument("--version", action="version", version=f"policylog {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    arguments = sys.argv[1:] if argv is None else argv
    if any("\x00" in argument for argument in arguments):  # no shell can pass one; open() refuses it
        parser.error("an argument contains a NUL character")
    for argument in arguments:
        if argument == "--":
            break
        # argparse (3.11) turns `--out=--` into an empty list, whatever the option's type
        if argument.startswith("-") and argument.endswith("=--") and "=" not in argument[:-3]:
            parser.error(f"`{argument}`: `--` is not a value for {argument[:-3]}")
    args = parser.parse_args(arguments)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last line of defence: never a traceback for a user
        if os.environ.get("POLICYLOG_DEBUG"):
            raise
        sys.stderr.write(f"policylog: internal error: {type(exc).__name__}: {exc}\n"
                         "this is a bug in policylog; set POLICYLOG_DEBUG=1 to see the traceback\n")
        return EXIT_INPUT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
