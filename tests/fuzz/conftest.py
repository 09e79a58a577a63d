"""Plumbing for the fuzz suite: soak runs, counts of generated inputs, the no-dynamic-code guard.

CI runs each property with the "ci" profile of tests/conftest.py. A soak run raises the number of
examples for every property of this directory and reports how many inputs each family saw:

    POLICYLOG_FUZZ_EXAMPLES=20000 python3 -m pytest tests/fuzz     # or tests/fuzz/run_long.sh
    python3 -m pytest tests/fuzz --hypothesis-profile=long           # 5,000 per property

`POLICYLOG_FUZZ_REPORT=path.json` writes the counts (inputs per family, seconds) to a file.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import json
import os
import pkgutil
import time
import types
from collections import Counter

import pytest
from hypothesis import HealthCheck, settings

SOAK_EXAMPLES = os.environ.get("POLICYLOG_FUZZ_EXAMPLES")
if SOAK_EXAMPLES:
    settings.register_profile("fuzz-soak", max_examples=int(SOAK_EXAMPLES), deadline=None,
                              database=None, print_blob=True,
                              suppress_health_check=list(HealthCheck))
    settings.load_profile("fuzz-soak")

_COUNTS = pytest.StashKey[Counter]()
_STARTED = pytest.StashKey[float]()


def pytest_configure(config):
    config.stash[_COUNTS] = Counter()
    config.stash[_STARTED] = time.monotonic()


@pytest.fixture(scope="session")
def fuzz_inputs(request) -> Counter:
    """Count one generated input of a family: `fuzz_inputs["rules"] += 1`."""
    return request.config.stash[_COUNTS]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts = config.stash.get(_COUNTS, None)
    if not counts:
        return
    seconds = time.monotonic() - config.stash[_STARTED]
    total = sum(counts.values())
    families = ", ".join(f"{family} {count:,}" for family, count in sorted(counts.items()))
    terminalreporter.write_line(f"fuzz inputs: {total:,} ({families}) in {seconds:,.0f} s")
    report = os.environ.get("POLICYLOG_FUZZ_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as stream:
            json.dump({"inputs": dict(sorted(counts.items())), "total": total,
                       "seconds": round(seconds, 1), "exit_status": int(exitstatus),
                       "examples_per_property": SOAK_EXAMPLES or settings.default.max_examples},
                      stream, indent=2)
            stream.write("\n")


class DynamicCodeRan(AssertionError):
    pass


@contextlib.contextmanager
def dynamic_code_refused():
    """Within the block `eval`, `exec` and `compile` raise and are recorded: untrusted text must
    never reach them. Every policylog module is imported and the grammar loaded first, since those
    legitimately compile trusted text (dataclasses build their methods with `exec`)."""
    import policylog

    for module in pkgutil.walk_packages(policylog.__path__, "policylog."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    from policylog.dsl.parser import parse_text

    parse_text("", "warm-up")  # lark reads its grammar (trusted) with literal_eval, once
    calls: list[str] = []

    def refuse(name):
        def refused(*args, **kwargs):
            source = args[0] if args else None
            if name == "exec" and isinstance(source, types.CodeType) and source.co_filename.endswith(".py") \
                    and os.path.isfile(source.co_filename):
                return saved["exec"](*args, **kwargs)  # the import system running a module file
            calls.append(f"builtins.{name}({str(args[:1])[:200]})")
            raise DynamicCodeRan(calls[-1])
        return refused

    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "compile")}
    try:
        for name in saved:
            setattr(builtins, name, refuse(name))
        yield calls
    finally:
        for name, function in saved.items():
            setattr(builtins, name, function)
    assert not calls, f"dynamic code was attempted: {calls}"


@pytest.fixture
def no_dynamic_code():
    """`with no_dynamic_code():` — a block in which eval/exec/compile are refused (see above)."""
    return dynamic_code_refused
