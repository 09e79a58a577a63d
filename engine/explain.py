"""Why, why not, and what it would take — read from the engine's own answers.

For one provision and one profile, every record the provision pays per gets a
`SubjectExplanation`:

- the award, when the provision applies (`engine/derivation.py` shapes it into a proof tree);
- every alternative of the provision's condition, closest first, each check with its status:
  `holds`; `fails`, with the actual and required values and the gap in the condition's unit
  (`项目.年节水量 4万吨 < 5万吨, short by 1万吨`); or `unknown`, naming the fact the profile lacks
  and its unit — unknown is never shown as false;
- the smallest single change that makes the provision apply, proven by running
  `PolicyEngine.qualify` again on the changed profile, with the amount it would then get.

Which checks hold comes from Datalog (`engine/checks.py`: one predicate per check, evaluated by
the same rules and facts as the awards). The values printed beside a status are the facts the
engine read; exact `Decimal` arithmetic gives the gaps.

    >>> explainer = Explainer(PolicyEngine(rule_base))                      # doctest: +SKIP
    >>> found = explainer.explain(profile, "nmg2026.1.3").subjects[0]         # doctest: +SKIP
    >>> found.closest.checks[1].detail                                       # doctest: +SKIP
    '项目.年节水量 4万吨 < 5万吨, short by 1万吨'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Iterator

from ..dsl import ast
from ..dsl.checker import Attribute, ProvisionInfo, RuleBase
from ..dsl.diagnostics import Span
from ..dsl.printer import print_expr
from ..dsl.units import EXACT, format_number
from .amounts import AmountError, AmountEvaluator
from .changes import Change, apply_changes
from .checks import CheckAnswers, CheckProgram, ProvisionChecks, check_vars
from .ir import Atom, Check, CompiledProvision, Negation, attribute_predicate
from .profiles import Fact, Profile, Record
from .qualify import Award, FactUse, PolicyEngine, QualifyResult

HOLDS, FAILS, UNKNOWN = "holds", "fails", "unknown"

MAX_PROOFS = 12  # candidate changes re-evaluated per subject; candidates are tried smallest first

_SYMBOL = {">=": "≥", "<=": "≤", "!=": "≠", "=": "=", "==": "=", ">": ">", "<": "<"}
_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "=": "!=", "!=": "="}
_FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "=", "!=": "!="}


# ---- results -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Missing:
    """A fact the profile lacks: `项目.年节水量` of record P, expected in 吨."""

    name: str
    record: str
    expects: str

    def text(self) -> str:
        return f"`{self.name}` ({self.expects})"

    def to_json(self) -> dict:
        return {"name": self.name, "record": self.record, "expects": self.expects}


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
                     for r in _references(self.check.condition) if r.kind in env}
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


# ---- formatting of values ----------------------------------------------------------------------

def format_in_unit(rule_base: RuleBase, value: Decimal, unit: str | None) -> str:
    """A base-unit value in a written unit: 40000 in 万吨 → `4万吨`."""
    if unit is None:
        return format_number(value)
    info = rule_base.units.resolve(unit)
    if info is None or info.scale == 0:
        return format_number(value)
    try:
        shown = EXACT.divide(value, info.scale)
    except ArithmeticError:
        shown = (value / info.scale).quantize(Decimal("0.0001"))
    return f"{format_number(shown)}{unit}"


def expects(rule_base: RuleBase, attribute: Attribute) -> str:
    """What a missing fact would hold: its unit, or its kind of value."""
    type_ = attribute.type
    match type_.base:
        case "bool":
            return "true or false"
        case "number":
            if attribute.declared_unit:
                return f"in {attribute.declared_unit}"
            return f"in {rule_base.units.base_of[type_.dims]}" if type_.dims in rule_base.units.base_of \
                else "a number"
        case "enum":
            return "one of " + ", ".join(rule_base.enums[type_.enum].members)
        case "set":
            return "a list of " + ", ".join(rule_base.enums[type_.enum].members)
        case "year":
            return "a year"
        case _:
            return "text"


def _references(expr: ast.Expr) -> Iterator[ast.Reference]:
    match expr:
        case ast.Reference(year=year):
            if year is not None:
                yield from _references(year)
            yield expr
        case ast.BinaryOp(left=left, right=right) | ast.Compare(left=left, right=right):
            yield from _references(left)
            yield from _references(right)
        case ast.Negate(operand=operand) | ast.Not(operand=operand) | ast.Member(operand=operand) \
                | ast.Has(operand=operand):
            yield from _references(operand)
        case ast.Call(args=args) | ast.And(operands=args) | ast.Or(operands=args):
            for arg in args:
                yield from _references(arg)
        case _:
            return


class _Absent(Exception):
    def __init__(self, missing: Missing):
        self.missing = missing


class _Values:
    """The facts one check reads, for the records it was evaluated on (kind → record id)."""

    def __init__(self, session: "_Session", env: dict[str, str]):
        self.session = session
        self.rule_base = session.rule_base
        self.env = env
        self.used: list[FactUse] = []

    def year_of(self, ref: ast.Reference) -> int | None:
        if ref.year is None:
            return None
        value = AmountEvaluator(self.rule_base, self.lookup).evaluate(ref.year).value
        return int(value)

    def name(self, ref: ast.Reference) -> str:
        """`企业.营业收入[2025]`: the reference with its year worked out, when it can be."""
        if ref.year is None:
            return f"{ref.kind}.{ref.attribute}"
        try:
            return f"{ref.kind}.{ref.attribute}[{self.year_of(ref)}]"
        except _Absent:
            return print_expr(ref)

    def lookup(self, ref: ast.Reference):
        record_id = self.env[ref.kind]
        attribute = self.rule_base.attributes[(ref.kind, ref.attribute)]
        year = self.year_of(ref)
        record = self.session.record(ref.kind, record_id)
        value = record.values.get(ref.attribute) if record is not None else None
        if isinstance(value, dict):
            value = value.get(year)
        if value is None:
            name = f"{ref.kind}.{ref.attribute}" + (f"[{year}]" if year is not None else "")
            raise _Absent(Missing(name, record_id, expects(self.rule_base, attribute)))
        for fact in self.session.facts_of(attribute_predicate(ref.kind, ref.attribute), record_id, year):
            shown = f"{ref.kind}.{ref.attribute}" + (f"[{year}]" if year is not None else "")
            use = FactUse(shown, fact.text, fact.span, record_id)
            if use not in self.used:
                self.used.append(use)
        return value

    def shown(self, ref: ast.Reference) -> str:
        """The value as the profile writes it."""
        value = self.lookup(ref)
        if isinstance(value, Decimal):
            year = self.year_of(ref)
            facts = self.session.facts_of(attribute_predicate(ref.kind, ref.attribute),
                                          self.env[ref.kind], year)
            if len(facts) == 1 and facts[0].text:
                return facts[0].text
        if isinstance(value, tuple):
            return "[" + ", ".join(value) + "]"
        if isinstance(value, bool):
            return "true" if value else "false"
        attribute = self.rule_base.attributes[(ref.kind, ref.attribute)]
        if attribute.type.base == "year" or isinstance(value, str):
            return str(value)
        return format_in_unit(self.rule_base, Decimal(value), attribute.declared_unit) \
            if attribute.declared_unit else format_number(Decimal(value))


# ---- the session: one profile, its answers, and re-evaluations ---------------------------------

class _Session:
    def __init__(self, explainer: "Explainer", profile: Profile, result: QualifyResult | None):
        self.explainer = explainer
        self.rule_base = explainer.rule_base
        self.profile = profile
        self._result = result
        self._answers: CheckAnswers | None = None
        self._records = {(r.kind, r.id): r for r in profile.records}
        self._facts: dict[tuple, list[Fact]] = {}
        for fact in profile.facts:
            if "@" not in fact.predicate:
                continue
            self._facts.setdefault((fact.predicate, fact.args[0]), []).append(fact)
        self._proofs: dict[tuple, QualifyResult] = {}

    @property
    def result(self) -> QualifyResult:
        if self._result is None:
            self._result = self.explainer.engine.qualify(self.profile)
        return self._result

    @property
    def answers(self) -> CheckAnswers:
        if self._answers is None:
            self._answers = self.explainer.checks.answers(self.profile)
        return self._answers

    def record(self, kind: str, record_id: str) -> Record | None:
        return self._records.get((kind, record_id))

    def records_of(self, kind: str) -> list[Record]:
        return [r for r in self.profile.records if r.kind == kind]

    def children(self, kind: str, parent_id: str) -> list[Record]:
        return [r for r in self.profile.records
                if r.kind == kind and r.parent is not None and r.parent.id == parent_id]

    def facts_of(self, predicate: str, record_id: str, year: int | None) -> list[Fact]:
        facts = self._facts.get((predicate, record_id), [])
        if year is not None:
            facts = [f for f in facts if len(f.args) > 2 and f.args[1] == year]
        return facts

    def award(self, provision: str, record_id: str) -> Award | None:
        return _find_award(self.result, provision, record_id)

    def qualify_changed(self, change: Change) -> QualifyResult:
        key = (change.kind, change.record, change.attribute, change.year, repr(change.value))
        if key not in self._proofs:
            self._proofs[key] = self.explainer.engine.qualify(apply_changes(self.profile, [change]))
        return self._proofs[key]


def _find_award(result: QualifyResult, provision: str, record_id: str) -> Award | None:
    for award in result.awards:
        if award.provision == provision and award.subject_id == record_id:
            return award
    return None


# ---- the explainer -----------------------------------------------------------------------------

class Explainer:
    """Explanations over a compiled rule base; one instance serves any number of profiles."""

    def __init__(self, engine: PolicyEngine):
        self.engine = engine
        self.rule_base = engine.rule_base
        self.checks = CheckProgram(engine.program, engine.rule_base.kinds)

    def session(self, profile: Profile, result: QualifyResult | None = None) -> _Session:
        return _Session(self, profile, result)

    # -- entry points
    def explain(self, profile: Profile, provision_id: str, *, record: str | None = None,
                suggest: bool = True, session: _Session | None = None) -> Explanation:
        """Why (or why not) `provision_id` applies to each record of its kind in the profile."""
        session = session or self.session(profile)
        info = self.rule_base.provisions[provision_id]
        compiled = self.engine.program.provision(provision_id)
        records = session.records_of(info.subject)
        if record is not None:
            records = [r for r in records if r.id == record]
        subjects = tuple(self.explain_record(session, info, compiled, r, suggest=suggest)
                         for r in records)
        note = None
        if not records:
            note = (f"the profile has no `{info.subject}` record `{record}`" if record is not None
                    else f"the profile records no `{info.subject}`; {provision_id} pays per "
                         f"`{info.subject}`")
        elif not compiled.alternatives:
            note = "the condition can never hold (it reduces to `false`)"
        return Explanation(info, profile, subjects, len(compiled.alternatives), note)

    def near_misses(self, profile: Profile, result: QualifyResult | None = None, *,
                    suggest: bool = True) -> list[NearMiss]:
        """Every provision a record misses by exactly one condition, in provision order."""
        session = self.session(profile, result)
        misses = []
        for compiled in self.engine.program.provisions:
            info = self.rule_base.provisions[compiled.provision]
            for record in session.records_of(info.subject):
                if session.award(compiled.provision, record.id) is not None:
                    continue
                subject = self.explain_record(session, info, compiled, record, suggest=False)
                closest = subject.closest
                if closest is None or len(closest.open_checks) != 1:
                    continue
                if suggest:
                    subject = self.with_suggestions(session, info, compiled, subject)
                misses.append(NearMiss(info, subject, closest, closest.open_checks[0]))
        return misses

    # -- one record
    def explain_record(self, session: _Session, info: ProvisionInfo, compiled: CompiledProvision,
                       record: Record, *, suggest: bool = True) -> SubjectExplanation:
        checks = self.checks.provisions[compiled.provision]
        chain = _chain(record)
        assignment = {var: r.id for (_, var), r in zip(compiled.scope, chain)}
        subjects = tuple((r.kind, r.id) for r in chain)
        total = len(compiled.alternatives)
        results = [self.evaluate_alternative(session, checks, alt.checks, assignment, alt.index,
                                             alt.predicate, _alternative_title(alt.index, total,
                                                                               alt.checks))
                   for alt in compiled.alternatives]
        award = session.award(compiled.provision, record.id)
        if award is not None:
            results.sort(key=lambda a: (a.index != award.alternative, a.distance))
        else:
            results.sort(key=lambda a: a.distance)
        subject = SubjectExplanation(subjects, award, tuple(results))
        if suggest and award is None:
            subject = self.with_suggestions(session, info, compiled, subject)
        return subject

    def evaluate_alternative(self, session: _Session, checks: ProvisionChecks,
                             alternative: tuple[Check, ...], assignment: dict[str, str],
                             index: int, predicate: str, title: str) -> AlternativeResult:
        results = self._evaluate_checks(session, checks, list(alternative), assignment, None)
        return AlternativeResult(index, predicate, title, tuple(results))

    def _evaluate_checks(self, session: _Session, checks: ProvisionChecks, todo: list[Check],
                         assignment: dict[str, str], under: str | None) -> list[CheckResult]:
        results: list[CheckResult] = []
        while todo:
            check = todo.pop(0)
            bound = _binding_var(checks, check, assignment)
            if bound is None:
                results.append(self._evaluate_check(session, checks, check, assignment, under))
                continue
            # `exists K (…)`: try each K record of the owner; keep the one closest to holding.
            dependent, rest, watched = [], [], {bound}
            for other in todo:
                if check_vars(other) & watched:
                    dependent.append(other)
                    inner_bound = _binding_var(checks, other, {})
                    if inner_bound is not None:
                        watched.add(inner_bound)
                else:
                    rest.append(other)
            todo[:] = rest
            kind = checks.kind_of[bound]
            owner_var = checks.parent_var(bound)
            owner = assignment[owner_var]
            candidates = session.children(kind, owner)
            condition = print_expr(check.condition) if check.condition is not None else check.description
            span = check.condition.span if check.condition is not None else None
            if not candidates:
                owner_kind = checks.kind_of[owner_var]
                missing = Missing(f"a `{kind}` record", owner, f"a `{kind}` under `{owner_kind}` {owner}")
                results.append(CheckResult(condition, check.role, check.label, UNKNOWN,
                                           f"unknown: the profile records no `{kind}` of "
                                           f"{owner_kind} {owner}", span, missing=(missing,),
                                           binds=bound, under=under, check=check))
                for other in dependent:
                    results.append(CheckResult(
                        _condition_text(other), other.role, other.label, UNKNOWN,
                        f"unknown: no `{kind}` record to test", _span_of(other), under=bound,
                        check=other))
                continue
            best = None
            for candidate in candidates:
                inner = self._evaluate_checks(session, checks, list(dependent),
                                              {**assignment, bound: candidate.id}, bound)
                score = (sum(1 for r in inner if not r.holds),
                         sum(1 for r in inner if r.status == UNKNOWN),
                         sum((r.gap.relative for r in inner if r.gap), Decimal(0)))
                if best is None or score < best[0]:
                    best = (score, candidate, inner)
            _, chosen, inner = best
            searched = f" (closest of {len(candidates)} `{kind}` records)" if len(candidates) > 1 else ""
            results.append(CheckResult(
                condition, check.role, check.label, HOLDS, f"{kind} `{chosen.id}`{searched}", span,
                facts=(FactUse(kind, chosen.id, chosen.span, chosen.id),), record=(kind, chosen.id),
                binds=bound, under=under, check=check))
            results.extend(inner)
        return results

    def _evaluate_check(self, session: _Session, checks: ProvisionChecks, check: Check,
                        assignment: dict[str, str], under: str | None) -> CheckResult:
        rule = checks.rule_for(check)
        holds = bool(session.answers.bindings(rule, assignment))
        env = {checks.kind_of[var]: assignment[var] for var in rule.subject_vars if var in assignment}
        condition = _condition_text(check)
        span = _span_of(check)
        base = dict(role=check.role, label=check.label, span=span, under=under, check=check,
                    env=tuple(sorted(env.items())))
        if check.negated:
            return self._evaluate_negation(session, checks, check, assignment, holds, condition, base)
        values = _Values(session, env)
        missing = []
        for ref in _references(check.condition) if check.condition is not None else ():
            try:
                values.lookup(ref)
            except _Absent as absent:
                if absent.missing not in missing:
                    missing.append(absent.missing)
        if holds:
            detail, _ = _describe(self.rule_base, check, values, True)
            return CheckResult(condition, status=HOLDS, detail=detail, facts=tuple(values.used), **base)
        if missing:
            what = ", ".join(m.text() for m in missing)
            detail = f"unknown: the profile does not record {what}"
            if check.role == "requires":
                detail += " — the amount needs it"
            return CheckResult(condition, status=UNKNOWN, detail=detail, facts=tuple(values.used),
                               missing=tuple(missing), **base)
        detail, gap = _describe(self.rule_base, check, values, False)
        note = _exception_note(self.rule_base, checks, check) if check.role == "exception" else None
        return CheckResult(condition, status=FAILS, detail=detail, facts=tuple(values.used), gap=gap,
                           note=note, **base)

    def _evaluate_negation(self, session: _Session, checks: ProvisionChecks, check: Check,
                           assignment: dict[str, str], holds: bool, condition: str,
                           base: dict) -> CheckResult:
        negation = next(l for l in check.literals if isinstance(l, Negation))
        predicate = negation.atom.predicate
        operand = check.condition.operand if isinstance(check.condition, ast.Not) else None
        inner = [self.evaluate_alternative(
            session, checks, alternative, assignment, k, predicate,
            " and ".join(_condition_text(c) for c in alternative) or "true")
            for k, alternative in enumerate(check.inner)]
        inner.sort(key=lambda a: (not a.holds, a.distance))
        facts = tuple(dict.fromkeys(f for a in inner if a.holds for c in a.checks for f in c.facts))
        negated = print_expr(operand) if operand is not None else "the negated condition"
        if holds:
            unknown = sorted({m.text() for a in inner for c in a.checks for m in c.missing})
            detail = f"holds: `{negated}` is not true"
            note = None
            if unknown:
                note = (f"the profile does not record {', '.join(unknown)}; a missing fact does not "
                        "make the negated condition true (closed world)")
            if check.role == "not-exception":
                detail = f"holds: no exception applies — `{negated}` is not true"
            return CheckResult(condition, status=HOLDS, detail=detail, note=note, inner=tuple(inner),
                               derived=predicate, **base)
        held = next((a for a in inner if a.holds), None)
        because = held.title if held is not None else negated
        detail = f"fails because `{because}` holds"
        shown = "; ".join(c.detail for c in held.checks) if held is not None else ""
        if shown:
            detail += f" ({shown})"
        note = _not_exception_note(self.rule_base, checks, check, because) \
            if check.role == "not-exception" else None
        return CheckResult(condition, status=FAILS, detail=detail, facts=facts, note=note,
                           inner=tuple(inner), derived=predicate, **base)

    # -- what it would take
    def with_suggestions(self, session: _Session, info: ProvisionInfo, compiled: CompiledProvision,
                         subject: SubjectExplanation) -> SubjectExplanation:
        candidates: dict[tuple, tuple] = {}
        for rank, alternative in enumerate(subject.alternatives):
            for fix in _alternative_fixes(self.rule_base, session, alternative):
                key = (fix.change.target, repr(fix.change.value))
                order = (fix.relative, fix.kind_rank, fix.side, rank, fix.change.target,
                         fix.change.text)
                if key not in candidates or order < candidates[key][0]:
                    candidates[key] = (order, fix, alternative.index)
        record_id = subject.record[1]
        proven = []
        for order, fix, alternative in sorted(candidates.values(), key=lambda c: c[0])[:MAX_PROOFS]:
            award = _find_award(session.qualify_changed(fix.change), compiled.provision, record_id)
            if award is not None:
                proven.append(Suggestion(fix.change, fix.relative, alternative, award))
        return SubjectExplanation(subject.subjects, subject.award, subject.alternatives,
                                  tuple(proven))


# ---- helpers -----------------------------------------------------------------------------------

def _chain(record: Record) -> list[Record]:
    chain = []
    while record is not None:
        chain.append(record)
        record = record.parent
    return list(reversed(chain))


def _condition_text(check: Check) -> str:
    return print_expr(check.condition) if check.condition is not None else check.description


def _span_of(check: Check) -> Span | None:
    return check.condition.span if check.condition is not None else None


def _binding_var(checks: ProvisionChecks, check: Check, assignment: dict[str, str]) -> str | None:
    """The record variable an `exists` check binds, if this is one and it is not bound yet."""
    if not isinstance(check.condition, ast.Exists) or len(check.literals) != 1:
        return None
    literal = check.literals[0]
    if not isinstance(literal, Atom) or literal.predicate not in checks.kind_of.values():
        return None
    var = literal.args[0].name
    return None if var in assignment else var


def _alternative_title(index: int, total: int, checks: tuple[Check, ...]) -> str:
    title = f"alternative {index + 1} of {total}"
    exceptions = [_condition_text(c) for c in checks if c.role == "exception"]
    if exceptions:
        return f"{title} — exception: {' and '.join(exceptions)}"
    if any(c.role == "not-exception" for c in checks):
        return f"{title} — no exception applies"
    return title


def _unless_of(checks: ProvisionChecks, trigger: ast.Expr, provision: ast.Provision):
    for when in provision.conditions:
        for exception in when.exceptions:
            if exception.trigger == trigger:
                return when, exception
    return None, None


def _threshold_change(default: ast.Expr, replacement: ast.Expr) -> str | None:
    """`lowers the threshold to 1000万元` when both sides compare one reference with a quantity."""
    if not (isinstance(default, ast.Compare) and isinstance(replacement, ast.Compare)):
        return None
    if default.left != replacement.left or default.op != replacement.op \
            or not isinstance(default.right, ast.Quantity) \
            or not isinstance(replacement.right, ast.Quantity) \
            or default.right.unit != replacement.right.unit:
        return None
    lower = replacement.right.value < default.right.value
    word = "threshold" if default.op in (">=", ">") else "limit"
    verb = "lowers" if lower else "raises"
    return f"{verb} the {word} from {default.right.text} to {replacement.right.text}"


def _not_exception_note(rule_base: RuleBase, checks: ProvisionChecks, check: Check,
                        because: str) -> str | None:
    info = rule_base.provisions[checks.compiled.provision]
    operand = check.condition.operand if isinstance(check.condition, ast.Not) else None
    when, exception = _unless_of(checks, operand, info.provision)
    if exception is None:
        return None
    change = _threshold_change(when.condition, exception.replacement)
    effect = change or f"which replaces `{print_expr(when.condition)}` with " \
                       f"`{print_expr(exception.replacement)}`"
    if change:
        effect = f"which {effect}"
    return f"not applicable because `{because}` holds, {effect}: the exception's alternative applies instead"


def _exception_note(rule_base: RuleBase, checks: ProvisionChecks, check: Check) -> str | None:
    info = rule_base.provisions[checks.compiled.provision]
    for when in info.provision.conditions:
        for exception in when.exceptions:
            if check.condition in tuple(_conjuncts(exception.trigger)):
                return (f"the exception `unless {print_expr(exception.trigger)} then "
                        f"{print_expr(exception.replacement)}` does not apply")
    return None


def _conjuncts(expr: ast.Expr) -> Iterator[ast.Expr]:
    match expr:
        case ast.And(operands=operands) | ast.Or(operands=operands):
            for operand in operands:
                yield from _conjuncts(operand)
        case _:
            yield expr


# ---- describing one check: values, comparison and gap ------------------------------------------

def _top_references(expr: ast.Expr) -> Iterator[ast.Reference]:
    """References outside year indexes: `企业.营业收入[企业.申报年度 - 1]` reads 营业收入 only."""
    match expr:
        case ast.Reference():
            yield expr
        case ast.BinaryOp(left=left, right=right):
            yield from _top_references(left)
            yield from _top_references(right)
        case ast.Negate(operand=operand):
            yield from _top_references(operand)
        case ast.Call(args=args):
            for arg in args:
                yield from _top_references(arg)
        case _:
            return


def _is_year(rule_base: RuleBase, expr: ast.Expr) -> bool:
    return any(rule_base.attributes[(r.kind, r.attribute)].type.base == "year"
               for r in _top_references(expr))


def _quantities(expr: ast.Expr) -> Iterator[ast.Quantity]:
    match expr:
        case ast.Quantity():
            yield expr
        case ast.BinaryOp(left=left, right=right):
            yield from _quantities(left)
            yield from _quantities(right)
        case ast.Negate(operand=operand):
            yield from _quantities(operand)
        case ast.Call(args=args):
            for arg in args:
                yield from _quantities(arg)
        case _:
            return


def _has_reference(expr: ast.Expr) -> bool:
    return next(_references(expr), None) is not None


def _display_unit(rule_base: RuleBase, required: ast.Expr, actual: ast.Expr) -> str | None:
    """The unit a condition is written in: its quantity's, else the attribute's declared one."""
    if isinstance(required, ast.Quantity) and required.unit:
        return required.unit
    for quantity in _quantities(required):
        if quantity.unit and rule_base.units.resolve(quantity.unit) is not None:
            info = rule_base.units.resolve(quantity.unit)
            if info.dims:
                return quantity.unit
    for expr in (actual, required):
        if isinstance(expr, ast.Reference):
            unit = rule_base.attributes[(expr.kind, expr.attribute)].declared_unit
            if unit:
                return unit
    return None


def _describe(rule_base: RuleBase, check: Check, values: _Values, holds: bool) -> tuple[str, Gap | None]:
    condition = check.condition
    try:
        match condition:
            case ast.Reference():  # a flag, or a value the amount needs
                attribute = rule_base.attributes[(condition.kind, condition.attribute)]
                shown = values.shown(condition)
                if check.role == "requires" or attribute.type.base != "bool":
                    return f"{values.name(condition)} = {shown}", None
                if holds:
                    return f"{values.name(condition)} = true", None
                return f"{values.name(condition)} is false; must be true", None
            case ast.Compare(op=op, left=left, right=right):
                return _describe_compare(rule_base, op, left, right, values, holds)
            case ast.Member(operand=operand, members=members):
                shown = _shown(operand, values)
                listed = "{" + ", ".join(members) + "}"
                suffix = " (tier)" if check.role == "tier" else ""
                if holds:
                    return f"{_name(operand, values)} = {shown} ∈ {listed}{suffix}", None
                return f"{_name(operand, values)} is {shown}; must be one of {listed}", None
            case ast.Has(operand=operand, member=member):
                shown = _shown(operand, values)
                if holds:
                    return f"{_name(operand, values)} = {shown}, which includes {member}", None
                return f"{_name(operand, values)} = {shown}, which lacks {member}", None
    except (_Absent, AmountError):
        pass
    return ("holds" if holds else "fails") + (f": {check.description}" if check.description else ""), None


def _name(expr: ast.Expr, values: _Values) -> str:
    return values.name(expr) if isinstance(expr, ast.Reference) else print_expr(expr)


def _shown(expr: ast.Expr, values: _Values) -> str:
    match expr:
        case ast.Reference():
            return values.shown(expr)
        case ast.Symbol(name=name):
            return name
        case ast.TextLiteral(value=value):
            return f"“{value}”"
        case ast.BoolLiteral(value=value):
            return "true" if value else "false"
    result = AmountEvaluator(values.rule_base, values.lookup).evaluate(expr)
    return result.shown


def _describe_compare(rule_base: RuleBase, op: str, left: ast.Expr, right: ast.Expr,
                      values: _Values, holds: bool) -> tuple[str, Gap | None]:
    # The side that reads the profile is the actual value; the other is what the rule requires.
    if not _has_reference(left) and _has_reference(right):
        left, right, op = right, left, _FLIPPED[op]
    symbolic = any(isinstance(e, (ast.Symbol, ast.TextLiteral, ast.BoolLiteral)) for e in (left, right))
    lvalue = values.lookup(left) if isinstance(left, ast.Reference) else None
    if symbolic or isinstance(lvalue, (str, bool, tuple)):
        name, actual, required = _name(left, values), _shown(left, values), _shown(right, values)
        if _has_reference(right):
            required = f"{_name(right, values)} {required}"
        if holds:
            if op in ("=", "==") and actual == required:
                return f"{name} = {actual}", None
            return f"{name} = {actual} {_SYMBOL[op]} {required}", None
        must = "must be" if op in ("=", "==") else "must differ from"
        return f"{name} is {actual}; {must} {required}", None
    evaluator = AmountEvaluator(rule_base, values.lookup)
    a, r = evaluator.evaluate(left).value, evaluator.evaluate(right).value
    year = _is_year(rule_base, left) or _is_year(rule_base, right)
    unit = None if year else _display_unit(rule_base, right, left)

    def show(value: Decimal) -> str:
        return str(int(value)) if year and value == value.to_integral_value() else \
            format_in_unit(rule_base, value, unit)

    actual, required = show(a), show(r)
    name = _name(left, values)
    if not isinstance(left, ast.Reference):
        name = f"{name} = {evaluator.evaluate(left).shown}, i.e."
    if _has_reference(right):
        required = f"{_name(right, values)} {required}"
    if holds:
        return f"{name} {actual} {_SYMBOL[op]} {required}", None
    difference = abs(r - a)
    gap_text = show(difference) if difference else None
    relation = {">=": "short by", "<=": "over by", "=": "differs by", "==": "differs by"}.get(op)
    if op == ">":
        relation = f"short by {gap_text}; must be above" if difference else "must be above"
        gap_text = show(r)
    elif op == "<":
        relation = f"over by {gap_text}; must be below" if difference else "must be below"
        gap_text = show(r)
    elif op == "!=":
        relation, gap_text = "must differ from", show(r)
    relative = Decimal(1) if r == 0 else min(Decimal(1), abs(difference / r)) if difference else Decimal(0)
    gap = Gap(actual, required, relation, gap_text, unit, relative)
    return f"{name} {actual} {_SYMBOL[_NEGATED[op]]} {required}, {gap.text()}", gap


# ---- single changes that could make a check hold (or, inside a negation, fail) -----------------

@dataclass(frozen=True, slots=True)
class _Fix:
    change: Change
    relative: Decimal
    kind_rank: int  # numbers first, then flags, members, sets: ties go to the numeric change
    side: int = 0  # 1: the other side of a comparison (`企业.申报年度` in `认定.年份 = 企业.申报年度`)


def _alternative_fixes(rule_base: RuleBase, session: _Session,
                       alternative: AlternativeResult) -> list[_Fix]:
    """Changes of one fact that could close every open check of the alternative at once."""
    open_checks = alternative.open_checks
    if not open_checks:
        return []
    per_check = []
    for result in open_checks:
        if result.check is None:
            return []
        if result.check.negated:
            fixes = [fix for inner in result.inner if inner.holds for c in inner.checks
                     for fix in _fixes(rule_base, session, c, want=False)]
        else:
            fixes = _fixes(rule_base, session, result, want=True)
        if not fixes:
            return []  # this check cannot be closed by changing one fact
        per_check.append(fixes)
    shared = set.intersection(*({_fact_key(f.change) for f in fixes} for fixes in per_check))
    return [fix for fixes in per_check for fix in fixes if _fact_key(fix.change) in shared]


def _fact_key(change: Change) -> tuple:
    return (change.kind, change.record, change.attribute, change.year)


def _fixes(rule_base: RuleBase, session: _Session, result: CheckResult, *, want: bool) -> list[_Fix]:
    """Single changes that make `result`'s check hold (`want`) or fail (inside a negation)."""
    check, env = result.check, dict(result.env)
    if check is None or check.role == "requires" or check.condition is None or check.negated:
        return []
    values = _Values(session, env)
    condition = check.condition
    match condition:
        case ast.Reference():
            attribute = rule_base.attributes[(condition.kind, condition.attribute)]
            if attribute.type.base != "bool":
                return []
            return _change(rule_base, session, values, condition, want, "true" if want else "false", 1)
        case ast.Compare(op=op, left=left, right=right):
            op = op if want else _NEGATED[op]
            fixes = []
            for side, (target, other, target_op) in enumerate(((left, right, op),
                                                               (right, left, _FLIPPED[op]))):
                if isinstance(target, ast.Reference):
                    fixes.extend(replace(fix, side=side) for fix in
                                 _compare_fix(rule_base, session, values, target, target_op, other))
            return fixes
        case ast.Member(operand=operand, members=members) if isinstance(operand, ast.Reference):
            attribute = rule_base.attributes[(operand.kind, operand.attribute)]
            if attribute.type.base != "enum":
                return []
            choices = members if want else [m for m in rule_base.enums[attribute.type.enum].members
                                            if m not in members]
            return _change(rule_base, session, values, operand, choices[0], choices[0], 2) \
                if choices else []
        case ast.Has(operand=operand, member=member) if isinstance(operand, ast.Reference):
            try:
                current = values.lookup(operand)
            except _Absent:
                current = ()
            new = tuple(current) + (member,) if want else tuple(m for m in current if m != member)
            return _change(rule_base, session, values, operand, new, "[" + ", ".join(new) + "]", 3)
    return []


