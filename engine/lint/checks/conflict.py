"""L302 conflict: two provisions with the same trigger pay different amounts.

## What it does
Across policies in force at the same time, reports two provisions paid per the same kind of
record whose triggers coincide — one's condition reads only facts the other's reads, or both
amounts use a common figure — when z3 finds a record that meets both and gets different money
from them (a different amount, rate or cap). Within one policy it reports two provisions whose
conditions are equivalent but whose money differs. The witness shows both amounts, as the
evaluator computes them.

## Why is this bad?
Two lists that pay a national green factory 200万元 (2026 三（一）) and 100万元 (2022 （二十一）)
disagree; an applicant would claim both, or the administering department would pick one with no
rule to point at.

## Example
```
provision nmg2026.3.1 { for 认定 when 认定.类型 in { 绿色工厂, … } … amount 200万元 }
provision nmg2022.21a { for 认定 when 认定.类型 in { 绿色工厂, … } … amount 100万元 }
```

## Use instead
If the newer clause replaces the older one, declare it: `supersedes nmg2022.21` in clause
`nmg2026.3.1` (or on the provision). If both are meant to be paid,
`allow conflict nmg2026.3.1, nmg2022.21a "reason"`.
"""

from __future__ import annotations

from ....dsl.diagnostics import Severity
from ._pair import pair_check

CODE = "L302"
NAME = "conflict"
SEVERITY = Severity.ERROR


def run(context):
    return pair_check(context, NAME, CODE, SEVERITY)
