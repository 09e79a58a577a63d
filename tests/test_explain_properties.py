"""Properties of explanations on random profiles (hypothesis), for both fixture rule bases.

- An explanation never reports a condition as failed when it holds: every check's status is
  compared with an independent evaluation of its source condition over the profile's values
  (a missing fact gives `unknown`, never `fails`).
- Explanations agree with `qualify`: a record gets an award exactly when an alternative holds.
- Every suggested change, applied (also through its `--set` text), makes the provision apply.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policylog.dsl import ast
from policylog.dsl.loader import load_rule_base
from policylog.engine.changes import apply_changes, parse_assignment
from policylog.engine.explain import FAILS, HOLDS, UNKNOWN, Explainer
from policylog.engine.profiles import load_profile_text
from policylog.engine.qualify import PolicyEngine

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def core(core_rules):
    return Explainer(PolicyEngine(core_rules))


@pytest.fixture(scope="module")
def demo():
    return Explainer(PolicyEngine(load_rule_base(FIXTURES / "explain")))


# ---- random profiles -------------------------------------------------------------------------

def _field(draw, lines: list[str], indent: str, name: str, values) -> None:
    """Add `name: value` — or leave it out, so unknown facts are exercised too."""
    if draw(st.booleans()):
        lines.append(f"{indent}{name}: {draw(values)}")


BOOL = st.sampled_from(["true", "false"])
REGIONS = st.lists(st.sampled_from(["脱贫地区", "革命老区"]), unique=True).map(
    lambda members: "[" + ", ".join(members) + "]")


def _records(draw, lines: list[str], kind: str, fields: dict, most: int = 2) -> None:
    count = draw(st.integers(0, most))
    if not count:
        return
    lines.append(f"  {kind}:")
    for index in range(count):
        lines.append(f"    - id: {kind}{index + 1}")
        for name, values in fields.items():
            _field(draw, lines, "      ", name, values)


@st.composite
def core_profiles(draw) -> str:
    lines = ["企业:", "  id: E", "  申报年度: 2026"]
    for name, values in {"地区": REGIONS, "乳制品加工企业": BOOL, "按合同量收购生鲜乳": BOOL,
                         "喷粉生鲜乳收购量": st.sampled_from(["0吨", "1吨", "12,000吨"])}.items():
        _field(draw, lines, "  ", name, values)
    _records(draw, lines, "项目", {
        "节水技术改造项目": BOOL, "年节水量": st.sampled_from(["4万吨", "49999.99吨", "5万吨", "40万吨"]),
        "节能降碳项目": BOOL, "年降碳量": st.sampled_from(["4000吨", "5000吨", "12万吨"]),
        "投资额": st.sampled_from(["0万元", "600万元", "800万元", "1亿元"]),
        "技术改造项目": BOOL, "属于先进制造业集群或优势特色产业链": BOOL,
        "实际完成投资": st.sampled_from(["999万元", "1000万元", "1500万元", "2000万元", "3000万元"]),
        "智能工厂或数字化车间项目": BOOL,
        "制造业技术改造或设备更新": BOOL, "符合条件": BOOL, "已完工": BOOL,
        "设备软件投资": st.sampled_from(["100万元", "6000万元"])})
    _records(draw, lines, "认定", {"类型": st.just("智能工厂"),
                                   "等级": st.sampled_from(["先进级", "卓越级", "领航级"])})
    _records(draw, lines, "标准", {"级别": st.sampled_from(["国际标准", "国家标准", "行业标准"]),
                                   "角色": st.sampled_from(["主导", "参与"])})
    return "\n".join(lines) + "\n"


@st.composite
def demo_profiles(draw) -> str:
    lines = ["企业:", "  id: E", "  申报年度: 2026"]
    for name, values in {
            "地区": REGIONS, "制造业": BOOL, "失信": BOOL,
            "名称": st.sampled_from(["测试企业", "示范公司"]),
            "成立年份": st.sampled_from(["2019", "2020", "2021"]),
            "职工人数": st.sampled_from(["99人", "100人", "300人"]),
            "类型": st.sampled_from(["国有", "民营", "外资"]),
            "营业收入": st.dictionaries(st.sampled_from([2024, 2025]),
                                    st.sampled_from(["1999万元", "2000万元", "5000万元"])).map(
                lambda d: "{" + ", ".join(f"{y}: {v}" for y, v in sorted(d.items())) + "}"),
            "规上": st.dictionaries(st.sampled_from([2024, 2025]), BOOL).map(
                lambda d: "{" + ", ".join(f"{y}: {v}" for y, v in sorted(d.items())) + "}")}.items():
        _field(draw, lines, "  ", name, values)
    _records(draw, lines, "项目", {
        "年降碳量": st.sampled_from(["1000吨", "1001吨", "3000吨"]),
        "投资额": st.sampled_from(["800万元", "5000万元", "5001万元"]),
        "技改类型": st.sampled_from(["工艺设备更新", "新产品开发", "其他技术改造"]),
        "技术改造项目": BOOL,
        "实际完成投资": st.sampled_from(["900万元", "1000万元", "2000万元", "3000万元"])})
    _records(draw, lines, "认定", {"类型": st.just("智能工厂"), "首次": BOOL,
                                   "年份": st.sampled_from(["2025", "2026"])})
    return "\n".join(lines) + "\n"


# ---- an independent evaluation of source conditions --------------------------------------------

class Missing(Exception):
    pass


def value(rule_base, profile, env: dict, expr):
    match expr:
        case ast.Quantity(value=number, unit=unit):
            return rule_base.units.to_base(number, unit)
        case ast.Symbol(name=name):
            return name
        case ast.TextLiteral(value=text):
            return text
        case ast.BoolLiteral(value=flag):
            return flag
        case ast.Reference(kind=kind, attribute=attribute, year=year):
            found = profile.record(kind, env[kind]).values.get(attribute)
            if isinstance(found, dict):
                found = found.get(int(value(rule_base, profile, env, year)))
            if found is None:
                raise Missing(expr)
            return Decimal(found) if isinstance(found, int) and not isinstance(found, bool) else found
        case ast.BinaryOp(op=op, left=left, right=right):
            a, b = value(rule_base, profile, env, left), value(rule_base, profile, env, right)
            return {"+": a + b, "-": a - b, "*": a * b}.get(op) if op != "/" else a / b
    raise AssertionError(expr)


def holds(rule_base, profile, env: dict, expr) -> bool:
    """Closed-world truth of a condition; raises Missing when an atomic one lacks a fact."""
    match expr:
        case ast.Reference():
            return value(rule_base, profile, env, expr) is True
        case ast.Compare(op=op, left=left, right=right):
            a, b = value(rule_base, profile, env, left), value(rule_base, profile, env, right)
            return {"=": a == b, "!=": a != b, ">=": a >= b, "<=": a <= b, ">": a > b,
                    "<": a < b}[op]
        case ast.Member(operand=operand, members=members):
            return value(rule_base, profile, env, operand) in members
        case ast.Has(operand=operand, member=member):
            return member in value(rule_base, profile, env, operand)
        case ast.Not(operand=operand):
            return not closed(rule_base, profile, env, operand)
        case ast.And(operands=operands):
            return all(closed(rule_base, profile, env, o) for o in operands)
        case ast.Or(operands=operands):
            return any(closed(rule_base, profile, env, o) for o in operands)
        case ast.Exists(kind=kind, body=body):
            owner = rule_base.kinds[kind].parent
            return any(closed(rule_base, profile, {**env, kind: r.id}, body)
                       for r in profile.records if r.kind == kind and r.parent.id == env[owner])
    raise AssertionError(expr)


def closed(rule_base, profile, env, expr) -> bool:
    try:
        return holds(rule_base, profile, env, expr)
    except Missing:
        return False


def expected_status(rule_base, profile, check) -> str | None:
    condition, env = check.check.condition, dict(check.env)
    if isinstance(condition, ast.Exists) or check.binds is not None or check.under is not None \
            and not env:
        return None  # the `exists` search itself: checked through its body's checks
    if check.check.negated:
        return HOLDS if holds(rule_base, profile, env, condition) else FAILS
    try:
        truth = holds(rule_base, profile, env, condition)
    except Missing:
        return UNKNOWN
    if check.role == "requires":
        return HOLDS
    return HOLDS if truth else FAILS


def all_checks(alternative):
    for check in alternative.checks:
        yield check
        for inner in check.inner:
            yield from all_checks(inner)


def check_profile(explainer, text: str) -> None:
    rule_base = explainer.rule_base
    profile = load_profile_text(text, rule_base, "random.yaml")
    result = explainer.engine.qualify(profile)
    awarded = {(a.provision, a.subject_id) for a in result.awards}
    session = explainer.session(profile, result)
    for provision in rule_base.provisions:
        for found in explainer.explain(profile, provision, session=session).subjects:
            record = found.record[1]
            # agrees with qualify
            assert found.applies == ((provision, record) in awarded), (provision, record)
            assert found.applies == any(a.holds for a in found.alternatives)
            # never failed when it holds, never false when unknown
            for alternative in found.alternatives:
                for check in all_checks(alternative):
                    if check.status == UNKNOWN and check.under is not None and not check.env:
                        continue  # no record for an `exists`: nothing to evaluate
                    want = expected_status(rule_base, profile, check)
                    if want is not None:
                        assert check.status == want, (provision, record, check.condition,
                                                      check.detail, want)
                    if check.status == FAILS and check.gap is not None:
                        assert check.gap.difference is None or check.gap.difference[0] != "-"
            # every suggested change, applied, makes the provision apply
            for suggestion in found.suggestions:
                for change in (suggestion.change,
                               parse_assignment(suggestion.change.assignment, rule_base, profile)):
                    after = explainer.engine.qualify(apply_changes(profile, [change]))
                    assert any(a.provision == provision and a.subject_id == record
                               for a in after.awards), (provision, record, change.assignment)


@given(core_profiles())
def test_core_explanations_are_sound(core, text):
    check_profile(core, text)


@given(demo_profiles())
def test_demo_explanations_are_sound(demo, text):
    check_profile(demo, text)
