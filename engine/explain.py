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
engine read (`engine/check_values.py`); `engine/describe.py` words each comparison and its gap
with exact `Decimal` arithmetic; `engine/suggest.py` proposes single changes, which this module
proves. The results are plain data (`engine/explanation.py`).

    >>> explainer = Explainer(PolicyEngine(rule_base))                      # doctest: +SKIP
    >>> found = explainer.explain(profile, "nmg2026.1.3").subjects[0]         # doctest: +SKIP
    >>> found.closest.checks[1].detail                                       # doctest: +SKIP
    '项目.年节水量 4万吨 < 5万吨, short by 1万吨'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator

from ..dsl import ast
from ..dsl.checker import ProvisionInfo, RuleBase
from ..dsl.diagnostics import Span
from ..dsl.printer import print_expr
from .changes import Change, apply_changes
from .check_values import Absent, CheckValues, Missing, references
from .checks import CheckAnswers, CheckProgram, ProvisionChecks, check_vars
from .describe import describe
from .explanation import (FAILS, HOLDS, UNKNOWN, AlternativeResult, CheckResult, Explanation, Gap,
                          NearMiss, SubjectExplanation, Suggestion)
from .ir import Atom, Check, CompiledProvision, Negation
from .profiles import Fact, Profile, Record
from .qualify import Award, FactUse, PolicyEngine, QualifyResult
from .suggest import alternative_fixes

__all__ = ["Explainer", "Explanation", "SubjectExplanation", "AlternativeResult", "CheckResult",
           "Suggestion", "NearMiss", "Missing", "Gap", "HOLDS", "FAILS", "UNKNOWN"]

MAX_PROOFS = 12  # candidate changes re-evaluated per subject; candidates are tried smallest first


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
        values = CheckValues(session, env)
        missing = []
        for ref in references(check.condition) if check.condition is not None else ():
            try:
                values.lookup(ref)
            except Absent as absent:
                if absent.missing not in missing:
                    missing.append(absent.missing)
        if holds:
            detail, _ = describe(self.rule_base, check, values, True)
            return CheckResult(condition, status=HOLDS, detail=detail, facts=tuple(values.used), **base)
        if missing:
            what = ", ".join(m.text() for m in missing)
            detail = f"unknown: the profile does not record {what}"
            if check.role == "requires":
                detail += " — the amount needs it"
            return CheckResult(condition, status=UNKNOWN, detail=detail, facts=tuple(values.used),
                               missing=tuple(missing), **base)
        detail, gap = describe(self.rule_base, check, values, False)
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
            for fix in alternative_fixes(self.rule_base, session, alternative):
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
