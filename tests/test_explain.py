"""Why, why not and what it would take: golden explanations and the behaviour behind them.

Goldens use the frozen fixture rule bases only: tests/fixtures/core (the first rules) and
tests/fixtures/explain (one clause per kind of condition). Run `pytest --update-golden` to
rewrite them after an intended change, then review the diff.
"""

import json
from decimal import Decimal

import pytest

from policylog.dsl.loader import load_rule_base
from policylog.engine.changes import apply_changes, parse_assignment
from policylog.engine.explain import FAILS, HOLDS, UNKNOWN, Explainer
from policylog.engine.explain_render import (explanation_to_json, render_explanation_markdown,
                                             render_explanation_text, render_near_misses_text)
from policylog.engine.profiles import load_profile, load_profile_text
from policylog.engine.qualify import PolicyEngine
from policylog.engine.render import dumps

from .conftest import FIXTURES, REPO

PROFILES = FIXTURES / "profiles"


def relative(text: str) -> str:
    """Golden files hold repository-relative paths, wherever the checkout is."""
    return text.replace(str(REPO) + "/", "")


@pytest.fixture(scope="module")
def core(core_rules):
    return Explainer(PolicyEngine(core_rules))


@pytest.fixture(scope="module")
def demo():
    return Explainer(PolicyEngine(load_rule_base(FIXTURES / "explain")))


def explain_all(explainer, profile_name: str, render=render_explanation_text, **options) -> str:
    profile = load_profile(PROFILES / profile_name, explainer.rule_base)
    session = explainer.session(profile)
    parts = [render(explainer.rule_base, explainer.explain(profile, pid, session=session), **options)
             for pid in explainer.rule_base.provisions]
    return relative("\n".join(parts))


# ---- golden explanations -----------------------------------------------------------------------

@pytest.mark.parametrize("rules, profile", [
    ("core", "core_enterprise.yaml"),   # every core provision's proof, and the misses beside them
    ("core", "core_misses.yaml"),       # thresholds short, unknown flags, exceptions, tiers
    ("demo", "demo_applies.yaml"),      # exists, per-year, not, ranges, min, split, not cumulative
    ("demo", "demo_misses.yaml"),       # each condition kind failing in its own way
])
def test_golden_text(rules, profile, core, demo, golden):
    explainer = core if rules == "core" else demo
    golden(f"explain/{profile.removesuffix('.yaml')}.txt", explain_all(explainer, profile))


def test_golden_json(demo, golden):
    profile = load_profile(PROFILES / "demo_misses.yaml", demo.rule_base)
    session = demo.session(profile)
    documents = [explanation_to_json(demo.rule_base, demo.explain(profile, pid, session=session))
                 for pid in demo.rule_base.provisions]
    text = relative(dumps(documents))
    golden("explain/demo_misses.json", text)
    assert json.loads(text)[0]["format"] == "policylog.explain"


def test_golden_markdown(core, golden):
    golden("explain/core_misses.md", explain_all(core, "core_misses.yaml",
                                                 render=render_explanation_markdown))


def test_golden_depth_limited(demo, golden):
    text = explain_all(demo, "demo_misses.yaml", depth=2)
    golden("explain/demo_misses_depth2.txt", text)
    assert "cut at depth 2" in text


def test_golden_near_misses(core, golden):
    profile = load_profile(PROFILES / "core_misses.yaml", core.rule_base)
    golden("explain/core_misses_near.txt", relative(render_near_misses_text(core.near_misses(profile))))


# ---- why not: statuses, gaps, units ------------------------------------------------------------

def water(saved: str | None, investment: str | None = "800万元") -> str:
    lines = ["企业:", "  id: E", "  项目:", "    - id: P", "      节水技术改造项目: true"]
    if saved is not None:
        lines.append(f"      年节水量: {saved}")
    if investment is not None:
        lines.append(f"      投资额: {investment}")
    return "\n".join(lines) + "\n"


def subject(explainer, text: str, provision: str, record: str | None = None):
    profile = load_profile_text(text, explainer.rule_base, "p.yaml")
    explanation = explainer.explain(profile, provision, record=record)
    return explanation.subjects[0]


def by_condition(alternative, condition: str):
    return next(c for c in alternative.checks if c.condition == condition)


