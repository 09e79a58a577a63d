"""L901 unused-acknowledgement: an `allow` line that silences nothing.

## What it does
Runs last, after every other check, and reports each `allow CHECK A, B "reason"` that matched
no finding, and each that names no check at all.

## Why is this bad?
An acknowledgement outlives the finding it was written for: after a clause is redrafted the
overlap may be gone, and the stale line would silently excuse a new, different finding between
the same provisions. A misspelt check name excuses nothing while looking as if it did.

## Example
```
allow overlap nmg2026.1.2, nmg2026.1.3 "…"     # the two can no longer overlap
allow overlapp nmg2026.1.1, nmg2026.6.3 "…"    # no check is called `overlapp`
```

## Use instead
Delete the line, or fix the check's name (`policylog lint --help` lists them).
"""

from __future__ import annotations

from ....dsl.checker import did_you_mean
from ....dsl.diagnostics import Diagnostic, Severity
from ..findings import Finding

CODE = "L901"
NAME = "unused-acknowledgement"
SEVERITY = Severity.WARNING


def run(context):
    known = context.check_names
    for entry in context.acknowledgements.unused_allows():
        allow = entry.allow
        name = known.get(allow.check, allow.check if allow.check in known.values() else None)
        if name is None:
            hint = did_you_mean(allow.check, list(known.values()))
            yield Finding(NAME, Diagnostic(
                CODE, NAME, SEVERITY, f"`allow {allow.check}`: no check is called `{allow.check}`",
                allow.span, (), hint or "`policylog lint --help` lists the checks"),
                tuple(allow.provisions))
        elif name in context.enabled:
            yield Finding(NAME, Diagnostic(
                CODE, NAME, SEVERITY, f"`allow {allow.check} {', '.join(allow.provisions)}` "
                "acknowledges no finding", allow.span,
                (f"the `{name}` check reports nothing between these provisions",),
                "delete the line, or check that it names the right provisions"),
                tuple(allow.provisions))
