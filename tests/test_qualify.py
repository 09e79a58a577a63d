"""Qualifying: amounts, exceptions, caps, tiers, payer splits, stacking, and the trace."""

import json
from decimal import Decimal

import pytest

from policylog.engine.profiles import load_profile, load_profile_text
from policylog.engine.qualify import PolicyEngine
from policylog.engine.render import dumps, render_text, result_to_json

from .conftest import FIXTURES

PROFILE = FIXTURES / "profiles" / "core_enterprise.yaml"


@pytest.fixture(scope="module")
def engine(core_rules):
    return PolicyEngine(core_rules)


def awards(engine, text):
    result = engine.qualify(load_profile_text(text, engine.rule_base, "p.yaml"))
    return {(a.provision, a.subject_id): a for a in result.awards}, result


def water(saved: str, investment: str = "800万元") -> str:
    return (f"企业:\n  id: E\n  项目:\n    - id: P\n      节水技术改造项目: true\n"
            f"      年节水量: {saved}\n      投资额: {investment}\n")


def test_example_profile_golden_text_and_json(engine, golden):
    result = engine.qualify(load_profile(PROFILE, engine.rule_base))
    relative = str(PROFILE.relative_to(FIXTURES.parent.parent))
    text = render_text(result).replace(str(PROFILE), relative).replace(str(FIXTURES), "tests/fixtures")
    golden("qualify/core_enterprise.txt", text)
    data = dumps(result_to_json(result)).replace(str(FIXTURES), "tests/fixtures")
    golden("qualify/core_enterprise.json", data)


@pytest.mark.parametrize("saved, amount", [("5万吨", 500000), ("6万吨", 600000)])
def test_threshold_inclusive_at_exactly_5万吨(engine, saved, amount):
    found, _ = awards(engine, water(saved))
    award = found[("nmg2026.1.3", "P")]
    assert award.amount.exact and award.amount.low == Decimal(amount)


def test_just_below_threshold_does_not_qualify(engine):
    found, _ = awards(engine, water("49999.99吨"))
    assert ("nmg2026.1.3", "P") not in found


def test_smallest_cap_binds(engine):
    # 10元/吨 × 40万吨 = 400万元; 50% × 600万元 = 300万元; cap 500万元 → 300万元
    found, _ = awards(engine, water("40万吨", "600万元"))
    award = found[("nmg2026.1.3", "P")]
    assert award.amount.low == Decimal(3000000)
    assert any("smallest" in step for step in award.steps)


def test_missing_base_fact_means_no_award(engine):
    found, _ = awards(engine, "企业:\n  项目:\n    - id: P\n      节水技术改造项目: true\n      年节水量: 6万吨\n")
    assert ("nmg2026.1.3", "P") not in found


def _technical(region: str, investment: str) -> str:
    return (f"企业:\n  id: E\n  地区: [{region}]\n  项目:\n    - id: P\n      技术改造项目: true\n"
            f"      属于先进制造业集群或优势特色产业链: true\n      实际完成投资: {investment}\n")


@pytest.mark.parametrize("region, investment, qualifies", [
    ("革命老区", "1000万元", True),    # exception lowers the threshold to 1000万元
    ("脱贫地区", "999万元", False),
    ("", "1500万元", False),          # default threshold 2000万元
    ("", "2000万元", True),
])
def test_exception_lowers_threshold_in_designated_regions(engine, region, investment, qualifies):
    found, _ = awards(engine, _technical(region, investment))
    assert (("nmg2022.8a", "P") in found) is qualifies
    if qualifies:
        roles = [c.role for c in found[("nmg2022.8a", "P")].conditions]
        assert ("exception" in roles) is bool(region)


def test_tier_table_picks_the_level(engine):
    profile = "企业:\n  认定:\n    - id: C\n      类型: 智能工厂\n      等级: 领航级\n"
    found, _ = awards(engine, profile)
    assert found[("nmg2026.1.4", "C")].amount.low == Decimal(10_000_000)


def test_payer_split_half_and_half(engine):
    profile = ("企业:\n  id: E\n  乳制品加工企业: true\n  按合同量收购生鲜乳: true\n"
               "  喷粉生鲜乳收购量: 1234吨\n")
    found, result = awards(engine, profile)
    award = found[("nmg2026.6.1", "E")]
    assert award.amount.low == Decimal("123400")  # 1000元/吨 × 10% × 1234吨
    assert dict(award.payers) == {"自治区": award.amount.scale(Decimal("0.5")),
                                  "盟市": award.amount.scale(Decimal("0.5"))}
    assert result.totals_by_payer()["盟市"].low == Decimal("61700")