def _change(rule_base: RuleBase, session: _Session, values: _Values, ref: ast.Reference, value,
            text: str, kind_rank: int, relative: Decimal = Decimal(1),
            old_text: str | None = None) -> list[_Fix]:
    try:
        year = values.year_of(ref)
    except _Absent:
        return []
    record = values.env[ref.kind]
    if old_text is None:
        try:
            old_text = values.shown(ref)
        except _Absent:
            old_text = None
    if old_text == text:
        return []
    return [_Fix(Change(ref.kind, record, ref.attribute, year, value, text, old_text), relative,
                 kind_rank)]


def _compare_fix(rule_base: RuleBase, session: _Session, values: _Values, target: ast.Reference,
                 op: str, other: ast.Expr) -> list[_Fix]:
    """Set `target` so that `target op other` holds, `other` taken at its current value."""
    attribute = rule_base.attributes[(target.kind, target.attribute)]
    base = attribute.type.base
    if isinstance(other, ast.Symbol) or (isinstance(other, ast.TextLiteral) and base in ("enum", "text")):
        value = other.name if isinstance(other, ast.Symbol) else other.value
        if op in ("=", "=="):
            return _change(rule_base, session, values, target, value, value, 2)
        if base == "enum":
            others = [m for m in rule_base.enums[attribute.type.enum].members if m != value]
            return _change(rule_base, session, values, target, others[0], others[0], 2) if others else []
        return []
    if isinstance(other, ast.BoolLiteral) and base == "bool":
        value = other.value if op in ("=", "==") else not other.value
        return _change(rule_base, session, values, target, value, "true" if value else "false", 1)
    if base not in ("number", "year"):
        return []
    try:
        required = AmountEvaluator(rule_base, values.lookup).evaluate(other).value
    except (_Absent, AmountError):
        return []
    integral = base == "year" or attribute.decl.type.base == "integer"
    step = Decimal(1) if integral or attribute.type.dims else Decimal("0.01")
    match op:
        case ">=":
            value = Decimal(math.ceil(required)) if integral else required
        case ">":
            value = Decimal(math.floor(required)) + 1 if integral else required + step
        case "<=":
            value = Decimal(math.floor(required)) if integral else required
        case "<":
            value = Decimal(math.ceil(required)) - 1 if integral else required - step
        case "=" | "==":
            if integral and required != required.to_integral_value():
                return []
            value = required
        case "!=":
            value = required + step
        case _:
            return []
    if value < 0:
        return []
    unit = None if base == "year" else _display_unit(rule_base, other, target)
    text = str(int(value)) if base == "year" else format_in_unit(rule_base, value, unit)
    try:
        year = values.year_of(target)
    except _Absent:
        return []  # the year index itself is unknown
    try:
        old = values.lookup(target)
    except _Absent:
        old = None
    if old is not None and Decimal(old) == value:
        return []
    if old is None:
        old_text, relative = None, Decimal(1)
    else:
        old_text = str(old) if base == "year" else format_in_unit(rule_base, Decimal(old), unit)
        # A year is a date, not a magnitude: moving it by one is no "small" change.
        relative = abs(value - Decimal(old)) / abs(Decimal(old)) if old and base != "year" \
            else Decimal(1)
    if base == "year" or integral:
        value = int(value) if base == "year" else value.to_integral_value()
    change = Change(target.kind, values.env[target.kind], target.attribute, year, value, text,
                    old_text)
    return [_Fix(change, relative, 0)]
