"""Fuzzed command lines: a wrong flag gets a usage message and exit code 2, never a traceback.

Subcommands are read from `policylog.cli.build_parser()` when the tests are collected, so a
subcommand added tomorrow is covered by the same checks: missing, extra and malformed arguments
for every subcommand, every option that takes a value, every `choices` and typed option, and
random command lines built from each subcommand's own options. Runs are in-process (`main(argv)`
with captured streams) for speed, in a scratch directory; one test runs a real subprocess.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..conftest import FIXTURES
from .harness import EXIT_INPUT_ERROR, EXIT_OK, EXIT_USAGE, run, subcommands

# Options that rewrite files beside the rules (expected outputs, fixes): left out of random
# command lines so a fuzz run never edits the repository.
WRITES_BESIDE_RULES = re.compile(r"update|reset|accept|regen|in-?place|fix|write")


SUBCOMMANDS = subcommands()


def _arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, (argparse._HelpAction, argparse._VersionAction))]


def positionals(parser) -> list[argparse.Action]:
    return [a for a in _arguments(parser) if not a.option_strings]


def options(parser) -> list[argparse.Action]:
    return [a for a in _arguments(parser) if a.option_strings]


def takes_value(action: argparse.Action) -> bool:
    return action.nargs != 0


def placeholder(action: argparse.Action) -> str:
    """Some value for an argument: parsing must fail before anything reads it."""
    if action.choices:
        return str(next(iter(action.choices)))
    if action.type in (int, float):
        return "1"
    return "placeholder"


def required_argv(name: str) -> list[str]:
    """The subcommand with every required argument given a placeholder."""
    parser = SUBCOMMANDS[name]
    argv = [name]
    for action in positionals(parser):
        if action.nargs in (None, "+", 1) or (isinstance(action.nargs, int) and action.nargs > 0):
            argv.extend([placeholder(action)] * (action.nargs if isinstance(action.nargs, int) else 1))
    for action in options(parser):
        if action.required:
            argv.append(action.option_strings[0])
            if takes_value(action):
                argv.append(placeholder(action))
    return argv


@pytest.fixture(autouse=True)
def scratch_directory(tmp_path, monkeypatch):
    """Every command runs in an empty directory, so nothing it writes lands in the repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POLICYLOG_DEBUG", raising=False)


# ---- the top level ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [[], ["no-such-command"], ["--bogus"], ["-x"], ["qualfy"], [""], ["--"]],
                         ids=["nothing", "unknown-command", "unknown-option", "short-option", "typo", "empty", "dashes"])
def test_top_level_usage_errors(argv):
    run(argv).assert_usage_error()


def test_help_and_version():
    for argv in (["--help"], ["--version"]):
        result = run(argv)
        result.assert_no_traceback()
        assert result.code == EXIT_OK and result.out


# ---- every subcommand -------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_help_of_every_subcommand(name):
    result = run([name, "--help"])
    result.assert_no_traceback()
    assert result.code == EXIT_OK and "usage:" in result.out


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_unknown_option(name):
    run(required_argv(name) + ["--no-such-option"]).assert_usage_error()
    run(required_argv(name) + ["--no-such-option=1"]).assert_usage_error()


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_missing_required_arguments(name):
    argv = required_argv(name)
    if len(argv) == 1:
        pytest.skip(f"`{name}` has no required arguments")
    run([name]).assert_usage_error()
    # Each required option alone missing.
    for action in options(SUBCOMMANDS[name]):
        if action.required:
            index = argv.index(action.option_strings[0])
            run(argv[:index] + argv[index + 1 + takes_value(action):]).assert_usage_error()


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_extra_positional_arguments(name):
    if any(a.nargs in ("*", "+", argparse.REMAINDER) for a in positionals(SUBCOMMANDS[name])):
        pytest.skip(f"`{name}` takes any number of positional arguments")
    run(required_argv(name) + ["extra-1", "extra-2", "extra-3"]).assert_usage_error()


OPTIONS = [(name, action.option_strings[-1]) for name, parser in sorted(SUBCOMMANDS.items())
           for action in options(parser)]
VALUED = [(name, option) for name, option in OPTIONS
          if takes_value(next(a for a in options(SUBCOMMANDS[name]) if option in a.option_strings))]


def _action(name: str, option: str) -> argparse.Action:
    return next(a for a in options(SUBCOMMANDS[name]) if option in a.option_strings)


@pytest.mark.parametrize("name, option", VALUED, ids=[f"{n} {o}" for n, o in VALUED])
def test_option_without_its_value(name, option):
    argv = [a for a in required_argv(name)]
    if option in argv:  # a required option: drop its value
        index = argv.index(option)
        del argv[index:index + 2]
    run(argv + [option]).assert_usage_error()


@pytest.mark.parametrize("name, option", [(n, o) for n, o in VALUED if _action(n, o).choices],
                         ids=[f"{n} {o}" for n, o in VALUED if _action(n, o).choices])
def test_option_with_a_value_outside_its_choices(name, option):
    for value in ("no-such-choice", "", "JSON", "json ", "—"):
        run(required_argv(name) + [option, value]).assert_usage_error()


TYPED = [(n, o) for n, o in VALUED if _action(n, o).type is not None and not _action(n, o).choices]


