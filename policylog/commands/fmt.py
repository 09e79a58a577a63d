"""`policylog fmt FILE`: print a rule file in canonical form (English keywords)."""

from __future__ import annotations

import sys

from ..dsl.parser import parse_file
from ..dsl.printer import print_module
from .common import EXIT_OK, guarded


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("fmt", help="print a rule file in canonical form",
                                   description="Parse a rule file and print it back canonically.")
    parser.add_argument("file", metavar="FILE", help="a .policy file")
    parser.set_defaults(run=guarded(run))


def run(args, sources) -> int:
    module, text = parse_file(args.file)
    sources.add(args.file, text)
    sys.stdout.write(print_module(module))
    return EXIT_OK
