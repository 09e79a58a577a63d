"""Version change impact: what changed between two policies, clause family by clause family.

Clause families are matched by the declared links only — a newer clause or provision that
`supersedes nmg2022.18` is the successor of `nmg2022.18`; nothing is matched by title or
position across policies. Within a matched pair of clauses, provisions pair by their own
`supersedes`, then one-to-one, then by title, then by letter.

For each provision pair the diff lists what changed in the text of the rule (thresholds, rates,
caps, conditions, tiers, payers) and asks z3 for an applicant whose result differs:

    SAT(old ∧ ¬new)   qualifies under the old version only
    SAT(new ∧ ¬old)   qualifies under the new version only
    SAT(old ∧ new ∧ amount_old ≠ amount_new)   both apply, the money differs

Each applicant is a profile, run through the evaluator like every lint witness.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...dsl import ast
from ...dsl.checker import RuleBase
from ...dsl.printer import print_expr
from .context import LintContext
from .encoding import EncodingError
from .witness import Witness, expect_fire, expect_split


@dataclass(frozen=True)
class Impact:
    description: str  # "qualifies under nmg2022.18 only"
    witness: Witness

    def to_json(self) -> dict:
        return {"description": self.description, "witness": self.witness.to_json()}


@dataclass
class ProvisionDiff:
    old: str | None
    new: str | None
    changes: list[str] = field(default_factory=list)
    impacts: list[Impact] = field(default_factory=list)
    note: str | None = None  # why no witness could be searched

    def to_json(self) -> dict:
        return {"old": self.old, "new": self.new, "changes": self.changes,
                "impacts": [i.to_json() for i in self.impacts], "note": self.note}


@dataclass
class FamilyDiff:
    old_clause: str
    new_clause: str
    link: str
    provisions: list[ProvisionDiff] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"old_clause": self.old_clause, "new_clause": self.new_clause, "link": self.link,
                "provisions": [p.to_json() for p in self.provisions]}


@dataclass
class PolicyDiff:
    old: str
    new: str
    families: list[FamilyDiff]
    only_old: list[str]
    only_new: list[str]

    def to_json(self) -> dict:
        return {"old": self.old, "new": self.new, "families": [f.to_json() for f in self.families],
                "only_old": self.only_old, "only_new": self.only_new}


# ---- matching ---------------------------------------------------------------------------------

def _links(rule_base: RuleBase, old: ast.Policy, new: ast.Policy) -> list[tuple[str, str, str]]:
    """(old clause, new clause, how) for every declared link from `new` into `old`."""
    old_clauses = {c.id for c in old.clauses}
    old_provisions = {p.id: c.id for c in old.clauses for p in c.provisions}
    links: list[tuple[str, str, str]] = []
    for clause in new.clauses:
        targets = [(t, f"clause `{clause.id}` supersedes `{t}`") for t in clause.supersedes]
        targets += [(t, f"provision `{p.id}` supersedes `{t}`")
                    for p in clause.provisions for t in p.supersedes]
        for target, how in targets:
            old_clause = target if target in old_clauses else old_provisions.get(target)
            if old_clause is not None and all((o, n) != (old_clause, clause.id) for o, n, _ in links):
                links.append((old_clause, clause.id, how))
    return links


def _pair_provisions(old: ast.Clause, new: ast.Clause) -> list[tuple[str | None, str | None]]:
    pairs: list[tuple[str | None, str | None]] = []
    old_left = [p.id for p in old.provisions]
    new_left = [p.id for p in new.provisions]

    def take(o: str, n: str) -> None:
        pairs.append((o, n))
        old_left.remove(o)
        new_left.remove(n)

    for provision in new.provisions:
        for target in provision.supersedes:
            if target in old_left and provision.id in new_left:
                take(target, provision.id)
    if len(old_left) == 1 and len(new_left) == 1:
        take(old_left[0], new_left[0])
    if len(new_left) == 1 and len(old_left) > 1 and not pairs:  # one new provision for several
        pairs += [(o, new_left[0]) for o in old_left]
        return pairs
    if len(old_left) == 1 and len(new_left) > 1 and not pairs:  # several new ones for one
        pairs += [(old_left[0], n) for n in new_left]
        return pairs
    titles = {p.id: p.title for p in old.provisions + new.provisions}
    for o in list(old_left):
        for n in list(new_left):
            if titles[o] and titles[o] == titles[n] and o in old_left and n in new_left:
                take(o, n)
    for o in list(old_left):
        for n in list(new_left):
            if o[-1].isalpha() and o[-1] == n[-1] and o in old_left and n in new_left:
                take(o, n)
    pairs += [(o, None) for o in old_left] + [(None, n) for n in new_left]
    return pairs


# ---- what changed in the text -------------------------------------------------------------------

def _conjuncts(provision: ast.Provision) -> dict[str, ast.Expr | None]:
    """The provision's conditions, split at top-level `and`, by their printed form."""
    found: dict[str, ast.Expr | None] = {}
    for when in provision.conditions:
        parts = list(when.condition.operands) if isinstance(when.condition, ast.And) else [when.condition]
        for part in parts:
            found[print_expr(part)] = part
        for exception in when.exceptions:
            found[f"unless {print_expr(exception.trigger)} then "
                  f"{print_expr(exception.replacement)}"] = None
    return found


