"""Inputs the fuzzer found breaking policylog, one test each, kept after the fix.

Each test names the input that failed and what went wrong; the fix is in the module it tests.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from policylog.dsl.diagnostics import PolicylogError, SourceCache, source_lines
from policylog.dsl.parser import parse_text
from policylog.dsl.printer import print_module
from policylog.engine.profiles import load_profile_text

from .harness import assert_well_formed, compile_rule_texts

VOCABULARY = """
dimension 金额 base 元
dimension 质量 base 吨
unit 万吨 = 10000吨
payer 自治区
subject 企业
subject 项目 of 企业
attribute 企业.名称: text
attribute 企业.制造业: bool
attribute 项目.年节水量: decimal 吨
"""

PROFILE = "企业:\n  id: 甲\n  名称: 甲公司\n  制造业: true\n  项目:\n    - id: p1\n      年节水量: 6万吨\n"


def policy(provision_body: str) -> str:
    return ('policy p {\n  default payer 自治区\n  clause p.1 {\n    title "t"\n    text "x"\n'
            f'    provision p.1 {{\n      {provision_body}\n    }}\n  }}\n}}\n')


def awards(provision_body: str, profile: str = PROFILE) -> list:
    outcome = compile_rule_texts({"v.policy": VOCABULARY, "p.policy": policy(provision_body)})
    assert outcome.ok, outcome.diagnostics
    result = outcome.engine.qualify(load_profile_text(profile, outcome.rule_base, "e.yaml"))
    return result.awards


# ---- rule files ------------------------------------------------------------------------------

def test_positions_count_lines_at_newlines_only():
    """`\\r\\r\\n` (a file converted to CRLF twice): the parser counts one line break, and so must
    the renderer; `str.splitlines` counted two and showed the wrong line."""
    text = 'policy p {\r\r\n  title "t"\r\r\n  bogus\r\r\n}\r\r\n'
    with pytest.raises(PolicylogError) as raised:
        parse_text(text, "p.policy")
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.span.line, diagnostic.span.column) == (3, 3)
    assert source_lines(text)[2] == "  bogus\r"
    sources = SourceCache()
    sources.add("p.policy", text)
    assert sources.line("p.policy", 3).strip() == "bogus"
    assert_well_formed(raised.value.diagnostics, {"p.policy": text})


def test_an_empty_not_cumulative_reason_survives_printing():
    """`not cumulative p.1a, p.1b ""` printed without its reason, so it parsed back as None."""
    text = ('policy p {\n  not cumulative p.1a, p.1b ""\n  clause p.1 {\n    title "t"\n    text "x"\n'
            '    provision p.1a { amount 1元 }\n    provision p.1b { amount 2元 }\n  }\n}\n')
    module = parse_text(text, "p.policy")
    assert parse_text(print_module(module), "p.policy").items == module.items


@pytest.mark.parametrize("condition, pays", [
    ("5万吨 > 3万吨", True),                       # pyDatalog got a Python bool: AttributeError
    ("(2吨 + 3吨) >= 5吨", True),
    ("企业.制造业 and 2吨 = 3吨", False),
    ("not (5吨 > 3吨)", False),                    # "Invalid body for clause"
    ("not (false)", True),                        # "Predicate without definition: neg@p·1#1/0"
    ("not true", False),
    ("not (not (false))", False),
    ("not (项目.年节水量 > 5吨 or true)", False),
    ("项目.年节水量 > 5吨 and 5吨 / 0 > 1吨", False),  # the `!= 0` guard is decided first
])
def test_conditions_without_variables_are_decided_at_compile_time(condition, pays):
    found = awards(f"for 项目\n      when {condition}\n      amount 1元")
    assert bool(found) is pays


def test_alternatives_are_counted_before_they_are_built():
    """`(a or b) and (a or b) and …` forty times built 2^40 alternatives before the limit check."""
    condition = " and ".join(["(企业.制造业 or not 企业.制造业)"] * 40)
    started = time.monotonic()
    outcome = compile_rule_texts({"v.policy": VOCABULARY,
                                  "p.policy": policy(f"when {condition}\n      amount 1元")})
    assert time.monotonic() - started < 10
    assert [d.code for d in outcome.diagnostics] == ["E201"]


def test_an_upper_bound_below_zero_pays_nothing():
    """`amount up to -(1元)` gave Money(low=0, high=-1): a range whose top is below its bottom."""
    (award,) = awards("amount up to -(1元)")
    assert (award.amount.low, award.amount.high) == (0, 0)


# ---- profiles --------------------------------------------------------------------------------

def test_json_surrogate_escapes_read_as_the_character():
    """json.dumps writes `𠀀` (outside the BMP, common in names) as `\\ud840\\udc00`; PyYAML read
    two lone surrogates, so the name matched nothing and could not be printed."""
    outcome = compile_rule_texts({"v.policy": VOCABULARY, "p.policy": policy('when 企业.名称 = "𠀀公司"\n      amount 1元')})
    text = json.dumps({"企业": {"id": "😀", "名称": "𠀀公司"}})  # ensure_ascii: escapes
    assert "\\ud840" in text
    profile = load_profile_text(text, outcome.rule_base, "e.json")
    assert profile.root.id == "😀" and profile.root.values["名称"] == "𠀀公司"
    assert [a.subject_id for a in outcome.engine.qualify(profile).awards] == ["😀"]


# ---- numbers too long to convert exactly ------------------------------------------------------

LONG = "1." + "0" * 70 + "1"


def diagnostics_of(files: dict[str, str]) -> list[str]:
    outcome = compile_rule_texts(files)
    assert not outcome.ok
    return [d.code for d in outcome.diagnostics]


def test_a_quantity_with_too_many_digits_is_a_bad_quantity():
    """`unit 万元 = 1.000…0001元` (72 digits) raised decimal.Inexact in the checker."""
    assert diagnostics_of({"v.policy": f"dimension 金额 base 元\nunit 万元 = {LONG}元\n"}) == ["E006"]


def test_a_unit_scale_with_too_many_digits_is_refused():
    """Each factor is short, but their product needs more digits than a conversion can carry."""
    factor = "1." + "0" * 22 + "1"
    text = f"dimension 金额 base 元\nunit 万元 = {factor}元\nunit 亿元 = {factor}万元\n"
    assert diagnostics_of({"v.policy": text}) == ["E115"]


def test_a_rate_without_an_exact_scale_is_refused():
    """`12元/七吨` with `unit 七吨 = 7吨`: 1/7 has no exact decimal; its conversion raised Inexact."""
    text = VOCABULARY + "unit 七吨 = 7吨\n"
    assert diagnostics_of({"v.policy": text, "p.policy": policy("for 项目\n      amount 12元/七吨 * 项目.年节水量")}) \
        == ["E115"]


def test_a_policy_year_of_five_thousand_digits_is_not_a_year():
    """`year 111…` (5,000 digits): int() refuses more than 4,300 digits; the parser crashed."""
    assert diagnostics_of({"p.policy": "policy p { year " + "1" * 5000 + " }"}) == ["E006"]


@pytest.mark.parametrize("value, code", [
    (f"{LONG}吨", "E314"),     # decimal.Inexact converting to the base unit
    (f"{LONG}万吨", "E314"),
])
def test_profile_numbers_with_too_many_digits_are_refused(value, code):
    outcome = compile_rule_texts({"v.policy": VOCABULARY, "p.policy": policy("amount 1元")})
    text = f"企业:\n  项目:\n    - 年节水量: {value}\n"
    with pytest.raises(PolicylogError) as raised:
        load_profile_text(text, outcome.rule_base, "e.yaml")
    assert [d.code for d in raised.value.diagnostics] == [code]
    assert_well_formed(raised.value.diagnostics, {"e.yaml": text})


@pytest.mark.parametrize("year", ["𐩀", "1" * 5000, "２０２５０"], ids=["kharoshthi", "5000-digits", "full-width"])
def test_profile_years_that_int_refuses_are_not_years(year):
    """`'𐩀'.isdigit()` is true but int() refuses it; so does int() a 5,000-digit number."""
    vocabulary = VOCABULARY + "attribute 企业.营业收入: decimal 元 per year\n"
    outcome = compile_rule_texts({"v.policy": vocabulary, "p.policy": policy("amount 1元")})
    text = f"企业:\n  营业收入:\n    ? {year}\n    : 5元\n"  # an explicit key may be long
    with pytest.raises(PolicylogError) as raised:
        load_profile_text(text, outcome.rule_base, "e.yaml")
    assert [d.code for d in raised.value.diagnostics] == ["E304"]


def test_a_unit_declared_with_full_width_letters_is_found_as_written():
    """`unit 吨ｂ = 1000吨`: the loader NFKC-normalized `5吨ｂ` to `5吨b` and found no such unit."""
    outcome = compile_rule_texts({"v.policy": VOCABULARY + "unit 吨ｂ = 1000吨\n", "p.policy": policy("amount 1元")})
    profile = load_profile_text("企业:\n  项目:\n    - 年节水量: ５吨ｂ\n", outcome.rule_base, "e.yaml")
    assert profile.records[1].values["年节水量"] == 5000


# ---- amounts that cannot be computed exactly --------------------------------------------------

def test_an_inexact_amount_is_reported_on_the_award():
    """`amount 项目.年节水量 / 3` raised decimal.Inexact out of qualify (an internal error)."""
    (award,) = awards("for 项目\n      amount 1元/吨 * 项目.年节水量 / 7")
    assert award.amount is None and not award.paid
    assert award.steps[0].startswith("cannot compute:") and "does not come out exact" in award.steps[0]


def test_an_inexact_total_cap_is_a_diagnostic():
    """`total cap 10元 / 3 …` raised decimal.Inexact while stacking awards."""
    text = ('policy p {\n  default payer 自治区\n  clause p.1 {\n    title "t"\n    text "x"\n'
            '    provision p.1a { amount 10元 }\n    provision p.1b { amount 10元 }\n'
            '    total cap 10元 / 3 per 企业 over p.1a, p.1b\n  }\n}\n')
    outcome = compile_rule_texts({"v.policy": VOCABULARY, "p.policy": text})
    with pytest.raises(PolicylogError) as raised:
        outcome.engine.qualify(load_profile_text(PROFILE, outcome.rule_base, "e.yaml"))
    assert [d.code for d in raised.value.diagnostics] == ["E203"]
    assert_well_formed(raised.value.diagnostics, {"p.policy": text})


@pytest.mark.parametrize("text", ['企业:\n  名称: "unterminated\n', "---\n", "企业:\n  名称: \u2028x\n"],
                         ids=["end-of-stream", "empty-document", "u2028"])
def test_profile_errors_at_the_end_of_the_stream_point_into_the_file(text):
    """PyYAML marks the end of the stream on the line after the last line break: line n+1."""
    from .harness import yaml_lines

    outcome = compile_rule_texts({"v.policy": VOCABULARY, "p.policy": policy("amount 1元")})
    with pytest.raises(PolicylogError) as raised:
        load_profile_text(text, outcome.rule_base, "e.yaml")
    assert_well_formed(raised.value.diagnostics, {"e.yaml": text}, lines_of=yaml_lines)


# ---- strings pyDatalog would read as booleans -------------------------------------------------

def test_the_strings_true_and_false_stay_strings():
    """pyDatalog turns the string "True" into a bool, even as a constant: a tier keyed `True` was
    not found (StopIteration) and ids `True` and `p1` of one kind stopped sorting (TypeError)."""
    vocabulary = VOCABULARY + "enum 级别 { True, False, 其他 }\nattribute 项目.级别: 级别\n"
    outcome = compile_rule_texts({"v.policy": vocabulary, "p.policy": policy(
        'for 项目\n      when 项目.级别 != False\n      amount by 项目.级别 { True: 1元, "False": 2元, 其他: 3元 }')})
    profile = load_profile_text("企业:\n  id: 'False'\n  项目:\n    - {id: 'True', 级别: 'True'}\n"
                                "    - {id: p1, 级别: 其他}\n    - {id: p2, 级别: 'False'}\n",
                                outcome.rule_base, "e.yaml")
    found = {(a.subject_id, a.subjects[0][1], str(a.amount)) for a in outcome.engine.qualify(profile).awards}
    assert found == {("True", "False", "1元"), ("p1", "False", "3元")}


# ---- nesting, endless files, terminal control characters -------------------------------------

DEEP = {
    "sum": lambda n: ("true", " + ".join(["1元"] * n)),                      # RecursionError in the checker
    "and-paren": lambda n: ("(企业.制造业 and " * n + "企业.制造业" + ")" * n, "1元"),  # VisitError(RecursionError)
    "not": lambda n: ("not " * n + "企业.制造业", "1元"),
    "negate": lambda n: ("true", "-" * n + "1元"),
}


@pytest.mark.parametrize("shape", sorted(DEEP))
@pytest.mark.parametrize("depth", [1000, 5000])
def test_deep_nesting_is_a_diagnostic(shape, depth):
    condition, amount = DEEP[shape](depth)
    text = policy(f"when {condition}\n      amount {amount}")
    diagnostics = diagnostics_of({"v.policy": VOCABULARY, "p.policy": text})
    assert diagnostics == ["E005"]


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_nesting_just_under_the_limit_runs_everywhere(shape):
    from policylog.dsl.parser import MAX_NESTING

    condition, amount = DEEP[shape](MAX_NESTING - 12)
    found = awards(f"when {condition}\n      amount {amount}")
    assert [a.provision for a in found] == ["p.1"]


def test_endless_files_are_read_only_up_to_the_limit():
    """`policylog fmt /dev/zero` read forever (and a 10 GB file whole) before the size check."""
    from policylog.dsl.parser import parse_file
    from policylog.engine.profiles import load_profile

    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(PolicylogError) as raised:
        parse_file("/dev/zero")
    assert [d.code for d in raised.value.diagnostics] == ["E004"]
    outcome = compile_rule_texts({"v.policy": VOCABULARY, "p.policy": policy("amount 1元")})
    with pytest.raises(PolicylogError) as raised:
        load_profile("/dev/zero", outcome.rule_base)
    assert [d.code for d in raised.value.diagnostics] == ["E310"]


def test_rendered_source_lines_are_bounded_and_inert():
    """A 2 MB line was printed whole; `\\x1b[2J` in a rule file cleared the reader's terminal."""
    from policylog.dsl.diagnostics import EXCERPT_WIDTH, render_text

    text = 'policy p {\n  title "\x1b[2J\u202e' + "x" * 100_000 + '" bogus\n}\n'
    with pytest.raises(PolicylogError) as raised:
        parse_text(text, "p.policy")
    sources = SourceCache()
    sources.add("p.policy", text)
    rendered = render_text(raised.value.diagnostics[0], sources)
    assert "\x1b" not in rendered and "\u202e" not in rendered
    excerpt, carets = rendered.splitlines()[3:5]
    assert len(excerpt) < EXCERPT_WIDTH + 20
    assert excerpt[carets.index("^"):].startswith("bogus")


