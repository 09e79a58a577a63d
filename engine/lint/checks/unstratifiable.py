"""L101 unstratifiable: a cycle of rules through a negation or an aggregation.

## What it does
Builds the predicate dependency graph of the compiled program with networkx and reports every
strongly connected component that contains a negated or aggregated edge, naming one cycle.

## Why is this bad?
A rule that depends on its own negation (`A if not B`, `B if A`) has no single meaning: the
answer depends on evaluation order, so two evaluators may pay different awards. Datalog with
negation is well defined only for stratified programs, where such cycles do not exist. The same
holds for a stacking rule whose result feeds a provision it caps.

## Example
```
provision x.1 { when not <x.2 is paid> … }
provision x.2 { when <x.1 is paid> … }
```

## Use instead
Break the cycle: state the condition on the facts the other provision reads, not on its award.
"""

from __future__ import annotations

from ....dsl.diagnostics import Diagnostic, Severity
from ..findings import Finding
from ..graph import dependency_graph, unstratifiable_cycles

CODE = "L101"
NAME = "unstratifiable"
SEVERITY = Severity.ERROR


def run(context):
    if context.program is None:
        return
    graph = dependency_graph(context.program, context.rule_base)
    for cycle, through in unstratifiable_cycles(graph):
        shown = " → ".join(f"`{p}`" for p in cycle + cycle[:1])
        span = None
        for node in cycle:
            for _, _, data in graph.in_edges(node, data=True):
                if data.get("rule") is not None and data["rule"].span is not None:
                    span = data["rule"].span
                    break
            if span:
                break
        yield Finding(NAME, Diagnostic(
            CODE, NAME, SEVERITY, f"rules depend on themselves through {through}: {shown}", span,
            ("such a program has no stratification: its answer would depend on evaluation order",),
            "state the condition on facts rather than on another provision's result"))