def test_gap_is_in_the_conditions_unit(core):
    found = subject(core, water("4万吨"), "nmg2026.1.3")
    check = by_condition(found.closest, "项目.年节水量 >= 5万吨")
    assert check.status == FAILS
    assert check.detail == "项目.年节水量 4万吨 < 5万吨, short by 1万吨"
    assert (check.gap.actual, check.gap.required, check.gap.difference) == ("4万吨", "5万吨", "1万吨")


def test_exact_decimal_gap(core):
    check = by_condition(subject(core, water("49999.99吨"), "nmg2026.1.3").closest,
                         "项目.年节水量 >= 5万吨")
    assert check.gap.difference == "0.000001万吨"


def test_unknown_is_never_false(core):
    found = subject(core, water(None), "nmg2026.1.3")
    check = by_condition(found.closest, "项目.年节水量 >= 5万吨")
    assert check.status == UNKNOWN
    assert [(m.name, m.expects) for m in check.missing] == [("项目.年节水量", "in 吨")]
    assert "fails" not in check.detail and "<" not in check.detail


def test_missing_amount_input_is_named(core):
    found = subject(core, water("6万吨", investment=None), "nmg2026.1.3")
    assert not found.applies
    [open_check] = found.closest.open_checks
    assert open_check.role == "requires" and open_check.status == UNKNOWN
    assert "`项目.投资额` (in 万元)" in open_check.detail


def test_smallest_change_is_proven_with_its_amount(core):
    text = ("企业:\n  项目:\n    - id: P\n      节能降碳项目: true\n      年降碳量: 4000吨\n"
            "      投资额: 600万元\n")
    found = subject(core, text, "nmg2026.1.2")
    best = found.suggestions[0]
    assert best.text() == "项目[P].年降碳量 from 4,000吨 to 5,000吨"
    assert best.relative == Decimal("0.25")
    assert best.award.amount.low == Decimal(500000)  # 100元/吨 × 5,000吨, under both caps


def test_strict_threshold_takes_the_smallest_step(core):
    text = "企业:\n  乳制品加工企业: true\n  按合同量收购生鲜乳: true\n  喷粉生鲜乳收购量: 0吨\n"
    found = subject(core, text, "nmg2026.6.1")
    check = by_condition(found.closest, "企业.喷粉生鲜乳收购量 > 0吨")
    assert check.detail == "企业.喷粉生鲜乳收购量 0吨 ≤ 0吨, must be above 0吨"
    assert found.suggestions[0].change.text == "1吨"


def test_exception_explains_why_the_default_does_not_apply(core):
    text = ("企业:\n  地区: [革命老区]\n  项目:\n    - id: P\n      技术改造项目: true\n"
            "      属于先进制造业集群或优势特色产业链: true\n      实际完成投资: 900万元\n")
    found = subject(core, text, "nmg2022.8a")
    closest = found.closest
    assert "exception: 企业.地区 has 革命老区" in closest.title
    assert by_condition(closest, "项目.实际完成投资 >= 1000万元").detail.endswith("short by 100万元")
    default = next(a for a in found.alternatives if "no exception" in a.title)
    negation = next(c for c in default.checks if c.role == "not-exception")
    assert negation.status == FAILS
    assert negation.note.startswith("not applicable because `企业.地区 has 革命老区` holds, which "
                                    "lowers the threshold from 2000万元 to 1000万元")
    assert found.suggestions[0].text() == "项目[P].实际完成投资 from 900万元 to 1,000万元"


def test_alternatives_are_ordered_closest_first(core):
    text = ("企业:\n  地区: []\n  项目:\n    - id: P\n      技术改造项目: true\n"
            "      属于先进制造业集群或优势特色产业链: true\n      实际完成投资: 1500万元\n")
    found = subject(core, text, "nmg2022.8a")
    distances = [a.distance for a in found.alternatives]
    assert distances == sorted(distances)
    assert "no exception" in found.closest.title  # 500万元 short beats a region it is not in
    assert [s.text() for s in found.suggestions] == [
        "项目[P].实际完成投资 from 1,500万元 to 2,000万元",
        "企业[企业].地区 from [] to [脱贫地区]", "企业[企业].地区 from [] to [革命老区]"]