def test_total_cap_over_several_provisions(engine):
    standards = "".join(f"    - id: S{i}\n      级别: 国际标准\n      角色: 主导\n" for i in range(3))
    found, result = awards(engine, f"企业:\n  id: E\n  标准:\n{standards}")
    amounts = [found[("nmg2022.3a", f"S{i}")].amount.low for i in range(3)]
    assert amounts == [Decimal(300000), Decimal(200000), Decimal(0)]
    assert result.total().low == Decimal(500000)


def test_trace_points_at_profile_lines(engine):
    result = engine.qualify(load_profile(PROFILE, engine.rule_base))
    award = next(a for a in result.awards if a.provision == "nmg2026.1.3")
    threshold = next(c for c in award.conditions if c.label == "节水门槛")
    assert threshold.detail == "60,000吨 ≥ 5万吨"
    (fact,) = threshold.facts
    assert fact.name == "项目.年节水量" and fact.source.line == 15
    assert award.clause_text.startswith("(三) 支持实施节水技术改造")
    assert award.steps[0] == "10元/吨 × 项目.年节水量 = 10元/吨 × 60,000吨 = 60万元"


def test_json_is_stable_and_parseable(engine):
    profile = load_profile(PROFILE, engine.rule_base)
    first = dumps(result_to_json(engine.qualify(profile)))
    second = dumps(result_to_json(engine.qualify(profile)))
    assert first == second
    data = json.loads(first)
    assert data["format"] == "policylog.qualify" and data["version"] == 1
    for award in data["awards"]:  # money is a decimal string, never a JSON float
        assert isinstance(award["amount"]["low_yuan"], str)
        assert Decimal(award["amount"]["low_yuan"]) == Decimal(award["amount"]["high_yuan"])
        assert "e" not in award["amount"]["low_yuan"].lower()


def test_two_engines_do_not_share_facts(core_rules):
    first, second = PolicyEngine(core_rules), PolicyEngine(core_rules)
    profile = load_profile_text(water("6万吨"), core_rules, "p.yaml")
    assert first.qualify(profile).awards
    empty = load_profile_text("企业:\n  id: X\n", core_rules, "q.yaml")
    assert second.qualify(empty).awards == []
    assert first.qualify(profile).awards


def test_per_year_set_attribute(tmp_path):
    import shutil

    from policylog.dsl.loader import load_rule_base

    shutil.copy(FIXTURES / "core" / "vocabulary.policy", tmp_path)
    (tmp_path / "titles.policy").write_text('''enum 称号 { 甲, 乙 }
attribute 企业.称号: set of 称号 per year
policy t {
  default payer 自治区
  clause t.1 { title "x" text "y" provision t.1 { when 企业.称号[企业.申报年度] has 甲 amount 1万元 } }
}''', encoding="utf-8")
    rules = load_rule_base(tmp_path)
    engine = PolicyEngine(rules)

    def granted(text):
        return [a.provision for a in engine.qualify(load_profile_text(text, rules)).awards]

    assert granted("企业:\n  申报年度: 2026\n  称号: {2026: [甲, 乙]}\n") == ["t.1"]
    assert granted("企业:\n  申报年度: 2026\n  称号: {2025: [甲]}\n") == []


def test_total_cap_bounds_an_open_at_least_award(tmp_path):
    import shutil

    from policylog.dsl.loader import load_rule_base

    shutil.copy(FIXTURES / "core" / "vocabulary.policy", tmp_path)
    (tmp_path / "drug.policy").write_text('''policy t {
  default payer 自治区
  clause t.5 {
    title "x" text "y"
    provision t.5a { for 项目 amount 30万元 }
    provision t.5b { for 项目 amount at least 20% * 项目.投资额 }
    total cap 300万元 per 项目 over t.5a, t.5b
  }
}''', encoding="utf-8")
    rules = load_rule_base(tmp_path)
    result = PolicyEngine(rules).qualify(load_profile_text(
        "企业:\n  项目:\n    - id: P\n      投资额: 500万元\n", rules))
    amounts = {a.provision: a.amount for a in result.awards}
    assert amounts["t.5a"].low == amounts["t.5a"].high == Decimal(300000)
    assert (amounts["t.5b"].low, amounts["t.5b"].high) == (Decimal(1000000), Decimal(2700000))