def _threshold_key(expr: ast.Expr):
    if isinstance(expr, ast.Compare) and isinstance(expr.right, ast.Quantity):
        return ("compare", print_expr(expr.left))
    return None


def _amount_text(amount: ast.Amount | None) -> str:
    if amount is None:
        return "none (informational)"
    match amount.form:
        case "exact":
            return print_expr(amount.value)
        case "up_to":
            return f"up to {print_expr(amount.value)}"
        case "at_least":
            return f"at least {print_expr(amount.value)}"
        case "tiers":
            tiers = ", ".join(f"{t.key}: {print_expr(t.amount)}" for t in amount.tiers)
            return f"by {print_expr(amount.tier_key)} {{ {tiers} }}"
    return "?"


def _rate(amount: ast.Amount | None):
    """(rate, base) for `rate * base` amounts; None otherwise."""
    if amount is None or amount.value is None or not isinstance(amount.value, ast.BinaryOp):
        return None
    value = amount.value
    if value.op == "*" and isinstance(value.left, ast.Quantity):
        return value.left, print_expr(value.right)
    return None


def text_changes(old: ast.Provision, new: ast.Provision, old_kind: str, new_kind: str) -> list[str]:
    changes = []
    if old_kind != new_kind:
        changes.append(f"paid per: `{old_kind}` → `{new_kind}`")
    old_parts, new_parts = _conjuncts(old), _conjuncts(new)
    removed = [(text, e) for text, e in old_parts.items() if text not in new_parts]
    added = [(text, e) for text, e in new_parts.items() if text not in old_parts]
    for text, expr in list(removed):
        key = _threshold_key(expr)
        twin = next((a for a in added if key is not None and _threshold_key(a[1]) == key), None)
        if twin is not None:
            changes.append(f"threshold: `{text}` → `{twin[0]}`")
            removed.remove((text, expr))
            added.remove(twin)
    for text, expr in list(removed):  # `x in {…}` with other members: say which
        twin = next((a for a in added if isinstance(expr, ast.Member) and isinstance(a[1], ast.Member)
                     and print_expr(a[1].operand) == print_expr(expr.operand)), None)
        if twin is not None:
            gone = [m for m in expr.members if m not in twin[1].members]
            new_members = [m for m in twin[1].members if m not in expr.members]
            parts = ([f"− {', '.join(gone)}"] if gone else []) + \
                ([f"+ {', '.join(new_members)}"] if new_members else [])
            changes.append(f"values of `{print_expr(expr.operand)}`: {'; '.join(parts)}")
            removed.remove((text, expr))
            added.remove(twin)
    changes += [f"condition removed: `{text}`" for text, _ in removed]
    changes += [f"condition added: `{text}`" for text, _ in added]
    old_rate, new_rate = _rate(old.amount), _rate(new.amount)
    if old_rate and new_rate and old_rate[1] == new_rate[1] and old_rate[0] != new_rate[0]:
        changes.append(f"rate: {old_rate[0].text} → {new_rate[0].text} of `{new_rate[1]}`")
    elif _amount_text(old.amount) != _amount_text(new.amount):
        changes.append(f"amount: `{_amount_text(old.amount)}` → `{_amount_text(new.amount)}`")
    old_caps = [print_expr(c) for c in old.caps]
    new_caps = [print_expr(c) for c in new.caps]
    if old_caps != new_caps:
        changes.append(f"cap: {', '.join(old_caps) or 'none'} → {', '.join(new_caps) or 'none'}")
    old_payers = [(p.payer, p.share.text if p.share else None) for p in old.payers]
    new_payers = [(p.payer, p.share.text if p.share else None) for p in new.payers]
    if old_payers != new_payers:
        changes.append("payers: " + (", ".join(f"{p} {s or ''}".strip() for p, s in old_payers) or "default")
                       + " → " + (", ".join(f"{p} {s or ''}".strip() for p, s in new_payers) or "default"))
    return changes


