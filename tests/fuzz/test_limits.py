"""Limits that keep a hostile input from exhausting the machine: each one's error, in bounded time.

docs/reliability.md lists them (value, error code, where enforced); this file proves each: an
input just past the limit is refused with its diagnostic, quickly, and with a position in the
file; an input at the limit (where that is cheap to build) still works.
"""

from __future__ import annotations

import time
from functools import cache

import pytest

from policylog.dsl.diagnostics import PolicylogError
from policylog.dsl.loader import load_rule_base
from policylog.dsl.parser import MAX_NESTING, MAX_RULE_FILE_BYTES, parse_file, parse_text
from policylog.dsl.units import MAX_DIGITS
from policylog.engine.compiler import MAX_ALTERNATIVES
from policylog.engine.profiles import (MAX_DEPTH, MAX_FACTS, MAX_MAGNITUDE, MAX_PROFILE_BYTES, MAX_RECORDS,
                                       MAX_YEAR, MIN_YEAR, load_profile, load_profile_text)

from ..conftest import FIXTURES
from .harness import assert_well_formed, compile_rule_texts, yaml_lines

SECONDS = 60  # generous for a loaded CI machine; a hang is what this catches


@cache
def core():
    return load_rule_base(FIXTURES / "core")


def refused(code: str, load, texts: dict[str, str], *, lines_of=None) -> None:
    """`load()` raises PolicylogError with `code` first, in bounded time, positions in the file."""
    started = time.monotonic()
    with pytest.raises(PolicylogError) as raised:
        load()
    assert time.monotonic() - started < SECONDS
    codes = [d.code for d in raised.value.diagnostics]
    assert code in codes, codes
    kwargs = {"lines_of": lines_of} if lines_of else {}
    assert_well_formed([d for d in raised.value.diagnostics if d.code == code], texts, **kwargs)


def profile_refused(code: str, text: str) -> None:
    refused(code, lambda: load_profile_text(text, core(), "p.yaml"), {"p.yaml": text}, lines_of=yaml_lines)


# ---- rule files ------------------------------------------------------------------------------

def test_rule_file_size():
    text = "# " + "x" * MAX_RULE_FILE_BYTES + "\n"
    refused("E004", lambda: parse_text(text, "big.policy"), {"big.policy": text})


def test_rule_file_size_on_disk(tmp_path):
    path = tmp_path / "big.policy"
    path.write_bytes(b"#" * (MAX_RULE_FILE_BYTES + 1))
    refused("E004", lambda: parse_file(path), {str(path): "#"})


def test_rule_file_at_the_size_limit_still_parses():
    line = "subject 企业x{} \"" + "说明" * 20 + "\"\n"
    count = (MAX_RULE_FILE_BYTES - 100) // len(line.format(99999).encode())
    text = "".join(line.format(i) for i in range(count))
    started = time.monotonic()
    assert len(parse_text(text, "big.policy").items) == count
    assert time.monotonic() - started < SECONDS


def test_nesting_depth():
    text = ('policy p { clause p.1 { title "t" text "x" provision p.1 { amount '
            + " + ".join(["1元"] * (MAX_NESTING + 1)) + " } } }")
    refused("E005", lambda: parse_text(text, "deep.policy"), {"deep.policy": text})
    text = "policy p { clause p.1 { title \"t\" text \"x\" provision p.1 { when " + "(" * 100_000 \
        + "true" + ")" * 100_000 + " amount 1元 } } }"
    parse_text(text, "parens.policy")  # redundant parentheses are no nesting at all


def test_digits_of_a_number():
    text = f"dimension 金额 base 元\nunit 万元 = 1{'0' * MAX_DIGITS}.1元\n"
    refused("E006", lambda: parse_text(text, "v.policy"), {"v.policy": text})
    parse_text(f"dimension 金额 base 元\nunit 万元 = {'1' * MAX_DIGITS}元\n", "v.policy")


VOCABULARY = (FIXTURES / "core" / "vocabulary.policy").read_text(encoding="utf-8")


