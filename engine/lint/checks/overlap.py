"""L301 overlap: one record can be paid twice, by two provisions of one policy, for one thing.

## What it does
For each pair of paying provisions of the same policy paid per the same kind of record, asks z3
whether one record can meet both, and reports the pair when it can and both pay for the same
thing: their amounts use a common figure, or both are a share of what the record spent, or one
provision's condition reads only facts the other's reads. The witness is such a record, run
through the evaluator to show both awards.

## Why is this bad?
The same project's equipment investment paid twice (2026 一（一） with 六（三）; 2022 （八）'s
three sentences on one project) is the classic double funding. Whether the text allows it is a
ruling the drafters must make and write down, not an accident of the encoding.

## Example
```
provision nmg2022.8a { for 项目 … amount 20% * 项目.实际完成投资 }
provision nmg2022.8b { for 项目 when 项目.智能工厂或数字化车间项目 amount 20% * 项目.实际完成投资 }
```

## Use instead
Where the text implies 不重复享受, declare the stacking rule — the evaluator then pays only the
larger award: `not cumulative nmg2022.8a, nmg2022.8b "reason"`. Where both are meant to be
paid, say so: `allow overlap nmg2022.8a, nmg2022.8b "reason"`.
"""

from __future__ import annotations

from ....dsl.diagnostics import Severity
from ._pair import pair_check

CODE = "L301"
NAME = "overlap"
SEVERITY = Severity.ERROR


def run(context):
    return pair_check(context, NAME, CODE, SEVERITY)