# ---- what changed for an applicant --------------------------------------------------------------

def impacts(context: LintContext, old: str, new: str) -> tuple[list[Impact], str | None]:
    rule_base = context.rule_base
    if rule_base.provisions[old].subject != rule_base.provisions[new].subject:
        return [], "paid per different kinds of record: no single applicant compares them"
    world = context.world_of(old)
    if world is None or new not in world.instances:
        return [], "not analysed (a construct the solver translation does not cover)"
    kind, record = world.kind, world.scope[world.kind].record_id
    instances = [world.instances[old], world.instances[new]]
    found: list[Impact] = []
    queries = [
        (f"qualifies under `{old}` only", (world.fires[old], world.fails[new]), None,
         expect_split([old], [new], kind, record), [instances[0]]),
        (f"qualifies under `{new}` only", (world.fires[new], world.fails[old]), None,
         expect_split([new], [old], kind, record), [instances[1]]),
    ]
    amounts = world.amount(old), world.amount(new)
    if amounts[0] is not None and amounts[1] is not None:
        queries.append(("both apply, the money differs", (world.fires[old], world.fires[new]),
                        amounts[0].differs(amounts[1]),
                        expect_fire([old, new], kind, record, differ=True), instances))
    for description, assumptions, extra, expectation, positive in queries:
        try:
            satisfiable, model = world.check(*assumptions, extra=extra)
        except EncodingError as exc:
            return found, str(exc)
        if not satisfiable:
            continue
        header = [f"policylog diff witness: {description}"]
        witness = context.witness(world, model(instances), positive, expectation, header,
                                  involved=instances)
        found.append(Impact(description, witness))
    return found, None


def diff_policies(rule_base: RuleBase, old_id: str, new_id: str, *, verify: bool = True) -> PolicyDiff:
    old, new = rule_base.policies[old_id], rule_base.policies[new_id]
    context = LintContext(rule_base, set(), verify)
    families = []
    linked_old, linked_new = set(), set()
    clauses = {c.id: c for c in old.clauses + new.clauses}
    for old_clause, new_clause, how in _links(rule_base, old, new):
        linked_old.add(old_clause)
        linked_new.add(new_clause)
        family = FamilyDiff(old_clause, new_clause, how)
        for o, n in _pair_provisions(clauses[old_clause], clauses[new_clause]):
            entry = ProvisionDiff(o, n)
            if o is not None and n is not None:
                info_old, info_new = rule_base.provisions[o], rule_base.provisions[n]
                entry.changes = text_changes(info_old.provision, info_new.provision,
                                             info_old.subject, info_new.subject)
                if context.program is not None:
                    entry.impacts, entry.note = impacts(context, o, n)
            family.provisions.append(entry)
        families.append(family)
    only_old = [c.id for c in old.clauses if c.id not in linked_old]
    only_new = [c.id for c in new.clauses if c.id not in linked_new]
    return PolicyDiff(old_id, new_id, families, only_old, only_new)


def render_diff(result: PolicyDiff, rule_base: RuleBase) -> str:
    clauses = rule_base.clauses
    out = [f"policylog diff {result.old} → {result.new}", ""]
    if not result.families:
        out.append(f"no clause of `{result.new}` declares that it supersedes one of `{result.old}`")
        out.append("")
    for family in result.families:
        out.append(f"clause {family.old_clause} → {family.new_clause}  ({family.link})")
        for entry in family.provisions:
            if entry.old is None:
                out.append(f"  + {entry.new}: only in {result.new}")
                continue
            if entry.new is None:
                out.append(f"  - {entry.old}: only in {result.old}")
                continue
            out.append(f"  {entry.old} → {entry.new}")
            for change in entry.changes or ["no change in the rule's text"]:
                out.append(f"    {change}")
            for impact in entry.impacts:
                state = "verified" if impact.witness.verified else "NOT reproduced by the evaluator"
                out.append(f"    applicant ({state}): {impact.description}")
                for line in impact.witness.summary:
                    out.append(f"      {line}")
                for line in impact.witness.evidence:
                    out.append(f"      → {line}")
            if not entry.impacts and entry.note is None and entry.changes:
                out.append("    no applicant's result differs")
            if entry.note:
                out.append(f"    ({entry.note})")
        out.append("")
    for label, ids in ((f"only in {result.old}", result.only_old), (f"only in {result.new}", result.only_new)):
        out.append(f"{label} ({len(ids)} clauses):")
        for clause_id in ids:
            out.append(f"  {clause_id}  {clauses[clause_id][0].title}".rstrip())
        out.append("")
    return "\n".join(out)
