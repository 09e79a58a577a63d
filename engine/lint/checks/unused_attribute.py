"""L103 unused-attribute: a declared attribute that no provision reads.

## What it does
Reports each attribute of the vocabulary that no condition, amount, tier or cap uses. Text
attributes (`名称`, `姓名`) identify a record for people and are exempt; so is an attribute that a
`note` names in full (`项目.技改类型`): the note says why it is recorded but not tested, and the
finding is listed as acknowledged by it.

## Why is this bad?
Applicants are asked for every declared fact. A fact that decides nothing is either a condition
the drafter forgot to write (a 发布年份 that should bound which standards count) or a question
the form should not ask.

## Example
```
attribute 标准.发布年份: year      # no provision mentions 标准.发布年份
```

## Use instead
Use it in the condition it belongs to, delete it, or name it in a `note` that says why it is
recorded.
"""

from __future__ import annotations

from ....dsl import ast
from ....dsl.diagnostics import Diagnostic, Severity
from ..findings import Acknowledgement, Finding
from ..relations import references

CODE = "L103"
NAME = "unused-attribute"
SEVERITY = Severity.WARNING


def _expressions(provision: ast.Provision):
    for when in provision.conditions:
        yield when.condition
        for exception in when.exceptions:
            yield exception.trigger
            yield exception.replacement
    amount = provision.amount
    if amount is not None:
        if amount.value is not None:
            yield amount.value
        if amount.tier_key is not None:
            yield amount.tier_key
        for tier in amount.tiers:
            yield tier.amount
    yield from provision.caps


def run(context):
    rule_base = context.rule_base
    used: set[tuple[str, str]] = set()
    notes: list[tuple[str, object]] = []
    for info in rule_base.provisions.values():
        for expr in _expressions(info.provision):
            used |= {(r.kind, r.attribute) for r in references(expr)}
        notes += [(note, info.provision.span) for note in info.provision.notes]
    for clause, _policy in rule_base.clauses.values():
        notes += [(note, clause.span) for note in clause.notes]
        for cap in clause.total_caps:
            used |= {(r.kind, r.attribute) for r in references(cap.limit)}
    for (kind, name), attribute in rule_base.attributes.items():
        if (kind, name) in used or attribute.type.base == "text":
            continue
        qualified = f"{kind}.{name}"
        finding = Finding(NAME, Diagnostic(
            CODE, NAME, SEVERITY, f"attribute `{qualified}` is declared but no provision reads it",
            attribute.decl.span, (),
            "use it in a condition, delete it, or name it in a `note` that says why it is recorded"))
        for note, span in notes:
            if qualified in note:
                finding = finding.with_acknowledgement(Acknowledgement("note", f'note "{note}"', None, span))
                break
        yield finding
