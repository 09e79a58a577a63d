"""L102 undefined-predicate: a rule body uses a predicate that nothing defines.

## What it does
Lists every predicate that appears in a rule body but is neither a fact predicate (a declared
subject kind or attribute) nor the head of any rule.

## Why is this bad?
Such a literal never holds, so the rule that uses it never fires (or, negated, always holds):
the provision is silently dead or silently unconditional. With the checker in front it means
the compiler and the vocabulary disagree — a bug to fix before trusting any answer.

## Example
A compiled rule `fire@x·1#0(S) :- 企业(S), 企业@旧属性(S, V)` after `旧属性` was removed from
the vocabulary.

## Use instead
Declare the attribute, or recompile the rules against the current vocabulary.
"""

from __future__ import annotations

from ....dsl.diagnostics import Diagnostic, Severity
from ..findings import Finding
from ..graph import undefined_predicates

CODE = "L102"
NAME = "undefined-predicate"
SEVERITY = Severity.ERROR


def run(context):
    if context.program is None:
        return
    for predicate, rule in undefined_predicates(context.program):
        yield Finding(NAME, Diagnostic(
            CODE, NAME, SEVERITY, f"`{predicate}` is used but never defined", rule.span,
            (f"in the rule for `{rule.head.predicate}`",),
            "declare it in the vocabulary, or remove the condition that uses it"),
            (rule.provision,) if rule.provision else ())