def test_negation_that_fails_names_the_fact(demo):
    text = "企业:\n  申报年度: 2026\n  制造业: true\n  失信: true\n  营业收入: {2025: 2600万元}\n"
    found = subject(demo, text, "demo.3")
    check = next(c for c in found.closest.checks if c.condition == "not 企业.失信")
    assert check.status == FAILS and check.detail.startswith("fails because `企业.失信` holds")
    assert [f.name for f in check.facts] == ["企业.失信"]
    assert found.suggestions[0].text() == "企业[企业].失信 from true to false"


def test_negation_of_an_absent_fact_holds_and_says_so(demo):
    text = "企业:\n  申报年度: 2026\n  制造业: true\n  营业收入: {2025: 2600万元}\n"
    found = subject(demo, text, "demo.3")
    assert found.applies
    check = next(c for c in found.alternatives[0].checks if c.condition == "not 企业.失信")
    assert check.status == HOLDS and "closed world" in check.note


def test_exists_picks_the_closest_record(demo):
    text = ("企业:\n  申报年度: 2026\n  认定:\n    - id: A\n      类型: 智能工厂\n"
            "    - id: B\n      类型: 智能工厂\n      首次: true\n      年份: 2025\n")
    found = subject(demo, text, "demo.2")
    binding = found.closest.checks[0]
    assert binding.record == ("认定", "B") and "closest of 2" in binding.detail
    assert found.suggestions[0].text() == "认定[B].年份 from 2025 to 2026"


def test_exists_without_records_is_unknown(demo):
    found = subject(demo, "企业:\n  申报年度: 2026\n", "demo.2")
    assert found.closest.checks[0].status == UNKNOWN
    assert "records no `认定`" in found.closest.checks[0].detail
    assert not found.suggestions


def test_per_year_reference_names_the_year(demo):
    text = "企业:\n  申报年度: 2026\n  制造业: true\n  营业收入: {2025: 1800万元}\n  规上: {2025: true}\n"
    found = subject(demo, text, "demo.3")
    revenue = next(a for a in found.alternatives if a.index == 0)
    assert by_condition(revenue, "企业.营业收入[企业.申报年度 - 1] >= 2000万元").detail == \
        "企业.营业收入[2025] 1,800万元 < 2,000万元, short by 200万元"
    flags = next(a for a in found.alternatives if a.index == 1)
    unknown = by_condition(flags, "企业.规上[企业.申报年度 - 2]")
    assert unknown.status == UNKNOWN and unknown.missing[0].name == "企业.规上[2024]"


def test_no_record_of_the_kind(core):
    profile = load_profile_text("企业:\n  id: E\n", core.rule_base, "p.yaml")
    explanation = core.explain(profile, "nmg2026.1.4")
    assert not explanation.subjects and "records no `认定`" in explanation.note


def test_explanation_agrees_with_qualify(core):
    profile = load_profile(PROFILES / "core_enterprise.yaml", core.rule_base)
    result = core.engine.qualify(profile)
    awarded = {(a.provision, a.subject_id) for a in result.awards}
    session = core.session(profile, result)
    for provision in core.rule_base.provisions:
        for found in core.explain(profile, provision, session=session, suggest=False).subjects:
            assert found.applies == ((provision, found.record[1]) in awarded)
            assert found.applies == found.alternatives[0].holds


def test_suggested_assignment_parses_back(core):
    profile = load_profile_text(water("4万吨"), core.rule_base, "p.yaml")
    best = core.explain(profile, "nmg2026.1.3").subjects[0].suggestions[0]
    change = parse_assignment(best.change.assignment, core.rule_base, profile)
    assert change.value == best.change.value == Decimal(50000)
    changed = core.engine.qualify(apply_changes(profile, [change]))
    assert any(a.provision == "nmg2026.1.3" for a in changed.awards)


def test_near_misses_are_one_condition_away(core):
    profile = load_profile(PROFILES / "core_misses.yaml", core.rule_base)
    misses = core.near_misses(profile)
    assert misses
    for miss in misses:
        assert len(miss.alternative.open_checks) == 1 and not miss.subject.applies
    texts = {(m.info.provision.id, m.subject.record[1]): m for m in misses}
    assert texts[("nmg2026.1.3", "节水一期")].check.detail.endswith("short by 1万吨")