@pytest.mark.parametrize("argv", [["fmt", "a\x00b"], ["qualify", "a\x00b"], ["lint", "--witness-dir=\x00"]],
                         ids=["fmt", "qualify", "lint"])
def test_a_nul_in_an_argument_is_a_usage_error(argv):
    """`policylog fmt $'a\\0b'`, `lint --witness-dir=$'\\0'` (in-process; no shell passes a NUL):
    "internal error: ValueError: embedded null byte" from open() and mkdir()."""
    from .harness import run

    run(argv).assert_usage_error()


@pytest.mark.parametrize("argv", [["explain", "p.yaml", "x", "--policy=--"], ["screen", "r.jsonl", "--out=--"],
                                  ["qualify", "p.yaml", "--row=--"]], ids=["policy", "out", "row"])
def test_double_dash_as_an_option_value_is_a_usage_error(argv):
    """`explain … --policy=--` (found by the long CLI run): argparse gives the option an empty
    list whatever its type, and `--policy` then failed with "unhashable type: 'list'"."""
    from .harness import run

    run(argv).assert_usage_error()


def test_a_nul_in_a_path_read_from_a_file_is_an_unreadable_file():
    from policylog.dsl.parser import parse_file
    from policylog.engine.profiles import load_profile

    with pytest.raises(PolicylogError) as raised:
        parse_file("a\x00b.policy")
    assert [d.code for d in raised.value.diagnostics] == ["E007"]
    outcome = compile_rule_texts({"v.policy": VOCABULARY, "p.policy": policy("amount 1元")})
    with pytest.raises(PolicylogError) as raised:
        load_profile("a\x00b.yaml", outcome.rule_base)
    assert [d.code for d in raised.value.diagnostics] == ["E307"]


