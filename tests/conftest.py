"""Shared fixtures and the golden-file helper.

Golden files live in tests/golden/<stage>/; run `pytest --update-golden` to rewrite them after an
intended change, then review the diff like any other code change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"

# "ci" keeps the suite inside CI's time budget; "long" is for a deliberate soak run:
#   pytest --hypothesis-profile=long   (or POLICYLOG_HYPOTHESIS_PROFILE=long)
settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("POLICYLOG_HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files with the current output")


@pytest.fixture
def golden(request):
    """`golden(path, text)`: compare with tests/golden/<path>, or rewrite it with --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(relative: str, actual: str) -> None:
        path = GOLDEN / relative
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            if not update:
                pytest.fail(f"golden file {relative} did not exist; written — review and commit it")
            return
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from golden file {relative} (--update-golden to accept)"

    return check


@pytest.fixture(scope="session")
def core_rules():
    """A small, fixed rule base for engine tests, independent of the bundled rules' evolution."""
    from policylog.dsl.loader import load_rule_base

    return load_rule_base(FIXTURES / "core")
