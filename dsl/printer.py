"""AST → rule-file text, with English keywords and canonical layout.

Parsing the printed text gives back an equal AST (spans aside); a hypothesis property checks it.

    >>> from .parser import parse_text
    >>> print_expr(parse_text('policy p { clause p.1 { title "t" text "x" provision p.1 { '
    ...     'when 项目.年节水量 >= 5万吨 and not 企业.制造业 amount 1元 } } }').items[0]
    ...     .clauses[0].provisions[0].conditions[0].condition)
    '项目.年节水量 >= 5万吨 and not 企业.制造业'
"""

from __future__ import annotations

from typing import assert_never

from . import ast

_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6,
               "negate": 7, "atom": 8}


def _level(expr: ast.Expr) -> int:
    match expr:
        case ast.Or():
            return 1
        case ast.And():
            return 2
        case ast.Not():
            return 3
        case ast.Compare() | ast.Member() | ast.Has():
            return 4
        case ast.BinaryOp(op=op):
            return _PRECEDENCE[op]
        case ast.Negate():
            return 7
        case _:
            return 8


def _wrap(expr: ast.Expr, minimum: int) -> str:
    text = print_expr(expr)
    return f"({text})" if _level(expr) < minimum else text


def quote(text: str) -> str:
    if "\n" in text or '"' in text:
        escaped = text.replace("\\", "\\\\").replace('"""', '\\"""')
        if escaped.endswith('"'):
            escaped = escaped[:-1] + '\\"'
        return f'"""{escaped}"""'
    return '"' + text.replace("\\", "\\\\") + '"'


def _member(name: str) -> str:
    return name if name.isidentifier() else quote(name)


# How a comparison and a literal read in an explanation (`6万吨 ≥ 5万吨`, `“制造业”`), as
# opposed to in a rule file.
SHOWN_OPERATOR = {">=": "≥", "<=": "≤", "!=": "≠", "=": "=", ">": ">", "<": "<"}


def shown_literal(expr: ast.Expr) -> str | None:
    """A symbol, text or truth value as an explanation shows it; None for anything else."""
    match expr:
        case ast.Symbol(name=name):
            return name
        case ast.TextLiteral(value=value):
            return f"“{value}”"
        case ast.BoolLiteral(value=value):
            return "true" if value else "false"
    return None


def print_expr(expr: ast.Expr) -> str:
    match expr:
        case ast.Quantity(text=text):
            return text
        case ast.Reference(kind=kind, attribute=attribute, year=year):
            suffix = f"[{print_expr(year)}]" if year is not None else ""
            return f"{kind}.{attribute}{suffix}"
        case ast.BoolLiteral(value=value):
            return "true" if value else "false"
        case ast.TextLiteral(value=value):
            return quote(value)
        case ast.Symbol(name=name):
            return name
        case ast.Negate(operand=operand):
            return f"-{_wrap(operand, 7)}"
        case ast.BinaryOp(op=op, left=left, right=right):
            level = _PRECEDENCE[op]
            return f"{_wrap(left, level)} {op} {_wrap(right, level + 1)}"
        case ast.Call(function=function, args=args):
            return f"{function}({', '.join(print_expr(a) for a in args)})"
        case ast.Compare(op=op, left=left, right=right):
            return f"{_wrap(left, 5)} {op} {_wrap(right, 5)}"
        case ast.Member(operand=operand, members=members):
            return f"{_wrap(operand, 5)} in {{{', '.join(_member(m) for m in members)}}}"
        case ast.Has(operand=operand, member=member):
            return f"{_wrap(operand, 5)} has {_member(member)}"
        case ast.Exists(kind=kind, body=body):
            return f"exists {kind} ({print_expr(body)})"
        case ast.Not(operand=operand):
            return f"not {_wrap(operand, 3)}"
        case ast.And(operands=operands):
            return " and ".join(_wrap(o, 3) for o in operands)
        case ast.Or(operands=operands):
            return " or ".join(_wrap(o, 2) for o in operands)
        case _:
            assert_never(expr)


def _payers(shares: tuple[ast.PayerShare, ...]) -> str:
    return ", ".join(s.payer + (f" {s.share.text}" if s.share else "") for s in shares)


def _type(spec: ast.TypeSpec) -> str:
    match spec.base:
        case "integer" | "decimal":
            return spec.base + (f" {spec.unit}" if spec.unit else "")
        case "set":
            return f"set of {spec.enum}"
        case "enum":
            return spec.enum or ""
        case other:
            return other


