"""L402 tier-overlap: two tiers of one threshold set both cover a value.

## What it does
A clause whose provisions split the range of one attribute with thresholds (`投资额 >= 500万元`
in one, `投资额 >= 2000万元` in another) forms a threshold set. This check reports two of its
tiers that one record can meet at once, with that record as the witness.

## Why is this bad?
Tiers are meant to be exclusive: a 3000万元 project should get the 2000万元 tier's amount, not
both tiers' amounts added up.

## Example
```
provision x.1a { when 项目.投资额 >= 500万元 amount 10万元 }
provision x.1b { when 项目.投资额 >= 2000万元 amount 50万元 }
```

## Use instead
Close the lower tier (`项目.投资额 >= 500万元 and 项目.投资额 < 2000万元`), or declare
`not cumulative x.1a, x.1b` if the higher tier is meant to replace the lower one.
"""

from __future__ import annotations

from ....dsl.diagnostics import Severity
from ._pair import pair_check

CODE = "L402"
NAME = "tier-overlap"
SEVERITY = Severity.ERROR


def run(context):
    return pair_check(context, NAME, CODE, SEVERITY)
