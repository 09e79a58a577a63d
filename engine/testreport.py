"""Rule-test results for people (text), for tools (JSON) and for CI (JUnit XML)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .render import award_to_json, render_award
from .ruletests import CaseResult, ConditionRef, Coverage, FailedCheck, Failure, RuleTestRun, WhyNot

JSON_FORMAT_VERSION = 1

_ROLE_SUFFIX = {"exception": " (exception)", "not-exception": " (an exception applies)",
                "requires": " (the amount needs it)", "tier": " (tier)"}


# ---- text --------------------------------------------------------------------------------------

def render_text(run: RuleTestRun) -> str:
    out: list[str] = []
    for result in run.results:
        span = result.test.span
        out.append(f"{'PASS' if result.passed else 'FAIL'}  {span.file}:{span.line}  {result.test.name}")
        for failure in result.failures:
            out.extend(render_failure(failure))
    if not run.results:
        out.append("no rule tests found (a rule directory keeps them in tests/*.yaml)")
    out.append("")
    out.extend(render_coverage(run.coverage))
    out.append("")
    out.append(summary_line(run))
    return "\n".join(out) + "\n"


def render_failure(failure: Failure) -> list[str]:
    """The message at the line of the expectation, then the derivation that answered it."""
    lines = [f"  {failure.span.file}:{failure.span.line}: {failure.message}"]
    for award in failure.awards:
        lines.extend(f"    {line}" for line in render_award(award, quote=False))
    for why in failure.why_not:
        lines.extend(_render_why_not(why))
    return lines


def _render_why_not(why: WhyNot) -> list[str]:
    subject = " / ".join(f"{kind} {record}" for kind, record in why.subject)
    count = len(why.alternatives)
    lines = []
    for index, failed in enumerate(why.alternatives):
        which = "its condition" if count == 1 else f"alternative {index + 1} of {count}"
        lines.append(f"    for {subject}, {which} fails at:")
        for check in failed:
            lines.extend(_render_failed_check(check))
    return lines


def _render_failed_check(check: FailedCheck) -> list[str]:
    label = f"{check.label}: " if check.label else ""
    where = f"  [{check.span}]" if check.span else ""
    lines = [f"      ✘ {label}{check.condition}{_ROLE_SUFFIX.get(check.role, '')}{where}"]
    for fact in check.facts:
        if fact.source is None:
            lines.append(f"          {fact.name}: {fact.value}")
        else:
            lines.append(f"          {fact.name} = {fact.value}  [{fact.source}]")
    return lines


def render_coverage(coverage: Coverage) -> list[str]:
    executable = len(coverage.executable)
    out = [f"coverage of {len(coverage.provisions)} provisions ({executable} executable):"]
    out.append(_id_list("executable provisions no case made fire", coverage.never_fired))
    out.append(_id_list("provisions no case rejected", coverage.never_rejected))
    conditions = coverage.conditions_never_failed
    out.append(f"  conditions no rejecting case made fail on their own: "
               f"{len(conditions) if conditions else 'none'}")
    out.extend(f"    {_condition_text(ref)}" for ref in conditions)
    return out


def _id_list(title: str, ids: list[str]) -> str:
    return f"  {title}: {len(ids)} ({', '.join(ids)})" if ids else f"  {title}: none"


def _condition_text(ref: ConditionRef) -> str:
    label = f"{ref.label}: " if ref.label else ""
    where = f"  [{ref.span}]" if ref.span else ""
    return f"{ref.provision}  {label}{ref.condition}{_ROLE_SUFFIX.get(ref.role, '')}{where}"


def summary_line(run: RuleTestRun) -> str:
    """`24 cases: 23 passed, 1 failed; coverage complete`."""
    cases = len(run.results)
    failed = len(run.failed)
    line = f"{cases} case{'s' if cases != 1 else ''}: {cases - failed} passed, {failed} failed"
    incomplete = run.coverage.incomplete
    if incomplete:
        line += (f"; {len(incomplete)} executable provision{'s' if len(incomplete) != 1 else ''} "
                 "lack a qualifying or a non-qualifying case")
    else:
        line += "; every executable provision has a qualifying and a non-qualifying case"
    return line


# ---- JSON --------------------------------------------------------------------------------------

def to_json(run: RuleTestRun) -> dict:
    coverage = run.coverage
    return {
        "format": "policylog.test",
        "version": JSON_FORMAT_VERSION,
        "cases": [_case_json(result) for result in run.results],
        "coverage": {
            "provisions": len(coverage.provisions),
            "executable": len(coverage.executable),
            "never_fired": coverage.never_fired,
            "never_rejected": coverage.never_rejected,
            "conditions_never_failed": [
                {"provision": ref.provision, "condition": ref.condition, "role": ref.role,
                 "label": ref.label, "span": ref.span.to_json() if ref.span else None}
                for ref in coverage.conditions_never_failed],
            "incomplete": coverage.incomplete,
        },
        "summary": {"cases": len(run.results), "passed": len(run.results) - len(run.failed),
                    "failed": len(run.failed), "ok": run.ok, "text": summary_line(run)},
    }


def _case_json(result: CaseResult) -> dict:
    return {
        "name": result.test.name,
        "file": result.test.span.file,
        "line": result.test.span.line,
        "passed": result.passed,
        "failures": [{
            "file": failure.span.file,
            "line": failure.span.line,
            "message": failure.message,
            "awards": [award_to_json(award) for award in failure.awards],
            "why_not": [{
                "subject": [{"kind": kind, "id": record} for kind, record in why.subject],
                "alternatives": [[{
                    "condition": check.condition, "role": check.role, "label": check.label,
                    "rule_span": check.span.to_json() if check.span else None,
                    "facts": [fact.to_json() for fact in check.facts],
                } for check in failed] for failed in why.alternatives],
            } for why in failure.why_not],
        } for failure in result.failures],
    }


# ---- JUnit XML ---------------------------------------------------------------------------------

def to_junit(run: RuleTestRun) -> str:
    """One testsuite per test file, one testcase per case; then a `coverage` suite with one
    testcase per executable provision, failing when it lacks a qualifying or rejecting case."""
    root = ET.Element("testsuites", name="policylog test")
    by_file: dict[str, list[CaseResult]] = {}
    for result in run.results:
        by_file.setdefault(result.test.span.file, []).append(result)
    for file, results in by_file.items():
        suite = _suite(root, file, len(results), sum(1 for r in results if not r.passed))
        classname = file.removesuffix(".yaml").removesuffix(".yml").replace("/", ".")
        for result in results:
            case = ET.SubElement(suite, "testcase", name=result.test.name, classname=classname,
                                 file=file, line=str(result.test.span.line))
            if result.failures:
                failure = ET.SubElement(case, "failure", message=result.failures[0].message,
                                        type="RuleTestFailure")
                failure.text = "\n".join(line for f in result.failures for line in render_failure(f))
    coverage = run.coverage
    executable = [p for p in coverage.provisions if p in coverage.executable]
    suite = _suite(root, "coverage", len(executable), len(coverage.incomplete))
    for provision in executable:
        case = ET.SubElement(suite, "testcase", name=provision, classname="coverage")
        missing = [what for what, done in (("a qualifying case", provision in coverage.fired),
                                           ("a non-qualifying case", provision in coverage.rejected))
                   if not done]
        if missing:
            ET.SubElement(case, "failure", message=f"`{provision}` has no {' and no '.join(missing)}",
                          type="CoverageGap")
    root.set("tests", str(sum(int(s.get("tests")) for s in root)))
    root.set("failures", str(sum(int(s.get("failures")) for s in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(root: ET.Element, name: str, tests: int, failures: int) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name, tests=str(tests), failures=str(failures),
                         errors="0", skipped="0")
