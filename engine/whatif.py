"""What if: the same profile with some facts changed — which awards appear, vanish or change, why.

    >>> report = what_if(explainer, profile, [parse_assignment("年节水量=4万吨", rule_base, profile)])
    ...                                                                    # doctest: +SKIP
    >>> [(d.status, d.provision) for d in report.differences]               # doctest: +SKIP
    [('lost', 'nmg2026.1.3')]

Each difference carries its reasons, read from explanations of the changed profile: the
conditions that now hold (and read a changed fact) for an award gained, the conditions that now
fail for one lost, the arithmetic before and after for an amount that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Sequence

from ..dsl.units import format_money
from .amounts import Money
from .changes import Change, apply_changes
from .explain import Explainer
from .explanation import CheckResult
from .profiles import Profile
from .qualify import Award, QualifyResult
from .render import award_to_json

WHATIF_FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Difference:
    status: str  # "gained" | "lost" | "changed"
    provision: str
    title: str
    subjects: tuple[tuple[str, str], ...]
    before: Award | None
    after: Award | None
    reasons: tuple[str, ...]

    def headline(self) -> str:
        who = " / ".join(f"{k} {i}" for k, i in self.subjects[1:]) or " ".join(self.subjects[0])
        match self.status:
            case "gained":
                return f"+ {self.provision}  {self.title} — {who}: now applies, {_money(self.after)}"
            case "lost":
                return f"− {self.provision}  {self.title} — {who}: {_money(self.before)} → no longer applies"
            case _:
                return f"~ {self.provision}  {self.title} — {who}: {_money(self.before)} → {_money(self.after)}"

    def to_json(self) -> dict:
        return {"status": self.status, "provision": self.provision, "title": self.title,
                "subject": {"kind": self.subjects[-1][0], "id": self.subjects[-1][1],
                            "path": [{"kind": k, "id": i} for k, i in self.subjects]},
                "before": award_to_json(self.before) if self.before else None,
                "after": award_to_json(self.after) if self.after else None,
                "reasons": list(self.reasons), "headline": self.headline()}


@dataclass(frozen=True, slots=True)
class WhatIf:
    profile: Profile
    changes: tuple[Change, ...]
    before: QualifyResult
    after: QualifyResult
    differences: tuple[Difference, ...]
    unchanged: int


def _money(award: Award | None) -> str:
    if award is None:
        return "nothing"
    if award.amount is None:
        return f"offers {award.informational}"
    return str(award.amount) + ("" if award.paid else " (not paid)")


def delta(before: Money, after: Money) -> str:
    """`1,430万元 → 1,370万元 (−60万元)`; ranges get no difference."""
    text = f"{before} → {after}"
    if before.exact and after.exact:
        change = after.low - before.low
        sign = "+" if change > 0 else "−" if change < 0 else "±"
        text += f" ({sign}{format_money(abs(change))})"
    return text


def _reads_changed(check: CheckResult, changes: Sequence[Change]) -> bool:
    reads = check.reads()
    return any((c.record, f"{c.kind}.{c.attribute}") in reads for c in changes)


def _line(check: CheckResult) -> str:
    label = f"{check.label}: " if check.label else ""
    mark = {"holds": "✔", "fails": "✘", "unknown": "?"}[check.status]
    return f"{mark} {label}{check.condition} — {check.detail}"


def what_if(explainer: Explainer, profile: Profile, changes: Sequence[Change]) -> WhatIf:
    engine = explainer.engine
    changed = apply_changes(profile, changes)
    before, after = engine.qualify(profile), engine.qualify(changed)
    session = explainer.session(changed, after)
    old = {(a.provision, a.subject_id): a for a in before.awards}
    new = {(a.provision, a.subject_id): a for a in after.awards}
    differences, unchanged = [], 0
    order = [key for key in old] + [key for key in new if key not in old]
    for key in order:
        was, now = old.get(key), new.get(key)
        provision, record = key
        if was is not None and now is not None and (was.amount, was.paid, was.payers) == \
                (now.amount, now.paid, now.payers):
            unchanged += 1
            continue
        award = now or was
        if now is not None and was is None:
            status = "gained"
            subject = explainer.explain(changed, provision, record=record, suggest=False,
                                        session=session).subjects[0]
            firing = subject.alternatives[0]
            relevant = [c for c in firing.checks if c.role != "requires" and _reads_changed(c, changes)]
            reasons = [_line(c) for c in relevant or [c for c in firing.checks if c.role != "requires"]]
        elif now is None:
            status = "lost"
            explanation = explainer.explain(changed, provision, record=record, suggest=False,
                                            session=session)
            if explanation.subjects:
                closest = explanation.subjects[0].closest
                reasons = [f"{closest.title}: {closest.summary()}"] + \
                    [_line(c) for c in closest.open_checks] if closest else ["no alternative"]
            else:
                reasons = [explanation.note or "the record is gone"]
        else:
            status = "changed"
            reasons = []
            if was.alternative != now.alternative:
                subject = explainer.explain(changed, provision, record=record, suggest=False,
                                            session=session).subjects[0]
                firing = subject.alternatives[0]
                reasons.append(f"now through {firing.title} (was alternative {was.alternative + 1})")
                reasons.extend(_line(c) for c in firing.checks
                               if c.role != "requires" and _reads_changed(c, changes))
            reasons += [f"before: {step}" for step in was.steps if step not in now.steps] + \
                [f"after: {step}" for step in now.steps if step not in was.steps]
            if was.paid != now.paid:
                reasons.append(f"now {'paid' if now.paid else 'not paid'}"
                               + (f": {now.adjustments[-1]}" if now.adjustments else ""))
        differences.append(Difference(status, provision, award.title, award.subjects, was, now,
                                      tuple(reasons)))
    return WhatIf(profile, tuple(changes), before, after, tuple(differences), unchanged)


def render_whatif_text(report: WhatIf, *, markdown: bool = False) -> str:
    root = report.profile.root
    bullet = "- " if markdown else "  "
    out = [("# " if markdown else "") + f"what if — {root.kind} {root.id} ({report.profile.file})", ""]
    for change in report.changes:
        out.append(f"{bullet}set {change.describe()}")
    out.append("")
    if not report.differences:
        out.append("no award changes.")
    for difference in report.differences:
        out.append(("### " if markdown else "") + difference.headline())
        if markdown:
            out.append("")
        for reason in difference.reasons:
            out.append(f"{'- ' if markdown else '    '}{reason}")
        out.append("")
    out.append(f"{report.unchanged} award(s) unchanged.")
    out.append(("- " if markdown else "") + f"total: {delta(report.before.total(), report.after.total())}")
    for name, totals in (("by payer", lambda r: r.totals_by_payer()),
                         ("by policy", lambda r: r.totals_by_policy())):
        before, after = totals(report.before), totals(report.after)
        zero = Money(Decimal(0), Decimal(0))
        parts = [f"{key} {delta(before.get(key, zero), after.get(key, zero))}"
                 for key in sorted(set(before) | set(after))]
        if parts:
            out.append(("- " if markdown else "") + f"{name}: " + "; ".join(parts))
    return "\n".join(out) + "\n"


def whatif_to_json(report: WhatIf) -> dict:
    def totals(result: QualifyResult) -> dict:
        return {"all": result.total().to_json(),
                "by_payer": {k: m.to_json() for k, m in result.totals_by_payer().items()},
                "by_policy": {k: m.to_json() for k, m in result.totals_by_policy().items()}}

    return {"format": "policylog.whatif", "version": WHATIF_FORMAT_VERSION,
            "profile": {"file": report.profile.file, "kind": report.profile.root.kind,
                        "id": report.profile.root.id},
            "changes": [c.to_json() for c in report.changes],
            "differences": [d.to_json() for d in report.differences],
            "unchanged": report.unchanged,
            "totals": {"before": totals(report.before), "after": totals(report.after)}}
