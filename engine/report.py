"""The report: one self-contained document for an applicant or an auditor.

    policylog report profile.yaml -o report.html      (or report.md)

Sections: the subject's facts (each with its file and line); every qualifying provision with its
amount, payer split, quoted clause text and collapsible derivation tree; totals by payer
(自治区 / 盟市) and by policy; the near misses with what they lack; and a stamp with the date and
the rule base's version (a hash of its rule files).

The HTML has no external assets: inline CSS and one small inline script (expand/collapse all, and
open every tree before printing), and a Content-Security-Policy that forbids any network fetch,
so it opens offline and prints the same anywhere. Chinese renders through a CJK font stack.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .. import __version__
from ..dsl.checker import RuleBase
from .amounts import Money
from .derivation import Node, subject_tree
from .explain import Explainer
from .explanation import NearMiss
from .explain_render import marker, md_escape, quote_markdown, tree_markdown
from .ir import attribute_predicate
from .profiles import Profile, Record
from .qualify import Award, QualifyResult

REPORT_FORMATS = ("html", "markdown")


# ---- the report as data --------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FactRow:
    attribute: str
    value: str
    source: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class RecordFacts:
    record: Record
    rows: tuple[FactRow, ...]


@dataclass(frozen=True, slots=True)
class AwardSection:
    award: Award
    tree: Node


@dataclass(frozen=True, slots=True)
class Report:
    profile: Profile
    result: QualifyResult
    facts: tuple[RecordFacts, ...]
    awards: tuple[AwardSection, ...]
    near_misses: tuple[NearMiss, ...]
    generated: date
    rule_base_version: str
    rule_files: tuple[str, ...]
    policies: tuple[tuple[str, str], ...]  # (id, "title (year, status)")


def rule_base_version(rule_base: RuleBase) -> str:
    """`sha256:…` over the rule files' names and texts: changes when any rule changes."""
    digest = hashlib.sha256()
    for name, text in sorted((Path(file).name, text) for file, text in rule_base.sources.items()):
        digest.update(name.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return f"sha256:{digest.hexdigest()[:16]}"


def record_facts(rule_base: RuleBase, profile: Profile) -> tuple[RecordFacts, ...]:
    out = []
    for record in profile.records:
        rows = []
        for attribute in rule_base.attributes_of(record.kind):
            predicate = attribute_predicate(record.kind, attribute.name)
            facts = [f for f in profile.facts if f.predicate == predicate and f.args[0] == record.id]
            if attribute.name not in record.values:
                continue
            value = record.values[attribute.name]
            if attribute.per_year:
                by_year: dict[int, list[str]] = {}
                for fact in facts:
                    by_year.setdefault(fact.args[1], []).append(fact.text)
                shown = "; ".join(f"{year}: " + (f"[{', '.join(texts)}]" if attribute.type.base == "set"
                                                  else texts[0]) for year, texts in sorted(by_year.items()))
            elif isinstance(value, tuple):
                shown = "[" + ", ".join(f.text for f in facts) + "]"
            else:
                shown = facts[0].text if facts else str(value)
            source = str(facts[0].span) if facts and facts[0].span is not None else None
            rows.append(FactRow(attribute.name, shown, source, attribute.decl.description))
        out.append(RecordFacts(record, tuple(rows)))
    return tuple(out)


def build_report(explainer: Explainer, profile: Profile, *, generated: date,
                 near_misses: bool = True) -> Report:
    rule_base = explainer.rule_base
    session = explainer.session(profile)
    result = session.result
    sections = []
    explanations = {}
    for award in result.awards:
        if award.provision not in explanations:
            explanations[award.provision] = explainer.explain(profile, award.provision,
                                                              suggest=False, session=session)
        explanation = explanations[award.provision]
        subject = next(s for s in explanation.subjects if s.record[1] == award.subject_id)
        sections.append(AwardSection(award, subject_tree(rule_base, explanation, subject)))
    misses = tuple(explainer.near_misses(profile, result)) if near_misses else ()
    policies = tuple(
        (policy.id, " ".join(x for x in (policy.title or "",
                                         f"({', '.join(str(v) for v in (policy.year, policy.status) if v)})")
                             if x))
        for pid, policy in sorted(rule_base.policies.items()) if pid in explainer.engine.policies)
    return Report(profile, result, record_facts(rule_base, profile), tuple(sections), misses,
                  generated, rule_base_version(rule_base),
                  tuple(sorted(Path(f).name for f in rule_base.sources)), policies)


def _amount(money: Money | None, award: Award | None = None) -> str:
    if money is None:
        return f"offers {award.informational}" if award is not None else "—"
    return str(money)


def _who(award: Award) -> str:
    return " / ".join(f"{k} {i}" for k, i in award.subjects[1:]) or " ".join(award.subjects[0])


def _summary(report: "Report") -> str:
    awards = report.result.awards
    paid = sum(1 for a in awards if a.paid)
    informational = sum(1 for a in awards if a.amount is None)
    unpaid = len(awards) - paid - informational
    parts = [f"{paid} paid"] + ([f"{informational} informational"] if informational else []) + \
        ([f"{unpaid} not paid (stacking rules)"] if unpaid else [])
    return (f"{len(awards)} award(s): {', '.join(parts)}; total {report.result.total()}; "
            f"{len(report.near_misses)} near miss(es).")


def _status(award: Award) -> str:
    if award.amount is None:
        return "informational"
    return "paid" if award.paid else f"not paid (not cumulative with {award.excluded_by})"


# ---- HTML ----------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1d2327; --muted: #5f6b73; --line: #d5dade; --ok: #1a7f37; --bad: #b42318;
        --unknown: #8a6d00; --soft: #f5f7f8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; color: var(--ink); line-height: 1.55;
       font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB",
                    "Microsoft YaHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", sans-serif; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; border-bottom: 2px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .92rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num, th.num { text-align: right; white-space: nowrap; }
.stamp { color: var(--muted); font-size: .9rem; }
.stamp dt { float: left; clear: left; width: 8rem; }
.stamp dd { margin: 0 0 0 8.5rem; }
blockquote { margin: .5rem 0; padding: .4rem .8rem; border-left: 4px solid var(--line);
             background: var(--soft); white-space: pre-wrap; }
code, .src { font-family: "DejaVu Sans Mono", "Noto Sans Mono CJK SC", monospace; font-size: .85em; }
.src { color: var(--muted); }
.award { border: 1px solid var(--line); border-radius: 6px; padding: .2rem 1rem .8rem; margin: 1rem 0;
         break-inside: avoid-page; }
.award h3 { margin-top: .8rem; }
.money { font-weight: 600; }
.holds > details > summary .mark, .holds > .mark, .mark.holds { color: var(--ok); }
.fails > details > summary .mark, .fails > .mark, .mark.fails { color: var(--bad); }
.unknown > details > summary .mark, .unknown > .mark, .mark.unknown { color: var(--unknown); }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.2rem; }
ul.tree { padding-left: 0; }
ul.tree li { margin: .15rem 0; }
ul.tree .detail, ul.tree .rule { margin-left: 1.4rem; color: var(--muted); font-size: .9rem; }
ul.tree summary { cursor: pointer; }
details.derivation > summary { font-weight: 600; cursor: pointer; margin: .4rem 0; }
.controls { margin: .5rem 0; }
.controls button { font: inherit; font-size: .85rem; margin-right: .4rem; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  .controls { display: none; }
  h2 { break-after: avoid-page; }
  .award { border: none; border-top: 1px solid var(--line); border-radius: 0; padding: 0; }
  details > summary { list-style: none; }
  details > summary::-webkit-details-marker { display: none; }
  details::details-content { content-visibility: visible; display: contents; }
  a { color: inherit; text-decoration: none; }
  tr, li { break-inside: avoid; }
}
"""

# Open every tree for printing (and restore afterwards); buttons to expand or collapse them all.
_SCRIPT = """
(function () {
  var opened = [];
  function all() { return Array.prototype.slice.call(document.querySelectorAll('details')); }
  window.addEventListener('beforeprint', function () {
    opened = all().filter(function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
  document.querySelectorAll('[data-details]').forEach(function (button) {
    button.addEventListener('click', function () {
      var open = button.getAttribute('data-details') === 'open';
      all().forEach(function (d) { d.open = open; });
    });
  });
})();
"""

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _tree_html(node: Node) -> str:
    status = node.status or ""
    mark = f'<span class="{f"mark {status}" if status else "mark"}">{_e(marker(node))}</span>'
    head = f'{mark} <span class="label">{_e(node.label)}</span>'
    if node.source is not None:
        head += f' <span class="src">[{_e(node.source)}]</span>'
    body = "".join(f'<div class="detail">{_e(d)}</div>' for d in node.detail)
    if node.rule is not None:
        quoted = f" <q>{_e(node.rule_text)}</q>" if node.rule_text else ""
        body += f'<div class="rule">rule <code>{_e(node.rule)}</code>{quoted}</div>'
    classes = f"node {node.kind} {status}".strip()
    if not node.children:
        return f'<li class="{classes}">{head}{body}</li>'
    children = "".join(_tree_html(child) for child in node.children)
    return (f'<li class="{classes}"><details open><summary>{head}</summary>{body}'
            f'<ul>{children}</ul></details></li>')


def _anchor(award: Award) -> str:
    digest = hashlib.sha1(f"{award.provision}\0{award.subject_id}".encode("utf-8")).hexdigest()[:10]
    return f"award-{digest}"


def _totals_rows(totals: dict[str, Money]) -> str:
    return "".join(f'<tr><td>{_e(name)}</td><td class="num">{_e(money)}</td></tr>'
                   for name, money in totals.items())


def render_html(report: Report) -> str:
    profile, result = report.profile, report.result
    root = profile.root
    title = f"{root.kind} {root.id} — 政策奖补核查报告"
    out = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f'<meta name="generator" content="policylog {_e(__version__)}">',
           f"<title>{_e(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f"<h1>{_e(title)}</h1>",
           '<p class="stamp">policy qualification report · 申报主体核查</p>',
           '<dl class="stamp">',
           f"<dt>generated</dt><dd>{_e(report.generated.isoformat())}</dd>",
           f"<dt>profile</dt><dd><code>{_e(profile.file)}</code></dd>",
           f"<dt>rule base</dt><dd><code>{_e(report.rule_base_version)}</code> "
           f"({_e(', '.join(report.rule_files))})</dd>"]
    for policy_id, description in report.policies:
        out.append(f"<dt>policy</dt><dd><code>{_e(policy_id)}</code> {_e(description)}</dd>")
    out.append(f"<dt>policylog</dt><dd>{_e(__version__)}</dd></dl>")

    out.append("<h2>Summary 汇总</h2>")
    out.append(f"<p>{_e(_summary(report))}</p>")
    out.append('<table class="totals"><thead><tr><th>payer 承担</th><th class="num">amount</th>'
               f'</tr></thead><tbody>{_totals_rows(result.totals_by_payer())}</tbody></table>')
    out.append('<table class="totals"><thead><tr><th>policy 政策</th><th class="num">amount</th>'
               f'</tr></thead><tbody>{_totals_rows(result.totals_by_policy())}'
               f'<tr><th>total 合计</th><th class="num">{_e(result.total())}</th></tr>'
               "</tbody></table>")

    out.append("<h2>Facts 申报事实</h2>")
    for entry in report.facts:
        record = entry.record
        where = f' <span class="src">[{_e(record.span)}]</span>' if record.span else ""
        out.append(f"<h3>{_e(record.kind)} {_e(record.id)}{where}</h3>")
        if not entry.rows:
            out.append("<p>no attributes recorded.</p>")
            continue
        out.append("<table><thead><tr><th>attribute</th><th>value</th><th>source</th></tr></thead><tbody>")
        for row in entry.rows:
            out.append(f"<tr><td>{_e(row.attribute)}</td><td>{_e(row.value)}</td>"
                       f'<td class="src">{_e(row.source or "")}</td></tr>')
        out.append("</tbody></table>")

    out.append("<h2>Qualifying provisions 符合条件的条款</h2>")
    if not report.awards:
        out.append("<p>The subject qualifies for no provision.</p>")
    else:
        out.append('<table class="awards"><thead><tr><th>provision</th><th>title</th><th>for</th>'
                   '<th class="num">amount</th><th>payers</th><th>status</th></tr></thead><tbody>')
        for section in report.awards:
            award = section.award
            payers = "; ".join(f"{p} {m}" for p, m in award.payers)
            out.append(f'<tr><td><a href="#{_anchor(award)}"><code>{_e(award.provision)}</code></a></td>'
                       f"<td>{_e(award.title)}</td><td>{_e(_who(award))}</td>"
                       f'<td class="num">{_e(_amount(award.amount, award))}</td><td>{_e(payers)}</td>'
                       f"<td>{_e(_status(award))}</td></tr>")
        out.append("</tbody></table>")
        out.append('<div class="controls"><button type="button" data-details="open">expand all'
                   '</button><button type="button" data-details="close">collapse all</button></div>')
    for section in report.awards:
        award = section.award
        out.append(f'<section class="award" id="{_anchor(award)}">')
        out.append(f"<h3><code>{_e(award.provision)}</code> {_e(award.title)} — {_e(_who(award))}</h3>")
        out.append(f'<p>amount: <span class="money">{_e(_amount(award.amount, award))}</span>'
                   f" · {_e(_status(award))}</p>")
        if award.payers:
            out.append("<p>payer split: " + "; ".join(f"{_e(p)} {_e(m)}" for p, m in award.payers)
                       + "</p>")
        for adjustment in award.adjustments:
            out.append(f"<p>adjusted: {_e(adjustment)}</p>")
        out.append(f"<p>clause <code>{_e(award.clause)}</code> {_e(award.clause_title)}:</p>")
        out.append(f"<blockquote>{_e(award.clause_text)}</blockquote>")
        out.append('<details class="derivation"><summary>derivation 推导过程</summary>'
                   f'<ul class="tree">{_tree_html(section.tree)}</ul></details>')
        out.append("</section>")

    out.append("<h2>Near misses 差一项条件的条款</h2>")
    if not report.near_misses:
        out.append("<p>No provision is missed by a single condition.</p>")
    else:
        out.append("<table><thead><tr><th>provision</th><th>for</th><th>what it lacks</th>"
                   "<th>smallest change (proven)</th></tr></thead><tbody>")
        for miss in report.near_misses:
            check = miss.check
            who = " / ".join(f"{k} {i}" for k, i in miss.subject.subjects[1:]) or \
                " ".join(miss.subject.subjects[0])
            label = f"{check.label}: " if check.label else ""
            detail = check.detail.removeprefix(f"{check.status}: ")
            lacks = (f"<code>{_e(label + check.condition)}</code><br>"
                     f'<span class="mark {check.status}">{_e(check.status)}</span>: {_e(detail)}')
            suggestion = miss.suggestion
            change = (f"{_e(suggestion.text())}<br>{_e(suggestion.outcome())}" if suggestion
                      else "no single change found")
            title = miss.info.provision.title or miss.info.clause.title
            out.append(f"<tr><td><code>{_e(miss.info.provision.id)}</code> {_e(title)}</td>"
                       f"<td>{_e(who)}</td><td>{lacks}</td><td>{change}</td></tr>")
        out.append("</tbody></table>")
    out.append(f'<p class="stamp">Generated by policylog {_e(__version__)} on '
               f"{_e(report.generated.isoformat())} from rule base {_e(report.rule_base_version)}. "
               "Each amount can be re-derived with <code>policylog explain PROFILE PROVISION</code>.</p>")
    out.append(f"<script>{_SCRIPT}</script>")
    out.append("</body>")
    out.append("</html>")
    return "\n".join(out) + "\n"


# ---- Markdown ------------------------------------------------------------------------------

def _cell(text: object) -> str:
    return md_escape(str(text)).replace("\n", " ")


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""


def render_markdown(report: Report) -> str:
    profile, result = report.profile, report.result
    root = profile.root
    out = [f"# {md_escape(root.kind)} {md_escape(root.id)} — 政策奖补核查报告", "",
           f"- generated: {report.generated.isoformat()}",
           f"- profile: `{profile.file}`",
           f"- rule base: `{report.rule_base_version}` ({', '.join(report.rule_files)})"]
    for policy_id, description in report.policies:
        out.append(f"- policy: `{policy_id}` {md_escape(description)}")
    out.append(f"- policylog: {__version__}")
    out.append("")
    out.extend(["## Summary 汇总", "",
                md_escape(_summary(report)), "",
                "| payer 承担 | amount |", "|---|---:|"])
    out.extend(f"| {_cell(n)} | {_cell(m)} |" for n, m in result.totals_by_payer().items())
    out.extend(["", "| policy 政策 | amount |", "|---|---:|"])
    out.extend(f"| {_cell(n)} | {_cell(m)} |" for n, m in result.totals_by_policy().items())
    out.append(f"| **total 合计** | **{_cell(result.total())}** |")
    out.extend(["", "## Facts 申报事实", ""])
    for entry in report.facts:
        record = entry.record
        where = f" — `{record.span}`" if record.span else ""
        out.extend([f"### {md_escape(record.kind)} {md_escape(record.id)}{where}", ""])
        if not entry.rows:
            out.extend(["no attributes recorded.", ""])
            continue
        out.extend(["| attribute | value | source |", "|---|---|---|"])
        out.extend(f"| {_cell(r.attribute)} | {_cell(r.value)} | {_code(r.source)} |"
                   for r in entry.rows)
        out.append("")
    out.extend(["## Qualifying provisions 符合条件的条款", ""])
    if not report.awards:
        out.extend(["The subject qualifies for no provision.", ""])
    else:
        out.extend(["| provision | title | for | amount | payers | status |", "|---|---|---|---:|---|---|"])
        for section in report.awards:
            award = section.award
            payers = "; ".join(f"{p} {m}" for p, m in award.payers)
            out.append(f"| `{award.provision}` | {_cell(award.title)} | {_cell(_who(award))} | "
                       f"{_cell(_amount(award.amount, award))} | {_cell(payers)} | {_cell(_status(award))} |")
        out.append("")
    for section in report.awards:
        award = section.award
        out.extend([f"### `{award.provision}` {md_escape(award.title)} — {md_escape(_who(award))}", "",
                    f"- amount: **{md_escape(_amount(award.amount, award))}** · {_status(award)}"])
        if award.payers:
            out.append("- payer split: " + md_escape("; ".join(f"{p} {m}" for p, m in award.payers)))
        out.extend(f"- adjusted: {md_escape(a)}" for a in award.adjustments)
        out.extend([f"- clause `{award.clause}` {md_escape(award.clause_title)}:", ""])
        out.extend(quote_markdown(award.clause_text))
        out.extend(["", "<details><summary>derivation 推导过程</summary>", ""])
        out.extend(tree_markdown(section.tree))
        out.extend(["", "</details>", ""])
    out.extend(["## Near misses 差一项条件的条款", ""])
    if not report.near_misses:
        out.extend(["No provision is missed by a single condition.", ""])
    else:
        out.extend(["| provision | for | what it lacks | smallest change (proven) |", "|---|---|---|---|"])
        for miss in report.near_misses:
            check = miss.check
            who = " / ".join(f"{k} {i}" for k, i in miss.subject.subjects[1:]) or \
                " ".join(miss.subject.subjects[0])
            label = f"{check.label}: " if check.label else ""
            detail = check.detail.removeprefix(f"{check.status}: ")
            lacks = f"`{label}{check.condition}` — {check.status}: {_cell(detail)}"
            change = (f"{_cell(miss.suggestion.text())} → {_cell(miss.suggestion.outcome())}"
                      if miss.suggestion else "no single change found")
            title = miss.info.provision.title or miss.info.clause.title
            out.append(f"| `{miss.info.provision.id}` {_cell(title)} | {_cell(who)} | {lacks} | {change} |")
        out.append("")
    out.append(f"_Generated by policylog {__version__} on {report.generated.isoformat()} from rule "
               f"base `{report.rule_base_version}`. Each amount can be re-derived with "
               "`policylog explain PROFILE PROVISION`._")
    return "\n".join(out) + "\n"