@pytest.mark.parametrize("name, option", TYPED, ids=[f"{n} {o}" for n, o in TYPED])
def test_typed_option_with_a_malformed_value(name, option):
    """`--threads abc`, `--depth -1`, `--date 2025-13-40`: refused by the option's type."""
    action = _action(name, option)
    for value in ("abc", "", "1e999", "-", "\x00", "１２", "2025-13-40", "9" * 5000):
        try:
            action.type(value)
        except (argparse.ArgumentTypeError, TypeError, ValueError):
            run(required_argv(name) + [option, value]).assert_usage_error()
            continue
        # A value its type accepts: whatever the command then does (on the small core rules), no
        # traceback.
        rules = ["--rules", str(FIXTURES / "core")] if any("--rules" in a.option_strings
                                                           for a in options(SUBCOMMANDS[name])) else []
        run(required_argv(name) + rules + [option, value]).assert_no_traceback()


# ---- random command lines ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    """Files a random command line may name: good ones, broken ones and ones that are not there."""
    folder = tmp_path_factory.mktemp("cli-inputs")
    rules = folder / "rules"
    shutil.copytree(FIXTURES / "core", rules)
    (folder / "empty").mkdir()
    profile = folder / "profile.yaml"
    shutil.copy(FIXTURES / "profiles" / "core_enterprise.yaml", profile)
    (folder / "broken.yaml").write_text("企业:\n  年节水量: [\n", encoding="utf-8")
    (folder / "broken.policy").write_text("policy p {\n  clause\n", encoding="utf-8")
    (folder / "binary.bin").write_bytes(bytes(range(256)))
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "register.csv").write_text("id,名称\n甲,甲公司\n", encoding="utf-8")
    return {"rules": str(rules), "rules-file": str(rules / "nmg2026.policy"), "profile": str(profile),
            "broken-profile": str(folder / "broken.yaml"), "broken-rules": str(folder / "broken.policy"),
            "binary": str(folder / "binary.bin"), "empty-file": str(folder / "empty.txt"),
            "empty-dir": str(folder / "empty"), "missing": str(folder / "missing" / "nothing.yaml"),
            "register": str(folder / "register.csv"), "out": str(folder / "out" / "result.out")}


ODD_TOKENS = ["", " ", "-", "--", "---", "=", "-=", "--=", "nmg2026", "nmg2026.1.1", "nmg2022.8a", "企业.制造业=false",
              "企业.营业收入[2025]=5万元", "x=", "=x", "0", "-1", "99999999999999999999", "1.5", "NaN", "json",
              "text", "sarif", "L301", "tier-gap", "E101", "2025-01-01", "\x00", "\u202e", "😀", "🀄️", "%s%n", "{}",
              "$(touch pwned)", "; rm -rf /", "../../../../etc/passwd", "~", "*", "?", "-h"]


@st.composite
def command_lines(draw, inputs: dict[str, str]) -> list[str]:
    name = draw(st.sampled_from(sorted(SUBCOMMANDS)))
    parser = SUBCOMMANDS[name]
    values = st.sampled_from(sorted(inputs.values())) | st.sampled_from(ODD_TOKENS) | st.text(max_size=12)
    argv = [name]
    for action in positionals(parser):
        if action.nargs == "?" and draw(st.integers(0, 5)) == 0:
            continue
        argv.append(draw(values))
    usable = [a for a in options(parser) if not WRITES_BESIDE_RULES.search(" ".join(a.option_strings))]
    for action in draw(st.lists(st.sampled_from(usable), max_size=5)) if usable else []:
        option = draw(st.sampled_from(action.option_strings))
        if not takes_value(action):
            argv.append(option)
        elif action.choices and draw(st.booleans()):
            argv += [option, str(draw(st.sampled_from(sorted(map(str, action.choices)))))]
        elif draw(st.integers(0, 4)) == 0:
            argv.append(f"{option}={draw(values)}" if option.startswith("--") else option + draw(values))
        else:
            argv += [option, draw(values)]
    if "--rules" in {o for a in options(parser) for o in a.option_strings} and "--rules" not in argv:
        argv += ["--rules", inputs["rules"]]  # the bundled rules are slow to lint and test
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
        argv.insert(draw(st.integers(1, len(argv))), draw(values))
    return argv


@given(st.data())
def test_random_command_lines(fuzz_inputs, inputs, data):
    """Whatever the command line, an exit code of 0, 1 or 2 and never a traceback."""
    fuzz_inputs["cli"] += 1
    argv = data.draw(command_lines(inputs))
    result = run(argv)
    result.assert_no_traceback()
    assert result.code in (EXIT_OK, EXIT_INPUT_ERROR, EXIT_USAGE), (argv, result)
    if result.code == EXIT_USAGE:
        assert "error" in result.err, (argv, result.err)
    assert not Path("pwned").exists()


# ---- one real process -------------------------------------------------------------------------

def test_a_real_process_prints_usage_and_exits_2(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("POLICYLOG_DEBUG", None)
    for argv in (["qualify", "--definitely-not-an-option"], [], ["qualify"]):
        completed = subprocess.run([sys.executable, "-m", "policylog", *argv], capture_output=True,
                                   text=True, encoding="utf-8", env=env, cwd=tmp_path, timeout=120)
        assert completed.returncode == EXIT_USAGE, completed
        assert "usage:" in completed.stderr and "Traceback" not in completed.stderr + completed.stdout
