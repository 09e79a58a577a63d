"""`policylog compile [--target datalog|sql] [--dialect duckdb|spark|trino]`: show the compiled rules."""

from __future__ import annotations

import sys

from ..engine.compiler import compile_rule_base
from ..engine.ir import Arith, Atom, Comparison, Const, Negation, Rule, Var
from ..engine.sql.compiler import DIALECTS, SqlCompiler, transpile
from ..engine.sql.store import StoreLayout
from .common import EXIT_OK, add_policy_argument, add_rules_argument, guarded, load_rules, select_policies


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "compile", help="print the compiled rules: Datalog IR or screening SQL",
        description="Print what the rule base compiles to: the Datalog rules pyDatalog evaluates, "
                    "or the SQL that `policylog screen` runs (in DuckDB, Spark SQL or Trino dialect).")
    add_rules_argument(parser)
    add_policy_argument(parser)
    parser.add_argument("--target", choices=("datalog", "sql"), default="datalog")
    parser.add_argument("--dialect", choices=DIALECTS, default="duckdb")
    parser.add_argument("--provision", metavar="ID", default=None, help="only this provision")
    parser.set_defaults(run=guarded(run))


def show_term(term) -> str:
    match term:
        case Var(name=name):
            return name
        case Const(value=value):
            return repr(value) if isinstance(value, str) else str(value)
        case Arith(op=op, left=left, right=right):
            return f"({show_term(left)} {op} {show_term(right)})"
    return str(term)


def show_literal(literal) -> str:
    match literal:
        case Atom(predicate=predicate, args=args):
            return f"{predicate}({', '.join(show_term(a) for a in args)})"
        case Negation(atom=atom):
            return f"not {show_literal(atom)}"
        case Comparison(op=op, left=left, right=right):
            if op == "in":
                return f"{show_term(left)} in {{{', '.join(map(str, right.value))}}}"
            return f"{show_term(left)} {op} {show_term(right)}"
    return str(literal)


def show_rule(rule: Rule) -> str:
    body = ",\n    ".join(show_literal(l) for l in rule.body)
    where = f"  % {rule.span}" if rule.span is not None else ""
    return f"{show_literal(rule.head)} :-{where}\n    {body}."


def run(args, sources) -> int:
    rule_base = load_rules(args.rules, sources)
    policies = select_policies(rule_base, args.policy)
    program = compile_rule_base(rule_base, policies)
    out = sys.stdout
    if args.target == "datalog":
        for rule in program.rules:
            if args.provision and rule.provision != args.provision:
                continue
            out.write(show_rule(rule) + "\n\n")
        return EXIT_OK
    compiled = SqlCompiler(rule_base, program).compile()
    statements: list[tuple[str, str]] = []
    if args.provision:
        statements += [(f"awards of {p}", sql) for p, sql in compiled.provisions if p == args.provision]
    else:
        statements += [(f"store: {s.split('(')[0].replace('CREATE OR REPLACE TABLE ', '')}", s)
                       for s in StoreLayout(rule_base).create_statements()]
        statements.append(("every award, one SELECT per provision", compiled.awards))
        statements += compiled.stacking
        statements.append(("awards with payer shares", compiled.final))
    for title, sql in statements:
        out.write(f"-- {title}\n{transpile(sql, args.dialect)};\n\n")
    return EXIT_OK
