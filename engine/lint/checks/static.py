"""E000 static-error: what the checker and the compiler already report, passed through.

## What it does
Reports the errors and warnings of the earlier stages — syntax, undefined names, units, unbound
subjects (E1xx), and the compiler's limits such as `min` in a condition (E2xx) — under their own
codes, so one `policylog lint` run shows everything a drafter must fix.

## Why is this bad?
A rule file with a static error cannot be evaluated at all, and the semantic checks below run on
the compiled program: they are skipped until it compiles.

## Example
```
when 项目.年节水量 >= 5万吨标准煤   # error[E101] unit-mismatch
```

## Use instead
Follow the diagnostic's `help:` line, e.g. `when 项目.年节水量 >= 5万吨`.
"""

from __future__ import annotations

from ....dsl.diagnostics import Severity
from ..findings import Finding

CODE = "E000"
NAME = "static-error"
SEVERITY = Severity.ERROR


def run(context):
    for diagnostic in context.rule_base.diagnostics:
        yield Finding(NAME, diagnostic)
    for diagnostic in context.compile_diagnostics:
        yield Finding(NAME, diagnostic)
