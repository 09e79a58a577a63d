"""The rule language: both keyword spellings, full-width punctuation, quantities, round trips."""

from decimal import Decimal

import pytest

from policylog.dsl import ast
from policylog.dsl.diagnostics import PolicylogError
from policylog.dsl.parser import parse_text, split_quantity
from policylog.dsl.printer import print_module

from .conftest import FIXTURES

ENGLISH = '''
policy nmg2026 {
  title "t"
  default payer 自治区
  clause nmg2026.1.3 {
    title "节水"
    text """（三）……"""
    provision nmg2026.1.3 {
      for 项目
      when 门槛: 项目.年节水量 >= 5万吨 unless 企业.地区 has 革命老区 then 项目.年节水量 >= 1万吨
      when not exists 认定 (认定.类型 in {智能工厂})
      amount 10元/吨 * 项目.年节水量
      cap 50% * 项目.投资额, 500万元
      payer 自治区 50%, 盟市 50%
    }
  }
}
'''

CHINESE = '''
政策 nmg2026 {
  标题 "t"
  默认承担 自治区
  条款 nmg2026.1.3 {
    标题 "节水"
    原文 """（三）……"""
    规定 nmg2026.1.3 {
      对象 项目
      条件 门槛：项目.年节水量 ≥ 5万吨 除非 企业.地区 包含 革命老区 则 项目.年节水量 ≥ 1万吨
      条件 非 存在 认定 （认定.类型 属于 {智能工厂}）
      金额 10元/吨 × 项目.年节水量
      上限 50% * 项目.投资额，500万元
      承担 自治区 50%，盟市 50%
    }
  }
}
'''


def test_chinese_and_english_keywords_give_the_same_ast():
    assert parse_text(ENGLISH, "en.policy").items == parse_text(CHINESE, "zh.policy").items


def test_spans_point_into_the_source():
    provision = parse_text(ENGLISH, "en.policy").items[0].clauses[0].provisions[0]
    when = provision.conditions[0]
    assert when.span.file == "en.policy"
    assert when.span.line == 10
    line = ENGLISH.splitlines()[9]
    assert line[when.span.column - 1:].startswith("when 门槛")


def test_spans_do_not_affect_equality():
    a = ast.Quantity(Decimal(5), "万吨", "5万吨", span=None)
    b = parse_text('unit 万吨 = 5万吨', "x").items[0].definition
    assert a == b


@pytest.mark.parametrize("text, value, unit", [
    ("1000万元", Decimal(1000), "万元"),
    ("1,000万元", Decimal(1000), "万元"),
    ("20%", Decimal(20), "%"),
    ("10元/吨", Decimal(10), "元/吨"),
    ("2000吨标准煤", Decimal(2000), "吨标准煤"),
    ("1.3", Decimal("1.3"), None),
])
def test_quantities_are_written_as_in_the_text(text, value, unit):
    assert split_quantity(text) == (value, unit)


def test_a_misplaced_thousands_separator_is_an_error():
    with pytest.raises(ValueError):
        split_quantity("10,00万元")


def test_exception_parses_into_unless():
    when = parse_text(ENGLISH, "en.policy").items[0].clauses[0].provisions[0].conditions[0]
    assert when.label == "门槛"
    (unless,) = when.exceptions
    assert isinstance(unless.trigger, ast.Has) and unless.trigger.member == "革命老区"


def test_syntax_error_has_code_and_position():
    with pytest.raises(PolicylogError) as info:
        parse_text("policy p {\n  clause p.1 {\n    title \"x\"\n    when\n", "bad.policy")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code in {"E001", "E002"}
    assert diagnostic.span.file == "bad.policy" and diagnostic.span.line >= 1


@pytest.mark.parametrize("name", ["vocabulary", "nmg2022", "nmg2026"])
def test_printing_then_parsing_the_fixture_rules_is_identity(name, golden):
    path = FIXTURES / "core" / f"{name}.policy"
    module = parse_text(path.read_text(encoding="utf-8"), str(path))
    printed = print_module(module)
    assert parse_text(printed, "printed.policy").items == module.items
    golden(f"parse/{name}.policy.out", printed)
