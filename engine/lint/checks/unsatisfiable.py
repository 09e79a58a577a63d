"""L201 unsatisfiable-provision: a provision whose conditions can never hold together.

## What it does
Asks z3 whether any profile at all makes the provision fire. When none does, it reports, for
each alternative of the condition, an unsat core: the few conditions that already contradict
each other (e.g. a threshold above a cap on the same figure, or two values of one enumeration).

## Why is this bad?
A dead provision promises a benefit nobody can receive. It is almost always a typo — a `>` for a
`<`, a unit off by 10,000, a member of the wrong list — and it silently removes a clause of the
policy.

## Example
```
when 项目.投资额 >= 2000万元
when 项目.投资额 < 1000万元
```

## Use instead
Fix the condition the core points at; if a branch is meant to be dead, delete it.
"""

from __future__ import annotations

import z3

from ....dsl.diagnostics import Diagnostic, Severity
from ....dsl.printer import print_expr
from ..encoding import EncodingError
from ..findings import Finding

CODE = "L201"
NAME = "unsatisfiable-provision"
SEVERITY = Severity.ERROR


def run(context):
    if context.program is None:
        return
    for provision_id, info in context.rule_base.provisions.items():
        world = context.world_of(provision_id)
        if world is None:
            continue
        try:
            satisfiable, _ = world.check(world.fires[provision_id])
        except EncodingError:
            continue
        if satisfiable:
            continue
        cores = [_core(world, alternative) for alternative in world.instances[provision_id].alternatives]
        notes, related = [], []
        for index, core in enumerate(cores):
            if not core:
                notes.append(f"alternative {index + 1}: contradicts the facts' ranges "
                             "(a negative amount, a year outside 1949–2100, …)")
                continue
            shown = " and ".join(f"`{_show(check)}`" for check in core)
            notes.append(f"{'alternative ' + str(index + 1) + ': ' if len(cores) > 1 else ''}"
                         f"{shown} cannot all hold")
            for check in core:
                if check.condition is not None and check.condition.span is not None:
                    related.append((f"`{_show(check)}`", check.condition.span))
        yield Finding(NAME, Diagnostic(
            CODE, NAME, SEVERITY, f"`{provision_id}` can never apply: its conditions contradict "
            "each other", info.provision.span, tuple(notes),
            "fix the conditions the core names; a dead provision pays nobody",
            tuple(dict.fromkeys(related))), (provision_id,))


def _show(check) -> str:
    return print_expr(check.condition) if check.condition is not None else check.description


def _core(world, alternative):
    """The checks of one alternative that z3's minimised unsat core names."""
    solver = z3.Solver()
    solver.set("core.minimize", True)
    solver.add(*world.scenario.background)
    guards = {}
    for index, check in enumerate(alternative.checks):
        guard = z3.Bool(f"core|{alternative.alternative.predicate}|{index}")
        guards[str(guard)] = check.check
        solver.add(z3.Implies(guard, check.formula))
    if solver.check(*[z3.Bool(name) for name in guards]) != z3.unsat:
        return []
    core = [guards[str(g)] for g in solver.unsat_core() if str(g) in guards]
    def position(check) -> tuple:
        span = check.condition.span if check.condition is not None else None
        return (span.file, span.line, span.column) if span is not None else ("", 0, 0)
    return sorted(core, key=position)
