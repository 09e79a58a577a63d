"""Explanations for people (text, Markdown) and tools (JSON, documented in docs/explain.md).

Every format draws the same trees (`engine/derivation.py`); JSON also carries the structured
statuses, gaps and suggestions, with sorted keys (`engine/render.py: dumps`).
"""

from __future__ import annotations

from ..dsl.diagnostics import Span
from .derivation import Node, prune, source_line, subject_tree
from .explanation import Explanation, NearMiss
from .render import award_to_json, wrap_wide

EXPLAIN_FORMAT_VERSION = 1

_MARKER = {"holds": "✔", "fails": "✘", "unknown": "?"}
_KIND_MARKER = {"fact": "•", "record": "▸", "missing": "○", "amount": "=", "step": "·",
                "payer": "→", "adjustment": "!", "reading": "ℹ", "suggestion": "★", "cut": "…",
                "derived": "⊢", "rule": "⊢"}


def marker(node: Node) -> str:
    if node.status in _MARKER and node.kind not in ("derived",):
        return _MARKER[node.status]
    return _KIND_MARKER.get(node.kind, "-")


# ---- text ------------------------------------------------------------------------------------

def tree_text(node: Node, indent: str = "") -> list[str]:
    line = f"{indent}{marker(node)} {node.label}"
    if node.source is not None:
        line += f"  [{node.source}]"
    lines = [line]
    for detail in node.detail:
        lines.append(f"{indent}    {detail}")
    if node.rule is not None:
        quoted = f" │ {node.rule_text}" if node.rule_text else ""
        lines.append(f"{indent}    rule {node.rule}{quoted}")
    for child in node.children:
        lines.extend(tree_text(child, indent + "    "))
    return lines


def _header(explanation: Explanation) -> list[str]:
    info = explanation.info
    provision = info.provision
    title = provision.title or info.clause.title
    total = explanation.alternatives_total
    profile = explanation.profile
    lines = [f"{provision.id}  {title}",
             f"  policy {info.policy.id}, clause {info.clause.id} {info.clause.title}; pays per "
             f"{info.subject}; {total} alternative{'s' if total != 1 else ''}",
             f"  rule: {provision.span}" if provision.span else "  rule: (no span)",
             f"  profile: {profile.file} — {profile.root.kind} {profile.root.id}",
             f"  source text of {info.clause.id}:"]
    lines.extend(f"    │ {line}" for line in wrap_wide(info.clause.text, 64))
    return lines


def render_explanation_text(rule_base, explanation: Explanation, depth: int | None = None) -> str:
    out = _header(explanation)
    out.append("")
    if explanation.note:
        out.append(f"nothing to explain: {explanation.note}")
    for subject in explanation.subjects:
        out.extend(tree_text(prune(subject_tree(rule_base, explanation, subject), depth)))
        out.append("")
    applies = sum(1 for s in explanation.subjects if s.applies)
    out.append(f"{explanation.provision}: applies to {applies} of {len(explanation.subjects)} "
               f"`{explanation.info.subject}` record{'s' if len(explanation.subjects) != 1 else ''}.")
    return "\n".join(out) + "\n"


# ---- Markdown --------------------------------------------------------------------------------

def md_escape(text: str) -> str:
    """Escape what Markdown would read as markup; Chinese text passes through."""
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text


def _md_code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def tree_markdown(node: Node, level: int = 0) -> list[str]:
    indent = "  " * level
    label = md_escape(node.label)
    if node.kind in ("condition",):
        label = f"**{label}**"
    line = f"{indent}- {marker(node)} {label}"
    if node.source is not None:
        line += f" — {_md_code(str(node.source))}"
    lines = [line]
    for detail in node.detail:
        lines.append(f"{indent}  <br>{md_escape(detail)}")
    if node.rule is not None:
        quoted = f" {_md_code(node.rule_text)}" if node.rule_text else ""
        lines.append(f"{indent}  <br>rule {_md_code(str(node.rule))}{quoted}")
    for child in node.children:
        lines.extend(tree_markdown(child, level + 1))
    return lines


def quote_markdown(text: str) -> list[str]:
    return [f"> {md_escape(line)}" if line else ">" for line in text.splitlines() or [""]]


