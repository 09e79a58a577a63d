"""Explanations as trees: one per record, the shape every renderer (text, Markdown, HTML) draws.

For a record the provision applies to, the tree is its proof:

    项目 节水改造一期: applies — 60万元
      rule fire@nmg2026·1·3#0 — alternative 1 of 1
        ✔ 节水门槛: 项目.年节水量 >= 5万吨        ← the rule line it used, quoted
            • 项目.年节水量 = 6万吨  [profile.yaml:15:13]
      = amount 60万元
          10元/吨 × 项目.年节水量 = 10元/吨 × 60,000吨 = 60万元
      → payer 自治区 60万元

Derived facts (`neg@…` for a negated condition, the record an `exists` found) expand into
subtrees of their own. For a record it does not apply to, the tree lists every alternative,
closest first, each condition with its status, then the smallest change that would make it apply.
`prune` cuts a tree at a depth and names what it cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..dsl.checker import RuleBase
from ..dsl.diagnostics import Span
from ..dsl.units import format_number
from .explanation import (FAILS, HOLDS, UNKNOWN, AlternativeResult, CheckResult, Explanation,
                          SubjectExplanation)
from .qualify import FactUse

_ROLE_SUFFIX = {"exception": " (exception)", "not-exception": " (no exception applies)",
                "tier": " (tier)", "requires": " (the amount needs it)"}


@dataclass(frozen=True, slots=True)
class Node:
    """One step of a derivation: a rule, a condition, a fact, an arithmetic step …"""

    kind: str  # subject rule condition derived record fact missing amount step payer
    #            adjustment reading suggestion cut
    label: str
    status: str | None = None  # holds | fails | unknown, for rules and conditions
    detail: tuple[str, ...] = ()
    source: Span | None = None  # where a fact came from (profile file and line)
    rule: Span | None = None  # the rule-file text a rule or condition node used
    rule_text: str | None = None  # that line, quoted
    data: tuple[tuple[str, object], ...] = ()  # structured extras for JSON
    children: tuple["Node", ...] = ()

    def to_json(self) -> dict:
        return {"kind": self.kind, "label": self.label, "status": self.status,
                "detail": list(self.detail),
                "source": self.source.to_json() if self.source else None,
                "rule": {"span": self.rule.to_json(), "text": self.rule_text} if self.rule else None,
                "data": {key: value for key, value in self.data},
                "children": [child.to_json() for child in self.children]}

    def count(self) -> int:
        return 1 + sum(child.count() for child in self.children)


def source_line(rule_base: RuleBase, span: Span | None) -> str | None:
    """The rule-file line a span starts on, stripped: the rule as the drafter wrote it."""
    if span is None:
        return None
    text = rule_base.sources.get(span.file)
    if text is None:
        return None
    lines = text.splitlines()
    return lines[span.line - 1].strip() if 1 <= span.line <= len(lines) else None


def prune(node: Node, max_depth: int | None, depth: int = 0) -> Node:
    """Cut the tree below `max_depth` (the record is depth 0), naming the nodes cut."""
    if max_depth is None or not node.children:
        return node
    if depth >= max_depth:
        names = [child.label for child in node.children]
        hidden = sum(child.count() for child in node.children)
        shown = "; ".join(names[:6]) + ("; …" if len(names) > 6 else "")
        cut = Node("cut", f"cut at depth {max_depth}: {hidden} node{'s' if hidden > 1 else ''} "
                          f"below — {shown}", data=(("cut", names), ("hidden", hidden)))
        return Node(node.kind, node.label, node.status, node.detail, node.source, node.rule,
                    node.rule_text, node.data, (cut,))
    return Node(node.kind, node.label, node.status, node.detail, node.source, node.rule,
                node.rule_text, node.data,
                tuple(prune(child, max_depth, depth + 1) for child in node.children))


# ---- building -------------------------------------------------------------------------------

def _fact(use: FactUse) -> Node:
    where = () if use.source is not None else ("changed (what-if); not from the profile file",)
    if use.value == use.record and "." not in use.name:  # an `exists` record
        return Node("record", f"{use.name} {use.value}", source=use.source,
                    data=(("record", use.record),))
    return Node("fact", f"{use.name} = {use.value}", detail=where, source=use.source,
                data=(("name", use.name), ("value", use.value), ("record", use.record)))


def _condition(rule_base: RuleBase, result: CheckResult, nested: list[Node], *,
               inner: bool = False) -> Node:
    label = (f"{result.label}: " if result.label else "") + result.condition \
        + ("" if inner else _ROLE_SUFFIX.get(result.role, ""))
    detail = (result.detail,) + ((result.note,) if result.note else ())
    children = [_fact(use) for use in result.facts if result.record is None or use.name != result.record[0]]
    if result.record is not None:
        record_use = next((u for u in result.facts if u.name == result.record[0]), None)
        record_node = _fact(record_use) if record_use else Node("record", " ".join(result.record))
        children.append(Node(record_node.kind, record_node.label, record_node.status,
                             record_node.detail, record_node.source, children=tuple(nested)))
        nested = []
    children.extend(Node("missing", f"{m.name} — not in the profile ({m.expects})",
                         data=(("name", m.name), ("record", m.record), ("expects", m.expects)))
                    for m in result.missing)
    if result.inner:
        holding = [a for a in result.inner if a.holds]
        status = HOLDS if holding else FAILS
        what = "holds" if holding else "has no answer"
        children.append(Node("derived", f"{result.derived} {what}: the negated condition "
                                        f"{'is' if holding else 'is not'} true", status,
                             children=tuple(_alternative(rule_base, a, inner=True)
                                            for a in result.inner)))
    data: list[tuple[str, object]] = [("role", result.role)]
    if result.gap is not None:
        data.append(("gap", result.gap.to_json()))
    return Node("condition", label, result.status, detail, rule=result.span,
                rule_text=source_line(rule_base, result.span), data=tuple(data),
                children=tuple(children) + tuple(nested))


def _conditions(rule_base: RuleBase, checks: tuple[CheckResult, ...], *,
                skip_requires: bool, inner: bool = False) -> list[Node]:
    """Condition nodes; the checks an `exists` found a record for nest under that record."""
    shown = [c for c in checks if not (skip_requires and c.role == "requires" and c.holds)]

    def build(under: str | None) -> list[Node]:
        nodes = []
        for check in shown:
            if check.under != under:
                continue
            nested = build(check.binds) if check.binds else []
            nodes.append(_condition(rule_base, check, nested, inner=inner))
        return nodes

    return build(None)


def _alternative(rule_base: RuleBase, alternative: AlternativeResult, *, inner: bool = False,
                 applies: bool = False) -> Node:
    status = HOLDS if alternative.holds else (
        UNKNOWN if all(c.status == UNKNOWN for c in alternative.open_checks) else FAILS)
    if inner:
        label = f"{alternative.title}: {'holds' if alternative.holds else alternative.summary()}"
    else:
        label = f"rule {alternative.predicate} — {alternative.title}"
        if not applies:
            label += f": {alternative.summary()}"
    return Node("rule", label, status,
                children=tuple(_conditions(rule_base, alternative.checks,
                                           skip_requires=applies or inner, inner=inner)),
                data=(("predicate", alternative.predicate), ("index", alternative.index)))


def subject_tree(rule_base: RuleBase, explanation: Explanation, subject: SubjectExplanation) -> Node:
    """The derivation (or the failure) of one record, as a tree."""
    who = " / ".join(f"{kind} {record}" for kind, record in subject.subjects[1:]) \
        or " ".join(subject.subjects[0])
    info = explanation.info
    if subject.award is not None:
        award = subject.award
        if award.amount is None:
            what = f"offers {award.informational} (no computable amount)"
        else:
            what = str(award.amount) + ("" if award.paid else " — not paid")
        firing = next(a for a in subject.alternatives if a.index == award.alternative)
        children = [_alternative(rule_base, firing, applies=True)]
        children[0] = Node(children[0].kind, children[0].label, children[0].status,
                           rule=info.provision.span,
                           rule_text=source_line(rule_base, info.provision.span),
                           data=children[0].data, children=children[0].children)
        if award.amount is not None:
            children.append(_amount_node(award, firing))
        if len(award.payers) >= 1:
            children.append(Node("payer", "payer " + "; ".join(f"{p} {m}" for p, m in award.payers),
                                 data=(("payers", [{"payer": p, "amount": m.to_json()}
                                                   for p, m in award.payers]),)))
        children.extend(Node("adjustment", text) for text in award.adjustments)
        children.extend(Node("reading", f"reading: {note}") for note in award.notes)
        return Node("subject", f"{who}: applies — {what}", HOLDS, children=tuple(children),
                    data=_root_data(explanation, subject))
    closest = subject.closest
    status = UNKNOWN if closest is not None and all(
        c.status == UNKNOWN for c in closest.open_checks) else FAILS
    summary = f"closest: {closest.title}, {closest.summary()}" if closest else "no alternative"
    children = [_alternative(rule_base, a) for a in subject.alternatives]
    if subject.suggestions:
        best, *others = subject.suggestions
        detail = (f"proven: {best.outcome()}",
                  f"try it: policylog whatif PROFILE --set '{best.change.assignment}'")
        children.append(Node("suggestion", f"smallest change: {best.text()}"
                                           f"{_relative(best.relative)}", detail=detail,
                             data=(("suggestion", best.to_json()),)))
        for other in others:
            children.append(Node("suggestion", f"also works: {other.text()}{_relative(other.relative)}",
                                 detail=(f"proven: {other.outcome()}",),
                                 data=(("suggestion", other.to_json()),)))
    elif closest is not None:
        children.append(Node("suggestion", "no single change of one fact makes it apply"))
    return Node("subject", f"{who}: does not apply — {summary}", status, children=tuple(children),
                data=_root_data(explanation, subject))


def _root_data(explanation: Explanation, subject: SubjectExplanation) -> tuple:
    info = explanation.info
    return (("provision", info.provision.id), ("clause", info.clause.id),
            ("policy", info.policy.id),
            ("subjects", [{"kind": k, "id": i} for k, i in subject.subjects]))


def _relative(relative) -> str:
    from decimal import Decimal

    if relative >= 1:
        return ""
    return f" ({format_number((relative * 100).quantize(Decimal('0.1')))}% change)"


def _mentions(step: str, use: FactUse) -> bool:
    """Does an arithmetic step read this fact? `企业.营业收入[2025]` is written with its year
    expression in the step, so the name is matched up to the index."""
    return re.search(re.escape(use.name.split("[")[0]) + r"(?![\w.])", step) is not None


def _amount_node(award, firing: AlternativeResult) -> Node:
    inputs = list(dict.fromkeys(use for check in firing.checks if check.role in ("requires", "tier")
                                for use in check.facts))
    steps, used = [], set()
    for step in award.steps:
        facts = [use for use in inputs if _mentions(step, use) and use not in used]
        used.update(facts)
        steps.append(Node("step", step, children=tuple(_fact(use) for use in facts)))
    rest = [use for use in inputs if use not in used]
    return Node("amount", f"amount {award.amount}",
                children=tuple(steps) + tuple(_fact(use) for use in rest),
                data=(("amount", award.amount.to_json()),))
