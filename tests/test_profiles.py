"""Profiles: values with units, exact conversion, positions, and a clear error for each mistake."""

from decimal import Decimal

import pytest

from policylog.dsl.diagnostics import PolicylogError
from policylog.engine.profiles import load_profile_text


def load(text, rules):
    return load_profile_text(text, rules, "p.yaml")


def errors(text, rules):
    with pytest.raises(PolicylogError) as info:
        load(text, rules)
    return info.value.diagnostics


def test_quantities_convert_exactly_to_base_units(core_rules):
    profile = load("企业:\n  id: A\n  项目:\n    - id: P\n      年节水量: 1,234.5万吨\n      投资额: 3000万元\n",
                   core_rules)
    project = profile.record("项目", "P")
    assert project.values["年节水量"] == Decimal("12345000")
    assert project.values["投资额"] == Decimal("30000000")


def test_facts_remember_file_line_and_column(core_rules):
    profile = load("企业:\n  id: A\n  项目:\n    - id: P\n      年节水量: 6万吨\n", core_rules)
    (fact,) = [f for f in profile.facts if f.predicate == "项目@年节水量"]
    assert (fact.span.file, fact.span.line, fact.span.column) == ("p.yaml", 5, 13)
    assert fact.text == "6万吨"


def test_full_width_digits_and_spaces_are_read(core_rules):
    profile = load("企业:\n  项目:\n    - 年节水量: ６ 万吨\n", core_rules)
    assert profile.records[1].values["年节水量"] == Decimal(60000)


@pytest.mark.parametrize("text, code, fragment", [
    ("企业:\n  项目:\n    - 年节水辆: 6万吨\n", "E301", "did you mean `年节水量`?"),
    ("企业:\n  项目:\n    - 年节水量: 6万吨标准煤\n", "E302", "is in `吨标准煤`"),
    ("企业:\n  项目:\n    - 年节水量: 6万公斤\n", "E302", "unknown unit"),
    ("企业:\n  项目:\n    - 年节水量: 60000\n", "E303", "needs a unit"),
    ("企业:\n  项目:\n    - 年节水量: 很多\n", "E304", "is a number"),
    ("企业:\n  项目:\n    - 年节水量: -5万吨\n", "E305", "cannot be negative"),
    ("企业:\n  项目:\n    - 年节水量: 1000000000000000万吨\n", "E306", "implausibly large"),
    ("企业:\n  制造业: 也许\n", "E304", "true or false"),
    ("企业:\n  地区: [革命根据地]\n", "E304", "not a `地区标签` value"),
    ("企业:\n  申报年度: 20260\n", "E304", "not a year"),
    ("企业:\n  项目:\n    - id: P\n    - id: P\n", "E308", "the id `P`"),
    ("企业: &a\n  名称: x\n  项目:\n    - *a\n", "E309", "aliases"),
    ("公司:\n  名称: x\n", "E301", "not a subject kind"),
    ("", "E311", "empty"),
    ("企业: [1, 2\n", "E300", "not valid YAML"),
])
def test_each_mistake_has_a_code_and_a_position(core_rules, text, code, fragment):
    diagnostics = errors(text, core_rules)
    assert code in {d.code for d in diagnostics}
    diagnostic = next(d for d in diagnostics if d.code == code)
    assert fragment in (diagnostic.message + " " + (diagnostic.help or ""))
    assert diagnostic.span is not None and diagnostic.span.line >= 1


def test_all_errors_are_reported_together(core_rules):
    diagnostics = errors("企业:\n  制造业: 也许\n  项目:\n    - 年节水辆: 6万吨\n", core_rules)
    assert {d.code for d in diagnostics} == {"E304", "E301"}


def test_json_profiles_are_read_with_positions(core_rules):
    profile = load('{"企业": {"id": "A", "项目": [{"id": "P", "年节水量": "6万吨"}]}}', core_rules)
    assert profile.record("项目", "P").values["年节水量"] == Decimal(60000)


def test_the_same_year_twice_is_an_error(tmp_path):
    import shutil

    from policylog.dsl.loader import load_rule_base

    from .conftest import FIXTURES

    shutil.copy(FIXTURES / "core" / "vocabulary.policy", tmp_path)
    (tmp_path / "revenue.policy").write_text("attribute 企业.营业收入: decimal 万元 per year\n",
                                             encoding="utf-8")
    rules = load_rule_base(tmp_path)
    diagnostics = errors('企业:\n  营业收入: {2025: 10万元, "2025年": 20万元}\n', rules)
    assert [d.code for d in diagnostics] == ["E308"]
    assert "year 2025 twice" in diagnostics[0].message