def print_module(module: ast.Module) -> str:
    out: list[str] = []
    for item in module.items:
        match item:
            case ast.DimensionDecl():
                out.append(f"dimension {item.name} base {item.base_unit}")
            case ast.UnitDecl():
                out.append(f"unit {item.name} = {item.definition.text}")
            case ast.SubjectDecl():
                parent = f" of {item.parent}" if item.parent else ""
                desc = f" {quote(item.description)}" if item.description else ""
                out.append(f"subject {item.name}{parent}{desc}")
            case ast.EnumDecl():
                desc = f" {quote(item.description)}" if item.description else ""
                out.append(f"enum {item.name} {{ {', '.join(item.members)} }}{desc}")
            case ast.AttributeDecl():
                per_year = " per year" if item.per_year else ""
                desc = f" {quote(item.description)}" if item.description else ""
                out.append(f"attribute {item.kind}.{item.name}: {_type(item.type)}{per_year}{desc}")
            case ast.PayerDecl():
                desc = f" {quote(item.description)}" if item.description else ""
                out.append(f"payer {item.name}{desc}")
            case ast.Policy():
                out.append(_policy(item))
            case _:
                assert_never(item)
    return "\n".join(out) + "\n"


def _policy(policy: ast.Policy) -> str:
    lines = [f"policy {policy.id} {{"]
    if policy.title is not None:
        lines.append(f"  title {quote(policy.title)}")
    if policy.year is not None:
        lines.append(f"  year {policy.year}")
    if policy.status is not None:
        lines.append(f"  status {quote(policy.status)}")
    if policy.supersedes:
        lines.append(f"  supersedes {', '.join(policy.supersedes)}")
    if policy.default_payers:
        lines.append(f"  default payer {_payers(policy.default_payers)}")
    for group in policy.not_cumulative:
        reason = f" {quote(group.reason)}" if group.reason is not None else ""
        lines.append(f"  not cumulative {', '.join(group.provisions)}{reason}")
    for allow in policy.allows:
        lines.append(f"  allow {allow.check} {', '.join(allow.provisions)} {quote(allow.reason)}")
    for clause in policy.clauses:
        lines.append(f"  clause {clause.id} {{")
        lines.append(f"    title {quote(clause.title)}")
        lines.append(f"    text {quote(clause.text)}")
        for note in clause.notes:
            lines.append(f"    note {quote(note)}")
        if clause.supersedes:
            lines.append(f"    supersedes {', '.join(clause.supersedes)}")
        for provision in clause.provisions:
            lines.extend(_provision(provision))
        for cap in clause.total_caps:
            lines.append(f"    total cap {print_expr(cap.limit)} per {cap.per_kind} over "
                         f"{', '.join(cap.provisions)}")
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines)


def _provision(provision: ast.Provision) -> list[str]:
    title = f" {quote(provision.title)}" if provision.title else ""
    lines = [f"    provision {provision.id}{title} {{"]
    if provision.subject:
        lines.append(f"      for {provision.subject}")
    for when in provision.conditions:
        label = f"{when.label}: " if when.label else ""
        text = f"      when {label}{print_expr(when.condition)}"
        for exception in when.exceptions:
            text += f" unless {print_expr(exception.trigger)} then {print_expr(exception.replacement)}"
        lines.append(text)
    amount = provision.amount
    if amount is not None:
        match amount.form:
            case "exact":
                lines.append(f"      amount {print_expr(amount.value)}")
            case "up_to":
                lines.append(f"      amount up to {print_expr(amount.value)}")
            case "at_least":
                lines.append(f"      amount at least {print_expr(amount.value)}")
            case "tiers":
                tiers = ", ".join(f"{_member(t.key)}: {print_expr(t.amount)}" for t in amount.tiers)
                lines.append(f"      amount by {print_expr(amount.tier_key)} {{ {tiers} }}")
    if provision.caps:
        lines.append(f"      cap {', '.join(print_expr(c) for c in provision.caps)}")
    if provision.payers:
        lines.append(f"      payer {_payers(provision.payers)}")
    if provision.informational is not None:
        lines.append(f"      informational {quote(provision.informational)}")
    for note in provision.notes:
        lines.append(f"      note {quote(note)}")
    if provision.supersedes:
        lines.append(f"      supersedes {', '.join(provision.supersedes)}")
    lines.append("    }")
    return lines
