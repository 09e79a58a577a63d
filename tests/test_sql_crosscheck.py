"""The SQL backend (DuckDB) agrees with the pyDatalog reference on every answer and amount.

Each example screens one batch of profiles in one run (the fixed cost of a run — planning the
SQL — is most of the time), so the batches are large (3–16 profiles) and the examples fewer: on average
more profiles are checked than with 1–8-profile batches and about twice the examples. The engines of a rule base
are built once (tests/sql_support.py)."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policylog.dsl.loader import load_rule_base

from .conftest import RULES
from .sql_support import assert_backends_agree, profiles


@pytest.fixture(scope="module")
def bundled_rules():
    return load_rule_base(RULES)


@settings(max_examples=11)
@given(data=st.data())
def test_core_rules_random_profiles(core_rules, data):
    batch = data.draw(profiles(core_rules, min_size=3, max_size=16))
    with tempfile.TemporaryDirectory() as tmp:
        assert_backends_agree(core_rules, batch, Path(tmp))


@settings(max_examples=7)
@given(data=st.data())
def test_bundled_rules_random_profiles(bundled_rules, data):
    batch = data.draw(profiles(bundled_rules, min_size=3, max_size=16))
    with tempfile.TemporaryDirectory() as tmp:
        assert_backends_agree(bundled_rules, batch, Path(tmp))


@settings(max_examples=7)
@given(data=st.data())
def test_bad_values_are_rejected_by_both(core_rules, data):
    batch = data.draw(profiles(core_rules, min_size=3, max_size=16, bad=True))
    with tempfile.TemporaryDirectory() as tmp:
        assert_backends_agree(core_rules, batch, Path(tmp))


def test_example_enterprise_on_bundled_rules(bundled_rules, tmp_path):
    import yaml

    from .conftest import REPO
    profile = yaml.safe_load((REPO / "examples" / "enterprise.yaml").read_text(encoding="utf-8"))

    def texts(value):
        if isinstance(value, dict):
            return {str(k): texts(v) for k, v in value.items()}
        if isinstance(value, list):
            return [texts(v) for v in value]
        return value if isinstance(value, str) else ("true" if value is True else "false" if value is False else str(value))

    screener = assert_backends_agree(bundled_rules, [texts(profile)], tmp_path)
    assert screener.summary.granted == 1