@pytest.mark.parametrize("extra, code", [
    (["--out="], 2),                                    # ValueError: PosixPath('.') has an empty name
    (["--out", "out.jsonl", "--threads", "-3"], 2),     # duckdb SyntaxException
    (["--out", "out.jsonl", "--threads", "99999999999999999999"], 2),  # duckdb: out of range for INT64
    (["--out", "{tmp}"], 1),                            # duckdb IOException: the path is a directory
    (["--out", "{tmp}/missing/out.jsonl"], 1),          # duckdb IOException: no such folder
    (["--out", "out.jsonl", "--summary", "{tmp}"], 1),  # IsADirectoryError
], ids=["empty-out", "negative-threads", "huge-threads", "out-is-a-directory", "missing-folder", "summary-is-a-directory"])
def test_screen_output_options(extra, code, tmp_path, monkeypatch):
    """`policylog screen REGISTER --out=` and friends ended in internal errors."""
    from ..conftest import FIXTURES
    from .harness import SUBCOMMANDS_NOW, run

    if "screen" not in SUBCOMMANDS_NOW:
        pytest.skip("no screen subcommand")
    monkeypatch.chdir(tmp_path)
    argv = ["screen", str(FIXTURES / "profiles"), "--rules", str(FIXTURES / "core"), "--quiet"]
    result = run(argv + [a.replace("{tmp}", str(tmp_path)) for a in extra])
    result.assert_no_traceback()
    assert result.code == code, result
