"""The bundled rule base lints clean, and the findings the issue names are found and ruled on."""

import pytest

from policylog.dsl.loader import load_rule_base
from policylog.engine.lint import lint
from policylog.engine.lint.diff import diff_policies

from .conftest import RULES


@pytest.fixture(scope="module")
def result():
    return lint(load_rule_base(RULES))


def found(result, check, a, b):
    return next((f for f in result.findings if f.check == check and set(f.provisions) == {a, b}),
                None)


def test_clean_and_every_witness_verified(result):
    assert result.reported == ()
    witnessed = [f for f in result.findings if f.witness is not None]
    assert witnessed and all(f.witness.verified for f in witnessed)


@pytest.mark.parametrize("check, a, b, ruling", [
    ("overlap", "nmg2026.1.1", "nmg2026.6.3", "not-cumulative"),
    ("overlap", "nmg2026.1.1", "nmg2026.5.1", "not-cumulative"),
    ("overlap", "nmg2022.8a", "nmg2022.8b", "not-cumulative"),
    ("overlap", "nmg2022.8b", "nmg2022.8c", "not-cumulative"),
    ("conflict", "nmg2022.21a", "nmg2026.3.1", "supersedes"),
    ("conflict", "nmg2022.6", "nmg2026.2.2a", "supersedes"),
    ("conflict", "nmg2022.18", "nmg2026.1.3", "supersedes"),
    ("subsumption", "nmg2026.2.1b", "nmg2026.2.1a", "allow"),
])
def test_the_issues_examples_are_found_and_ruled_on(result, check, a, b, ruling):
    finding = found(result, check, a, b)
    assert finding is not None, (check, a, b)
    assert finding.acknowledged is not None and finding.acknowledged.kind == ruling
    assert finding.acknowledged.reason


def test_conflict_witness_shows_both_amounts(result):
    finding = found(result, "conflict", "nmg2022.21a", "nmg2026.3.1")
    assert set(finding.witness.evidence) == {"nmg2022.21a: 100万元", "nmg2026.3.1: 200万元"}


def test_diff_covers_every_declared_link():
    rule_base = load_rule_base(RULES)
    result = diff_policies(rule_base, "nmg2022", "nmg2026")
    pairs = {(f.old_clause, f.new_clause) for f in result.families}
    assert pairs == {("nmg2022.18", "nmg2026.1.3"), ("nmg2022.6", "nmg2026.2.2"),
                     ("nmg2022.21", "nmg2026.3.1"), ("nmg2022.5", "nmg2026.5.2")}
    impacts = [i for f in result.families for p in f.provisions for i in p.impacts]
    assert impacts and all(i.witness.verified for i in impacts)
    assert len(result.only_old) == 26 and len(result.only_new) == 15