def render_explanation_markdown(rule_base, explanation: Explanation, depth: int | None = None) -> str:
    info = explanation.info
    provision = info.provision
    out = [f"# {provision.id} {md_escape(provision.title or info.clause.title)}", "",
           f"- policy: {_md_code(info.policy.id)}, clause {_md_code(info.clause.id)} "
           f"{md_escape(info.clause.title)}",
           f"- pays per: {md_escape(info.subject)}; alternatives: {explanation.alternatives_total}",
           f"- rule: {_md_code(str(provision.span))}",
           f"- profile: {_md_code(explanation.profile.file)} — {md_escape(explanation.profile.root.kind)} "
           f"{md_escape(explanation.profile.root.id)}", "", "Source text:", ""]
    out.extend(quote_markdown(info.clause.text))
    out.append("")
    if explanation.note:
        out.extend([f"Nothing to explain: {md_escape(explanation.note)}", ""])
    for subject in explanation.subjects:
        tree = prune(subject_tree(rule_base, explanation, subject), depth)
        out.append(f"## {md_escape(tree.label)}")
        out.append("")
        for child in tree.children:
            out.extend(tree_markdown(child))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# ---- JSON ------------------------------------------------------------------------------------

def _span(span: Span | None):
    return span.to_json() if span is not None else None


def explanation_to_json(rule_base, explanation: Explanation, depth: int | None = None) -> dict:
    info = explanation.info
    provision = info.provision
    subjects = []
    for subject in explanation.subjects:
        subjects.append({
            "subject": {"kind": subject.record[0], "id": subject.record[1],
                        "path": [{"kind": k, "id": i} for k, i in subject.subjects]},
            "applies": subject.applies,
            "award": award_to_json(subject.award) if subject.award is not None else None,
            "alternatives": [a.to_json() for a in subject.alternatives],
            "suggestion": subject.suggestions[0].to_json() if subject.suggestions else None,
            "other_changes": [s.to_json() for s in subject.suggestions[1:]],
            "tree": prune(subject_tree(rule_base, explanation, subject), depth).to_json(),
        })
    return {
        "format": "policylog.explain",
        "version": EXPLAIN_FORMAT_VERSION,
        "profile": {"file": explanation.profile.file, "kind": explanation.profile.root.kind,
                    "id": explanation.profile.root.id},
        "provision": {"id": provision.id, "title": provision.title or info.clause.title,
                      "clause": info.clause.id, "clause_title": info.clause.title,
                      "policy": info.policy.id, "subject_kind": info.subject,
                      "alternatives": explanation.alternatives_total,
                      "rule_span": _span(provision.span),
                      "rule_text": source_line(rule_base, provision.span),
                      "source_text": info.clause.text},
        "depth": depth,
        "note": explanation.note,
        "subjects": subjects,
    }


# ---- near misses -----------------------------------------------------------------------------

def near_miss_lines(miss: NearMiss) -> list[str]:
    info = miss.info
    who = " / ".join(f"{k} {i}" for k, i in miss.subject.subjects)
    check = miss.check
    label = f"{check.label}: " if check.label else ""
    lines = [f"≈ {info.provision.id}  {info.provision.title or info.clause.title}",
             f"    for: {who}",
             f"    misses: {label}{check.condition}",
             f"      {_with_status(check.status, check.detail)}"]
    if check.note:
        lines.append(f"      {check.note}")
    if miss.suggestion is not None:
        lines.append(f"    would apply with: {miss.suggestion.text()}")
        lines.append(f"      proven: {miss.suggestion.outcome()}")
    return lines


def _with_status(status: str, detail: str) -> str:
    return detail if detail.startswith(f"{status}:") else f"{status}: {detail}"


def render_near_misses_text(misses: list[NearMiss]) -> str:
    out = ["", f"near misses ({len(misses)}): provisions missed by one condition"]
    if not misses:
        out.append("  none")
    for miss in misses:
        out.append("")
        out.extend(near_miss_lines(miss))
    return "\n".join(out) + "\n"


def near_miss_to_json(miss: NearMiss) -> dict:
    info = miss.info
    return {"provision": info.provision.id, "title": info.provision.title or info.clause.title,
            "clause": info.clause.id, "policy": info.policy.id,
            "subject": {"kind": miss.subject.record[0], "id": miss.subject.record[1],
                        "path": [{"kind": k, "id": i} for k, i in miss.subject.subjects]},
            "alternative": miss.alternative.index,
            "check": miss.check.to_json(),
            "suggestion": miss.suggestion.to_json() if miss.suggestion else None}
