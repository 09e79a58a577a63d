"""Properties of awards over random profiles (hypothesis)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policylog.engine.amounts import AmountEvaluator
from policylog.engine.profiles import load_profile_text
from policylog.engine.qualify import PolicyEngine

tonnes = st.integers(min_value=0, max_value=2_000_000)
wan_yuan = st.integers(min_value=0, max_value=50_000)


@pytest.fixture(scope="module")
def engine(core_rules):
    return PolicyEngine(core_rules)


def _profile(saved_t, carbon_t, invest_w, equipment_w, milk_t, region):
    return f"""企业:
  id: E
  地区: [{region}]
  乳制品加工企业: true
  按合同量收购生鲜乳: true
  喷粉生鲜乳收购量: {milk_t}吨
  项目:
    - id: P
      节水技术改造项目: true
      节能降碳项目: true
      制造业技术改造或设备更新: true
      符合条件: true
      已完工: true
      技术改造项目: true
      属于先进制造业集群或优势特色产业链: true
      智能工厂或数字化车间项目: true
      年节水量: {saved_t}吨
      年降碳量: {carbon_t}吨
      投资额: {invest_w}万元
      实际完成投资: {invest_w}万元
      设备软件投资: {equipment_w}万元
"""


@given(tonnes, tonnes, wan_yuan, wan_yuan, tonnes, st.sampled_from(["", "革命老区", "脱贫地区"]))
def test_an_award_never_exceeds_any_of_its_caps(engine, saved, carbon, invest, equipment, milk, region):
    rules = engine.rule_base
    profile = load_profile_text(_profile(saved, carbon, invest, equipment, milk, region), rules)
    record = {("企业", "E"): profile.record("企业", "E"), ("项目", "P"): profile.record("项目", "P")}
    for award in engine.qualify(profile).awards:
        provision = rules.provisions[award.provision].provision
        ids = dict(award.subjects)

        def lookup(ref):
            return record[(ref.kind, ids[ref.kind])].values[ref.attribute]

        evaluator = AmountEvaluator(rules, lookup)
        for cap in provision.caps:
            assert award.amount.high <= evaluator.evaluate(cap).value
        assert award.amount.low >= 0
        total = sum((m.low for _, m in award.payers), Decimal(0))
        assert total == award.amount.low  # payer shares add up exactly


@given(tonnes, st.integers(min_value=0, max_value=1_000_000))
def test_raising_a_quantity_never_lowers_an_uncapped_rate_award(engine, milk, extra):
    # 2026 六（一） pays a rate per tonne with no cap.
    def amount(tonnage):
        profile = load_profile_text(_profile(0, 0, 0, 0, tonnage, ""), engine.rule_base)
        found = [a for a in engine.qualify(profile).awards if a.provision == "nmg2026.6.1"]
        return found[0].amount.low if found else Decimal(0)

    assert amount(milk + extra) >= amount(milk)
