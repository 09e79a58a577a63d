"""L303 subsumption: within one clause family, one provision's condition implies another's.

## What it does
For provisions of the same clause (or of clauses linked by `supersedes`, when neither replaces
the other), asks z3 whether P ∧ ¬Q is unsatisfiable: every record that meets P then meets Q.
The witness is a record that meets P — and so both.

## Why is this bad?
Inside one clause, a narrower provision that always comes with a broader one is either an
intended top-up (再给予: 30万元, then 10万元 more after three years) or a tier that was meant to
replace the lower one and now stacks on it. The text decides which, and the rule file should say.

## Example
```
provision nmg2026.2.1a { when 企业.首次纳入规上年份 = 2026 amount 30万元 }
provision nmg2026.2.1b { when 企业.首次纳入规上年份 = 2026 when <规上 three more years> amount 10万元 }
```

## Use instead
An intended top-up: `allow subsumption nmg2026.2.1b, nmg2026.2.1a "再给予"`. A replacement:
`not cumulative nmg2026.2.1a, nmg2026.2.1b`, or narrow the broader condition.
"""

from __future__ import annotations

from ....dsl.diagnostics import Severity
from ._pair import pair_check

CODE = "L303"
NAME = "subsumption"
SEVERITY = Severity.WARNING


def run(context):
    return pair_check(context, NAME, CODE, SEVERITY)