def _alternatives(count: int) -> dict[str, str]:
    """A provision whose condition has `count` alternatives: (a or b) and (a or b) … times 2^k."""
    terms = count.bit_length() - 1
    condition = " and ".join(["(企业.制造业 or 企业.乳制品加工企业)"] * terms)
    policy = ('policy p { default payer 自治区 clause p.1 { title "t" text "x" provision p.1 { '
              f"when {condition} amount 1元 }} }} }}")
    return {"vocabulary.policy": VOCABULARY, "p.policy": policy}


def test_alternatives_of_a_condition():
    assert compile_rule_texts(_alternatives(MAX_ALTERNATIVES)).ok
    started = time.monotonic()
    outcome = compile_rule_texts(_alternatives(MAX_ALTERNATIVES * 2))
    assert [d.code for d in outcome.diagnostics] == ["E201"]
    huge = compile_rule_texts(_alternatives(2 ** 60))  # 2^60 alternatives are never built
    assert [d.code for d in huge.diagnostics] == ["E201"]
    assert time.monotonic() - started < SECONDS


# ---- profiles --------------------------------------------------------------------------------

def test_profile_size():
    profile_refused("E310", "企业:\n  名称: \"" + "x" * MAX_PROFILE_BYTES + "\"\n")


def test_profile_size_on_disk(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_PROFILE_BYTES + 1))
    refused("E310", lambda: load_profile(path, core()), {str(path): "#"}, lines_of=yaml_lines)


def test_record_nesting_depth():
    kinds = [f"层{i}" for i in range(MAX_DEPTH + 2)]
    vocabulary = "dimension 金额 base 元\npayer 自治区\nsubject 层0\n" + "".join(
        f"subject {child} of {parent}\n" for parent, child in zip(kinds, kinds[1:]))
    outcome = compile_rule_texts({"v.policy": vocabulary})
    # 层0: {id: r0, 层1: [{id: r1, 层2: [{id: r2, …}]}]}, one level deeper than MAX_DEPTH
    text = "层0:\n  id: r0\n" + "".join(
        f"{' ' * (4 * depth - 2)}{kind}:\n{' ' * (4 * depth)}- id: r{depth}\n" for depth, kind in enumerate(kinds[1:], 1))
    refused("E312", lambda: load_profile_text(text, outcome.rule_base, "p.yaml"), {"p.yaml": text},
            lines_of=yaml_lines)


def test_yaml_nesting_depth():
    """Flow collections nested 1,000,000 deep: PyYAML's composer recursion, caught as E300."""
    profile_refused("E300", "企业: " + "[" * 1_000_000 + "]" * 1_000_000)
    profile_refused("E300", "企业: " + "{a: " * 300_000 + "1" + "}" * 300_000)


def test_number_of_records():
    text = "企业:\n  项目:\n" + "".join(f"    - {{id: p{i}}}\n" for i in range(MAX_RECORDS + 1))
    profile_refused("E313", text)


def test_number_of_facts():
    """Set members may repeat, so one line can hold more facts than the record limit allows."""
    text = "企业:\n  地区: [" + ", ".join(["革命老区"] * (MAX_FACTS + 1)) + "]\n"
    profile_refused("E313", text)


def test_yaml_aliases():
    """The "billion laughs": nine levels of aliases, each ten times the last."""
    lines = ['a0: &a0 "lol"'] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    profile_refused("E309", "\n".join(lines) + "\n")
    profile_refused("E309", "企业:\n  名称: &n x\n  盟市: *n\n")


def test_magnitude_of_a_value():
    limit_in_wan = MAX_MAGNITUDE / 10000
    profile_refused("E306", f"企业:\n  项目:\n    - 投资额: {limit_in_wan:f}万元\n")
    profile = load_profile_text(f"企业:\n  项目:\n    - 投资额: {limit_in_wan - 1:f}万元\n", core(), "p.yaml")
    assert profile.records[1].values["投资额"] == MAX_MAGNITUDE - 10000


def test_digits_of_a_profile_value():
    profile_refused("E314", f"企业:\n  项目:\n    - 投资额: 1.{'0' * MAX_DIGITS}1万元\n")


def test_range_of_a_year():
    for year in (MIN_YEAR - 1, MAX_YEAR + 1, 10 ** 30):
        profile_refused("E304", f"企业:\n  申报年度: {year}\n")
    assert load_profile_text(f"企业:\n  申报年度: {MAX_YEAR}\n", core(), "p.yaml").root.values["申报年度"] == MAX_YEAR
