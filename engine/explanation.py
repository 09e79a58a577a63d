"""What an explanation is made of: checks with their status, alternatives, suggestions.

Plain frozen data produced by `engine/explain.py`, shaped into trees by `engine/derivation.py`
and rendered by `engine/explain_render.py`, `engine/whatif.py` and `engine/report.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..dsl.checker import ProvisionInfo
from ..dsl.diagnostics import Span
from .changes import Change
from .check_values import Missing, references
from .ir import Check
from .profiles import Profile
from .qualify import Award, FactUse

HOLDS, FAILS, UNKNOWN = "holds", "fails", "unknown"

@dataclass(frozen=True, slots=True)
class Gap:
    """How far a failing comparison is from holding, in the condition's unit."""

    actual: str
    required: str
    relation: str  # "short by", "over by", "differs by", "must be above", …
    difference: str | None
    unit: str | None
    relative: Decimal  # |difference| / |required|; 1 when the required value is 0

    def text(self) -> str:
        return f"{self.relation} {self.difference}" if self.difference else self.relation

    def to_json(self) -> dict:
        return {"actual": self.actual, "required": self.required, "relation": self.relation,
                "difference": self.difference, "unit": self.unit, "text": self.text()}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check of one alternative, evaluated for one record (and `exists` records)."""

    condition: str
    role: str
    label: str | None
    status: str
    detail: str
    span: Span | None
    facts: tuple[FactUse, ...] = ()
    missing: tuple[Missing, ...] = ()
    gap: Gap | None = None
    note: str | None = None
    inner: tuple["AlternativeResult", ...] = ()  # a negated check: the negated condition's parts
    derived: str | None = None  # a negated check: the `neg@…` predicate it tests
    record: tuple[str, str] | None = None  # an `exists` check: the record it found (kind, id)
    binds: str | None = None  # an `exists` check: the variable it binds
    under: str | None = None  # the `exists` variable this check was evaluated under
    check: Check | None = field(default=None, compare=False, repr=False)
    env: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    @property
    def holds(self) -> bool:
        return self.status == HOLDS

    def reads(self) -> set[tuple[str, str]]:
        """(record, `kind.attribute`) of every fact the condition reads, negated parts included."""
        env = dict(self.env)
        found = set()
        if self.check is not None and self.check.condition is not None:
            found = {(env[r.kind], f"{r.kind}.{r.attribute}")
                     for r in references(self.check.condition) if r.kind in env}
        for alternative in self.inner:
            for check in alternative.checks:
                found |= check.reads()
        return found

    def to_json(self) -> dict:
        return {"condition": self.condition, "role": self.role, "label": self.label,
                "status": self.status, "detail": self.detail, "note": self.note,
                "rule_span": self.span.to_json() if self.span else None,
                "facts": [f.to_json() for f in self.facts],
                "missing": [m.to_json() for m in self.missing],
                "gap": self.gap.to_json() if self.gap else None,
                "derived": self.derived,
                "record": {"kind": self.record[0], "id": self.record[1]} if self.record else None,
                "inner": [a.to_json() for a in self.inner]}


@dataclass(frozen=True, slots=True)
class AlternativeResult:
    """One conjunction of the condition (a `fire@…#k` rule, or one part of a negation)."""

    index: int
    predicate: str
    title: str
    checks: tuple[CheckResult, ...]

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.checks)

    @property
    def open_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.holds)

    @property
    def distance(self) -> tuple:
        """Closest first: fewest open checks, fewest unknowns, smallest relative gaps."""
        open_checks = self.open_checks
        gaps = sum((c.gap.relative if c.gap else Decimal(1)) for c in open_checks)
        return (len(open_checks), sum(1 for c in open_checks if c.status == UNKNOWN), gaps,
                self.index)

    def summary(self) -> str:
        open_checks = self.open_checks
        if not open_checks:
            return "every condition holds"
        fails = sum(1 for c in open_checks if c.status == FAILS)
        unknown = len(open_checks) - fails
        parts = ([f"{fails} condition{'s' if fails > 1 else ''} fail{'' if fails > 1 else 's'}"]
                 if fails else []) + ([f"{unknown} unknown"] if unknown else [])
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {"index": self.index, "predicate": self.predicate, "title": self.title,
                "holds": self.holds, "summary": self.summary(),
                "checks": [c.to_json() for c in self.checks]}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A single change, proven to make the provision apply to the record."""

    change: Change
    relative: Decimal  # |new − old| / |old|; 1 for a flag, a member, or a fact not recorded
    alternative: int
    award: Award  # the award the changed profile gets

    def text(self) -> str:
        return self.change.describe()

    def outcome(self) -> str:
        award = self.award
        if award.amount is None:
            what = f"offers {award.informational}"
        else:
            what = f"with {award.amount}"
        if award.excluded_by is not None:
            what += f" (not paid: {award.adjustments[-1]})"
        elif award.adjustments:
            what += f" ({award.adjustments[-1]})"
        return f"{award.provision} then applies to {award.subject_kind} {award.subject_id} {what}"

    def to_json(self) -> dict:
        return {"change": self.change.to_json(),
                "relative_change": str(self.relative.quantize(Decimal("0.0001"))),
                "alternative": self.alternative, "proven": True, "outcome": self.outcome(),
                "amount": self.award.amount.to_json() if self.award.amount else None,
                "paid": self.award.paid}


@dataclass(frozen=True, slots=True)
class SubjectExplanation:
    subjects: tuple[tuple[str, str], ...]  # (kind, id) from the root down
    award: Award | None
    alternatives: tuple[AlternativeResult, ...]  # the firing one first, else closest first
    suggestions: tuple[Suggestion, ...] = ()  # smallest first; the first is the answer

    @property
    def applies(self) -> bool:
        return self.award is not None

    @property
    def record(self) -> tuple[str, str]:
        return self.subjects[-1]

    @property
    def closest(self) -> AlternativeResult | None:
        return self.alternatives[0] if self.alternatives else None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why (or why not) one provision applies to each record of one profile."""

    info: ProvisionInfo
    profile: Profile
    subjects: tuple[SubjectExplanation, ...]
    alternatives_total: int
    note: str | None = None  # why there is nothing to explain, e.g. no record of the kind

    @property
    def provision(self) -> str:
        return self.info.provision.id


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A provision a record misses by one condition."""

    info: ProvisionInfo
    subject: SubjectExplanation
    alternative: AlternativeResult
    check: CheckResult

    @property
    def suggestion(self) -> Suggestion | None:
        return self.subject.suggestions[0] if self.subject.suggestions else None
