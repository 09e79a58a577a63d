"""Qualify results for people (text) and for tools (JSON, documented in docs/json-format.md)."""

from __future__ import annotations

import json

from ..dsl.diagnostics import display_width
from ..dsl.units import format_money
from .amounts import Money
from .qualify import Award, QualifyResult

JSON_FORMAT_VERSION = 1


def _money_line(money: Money) -> str:
    if money.exact:
        return f"{format_money(money.low)} ({money.low:,f} 元)".replace(".00 元", " 元")
    return str(money)


def _where(span) -> str:
    return f"  [{span}]" if span is not None else ""


def render_award(award: Award, *, quote: bool = True) -> list[str]:
    subject = " / ".join(f"{kind} {record}" for kind, record in award.subjects)
    mark = "✔" if award.paid else ("ℹ" if award.amount is None else "✘")
    lines = [f"{mark} {award.provision}  {award.title}", f"    for: {subject}"]
    if award.amount is None and award.informational is None:  # the arithmetic says why
        lines.append(f"    amount: {award.steps[0] if award.steps else 'cannot compute'}")
    elif award.amount is None:
        lines.append(f"    offers: {award.informational} (no computable amount)")
    else:
        lines.append(f"    amount: {_money_line(award.amount)}")
        if award.payers:
            lines.append("    payer: " + "; ".join(f"{p} {m}" for p, m in award.payers))
    if award.excluded_by:
        lines.append(f"    not paid: {award.adjustments[-1]}")
    lines.append("    why:")
    for condition in award.conditions:
        label = f"{condition.label}: " if condition.label else ""
        role = {"exception": " (exception applies)", "not-exception": " (no exception applies)",
                "tier": " (tier)"}.get(condition.role, "")
        lines.append(f"      ✔ {label}{condition.condition}{role}")
        if _informative(condition):
            lines.append(f"          {condition.detail}")
        for fact in condition.facts:
            lines.append(f"          {fact.name} = {fact.value}{_where(fact.source)}")
    if award.steps:
        lines.append("    arithmetic:")
        lines.extend(f"      {step}" for step in award.steps)
    for note in award.notes:
        lines.append(f"    reading: {note}")
    if quote:
        wrapped = wrap_wide(award.clause_text, 64)
        lines.append(f"    source {award.clause} {award.clause_title}:")
        lines.extend(f"      │ {line}" for line in wrapped)
    if award.rule_span is not None:
        lines.append(f"    rule: {award.rule_span}")
    return lines


def _informative(condition) -> bool:
    """A detail line is worth printing when it shows a comparison of values."""
    detail = condition.detail
    if not detail or detail == condition.condition:
        return False
    return any(op in detail for op in ("≥", "≤", "<", ">", "≠", "`"))


def wrap_wide(text: str, width: int) -> list[str]:
    """Wrap by display columns (CJK counts two), breaking anywhere: Chinese has no spaces."""
    lines, current, used = [], "", 0
    for ch in " ".join(text.split()):
        w = display_width(ch)
        if used + w > width:
            lines.append(current)
            current, used = "", 0
        current += ch
        used += w
    if current:
        lines.append(current)
    return lines or [""]


def render_text(result: QualifyResult) -> str:
    profile = result.profile
    root = profile.root
    out = [f"{root.kind} {root.id} ({profile.file}) against {', '.join(result.policies)}", ""]
    if not result.awards:
        out.append("qualifies for no provision.")
    for award in result.awards:
        out.extend(render_award(award))
        out.append("")
    paid = result.paid_awards()
    informational = [a for a in result.awards if a.amount is None]
    out.append(f"{len(paid)} award(s) with an amount, {len(informational)} informational.")
    if paid:
        out.append(f"total: {result.total()}")
        out.append("by payer: " + "; ".join(f"{p} {m}" for p, m in result.totals_by_payer().items()))
        out.append("by policy: " + "; ".join(f"{p} {m}" for p, m in result.totals_by_policy().items()))
    return "\n".join(out) + "\n"


def award_to_json(award: Award) -> dict:
    return {
        "provision": award.provision,
        "clause": award.clause,
        "policy": award.policy,
        "title": award.title,
        "subject": {"kind": award.subject_kind, "id": award.subject_id,
                    "path": [{"kind": k, "id": i} for k, i in award.subjects]},
        "paid": award.paid,
        "amount": award.amount.to_json() if award.amount is not None else None,
        "payers": [{"payer": p, "amount": m.to_json()} for p, m in award.payers],
        "informational": award.informational,
        "excluded_by": award.excluded_by,
        "trace": {
            "alternative": award.alternative,
            "conditions": [c.to_json() for c in award.conditions],
            "arithmetic": list(award.steps),
            "adjustments": list(award.adjustments),
            "readings": list(award.notes),
            "rule_span": award.rule_span.to_json() if award.rule_span else None,
        },
        "source_text": award.clause_text,
    }


def result_to_json(result: QualifyResult) -> dict:
    def totals(mapping):
        return {name: money.to_json() for name, money in mapping.items()}

    return {
        "format": "policylog.qualify",
        "version": JSON_FORMAT_VERSION,
        "profile": {"file": result.profile.file, "kind": result.profile.root.kind,
                    "id": result.profile.root.id},
        "policies": list(result.policies),
        "awards": [award_to_json(a) for a in result.awards],
        "totals": {"all": result.total().to_json(), "by_payer": totals(result.totals_by_payer()),
                   "by_policy": totals(result.totals_by_policy())},
    }


def dumps(data) -> str:
    """Stable JSON: sorted keys, no ASCII escaping of Chinese, one trailing newline."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
