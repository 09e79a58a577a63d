"""Determinism: the same inputs give byte-identical output across runs and hash seeds.

Each command runs in a fresh process three times — PYTHONHASHSEED 0, 1 and random — and its exit
code, stdout, stderr and any files it writes must be identical. Set and dict iteration orders,
pyDatalog's answer order and thread scheduling all change between such runs.

The commands: every subcommand whose `--format` offers `json` (found in `build_parser()`, so a new
one is covered as soon as it exists; its positional arguments are filled from ARGUMENTS), plus
the text outputs of `qualify`, `compile` and `report`, SARIF from `lint`, a profile with errors,
and `screen` (its awards file; its summary's `seconds` section is wall-clock time by design and
is left out).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import FIXTURES, REPO
from .harness import subcommands

CORE = str(FIXTURES / "core")
CORE_PROFILE = str(FIXTURES / "profiles" / "core_enterprise.yaml")
SEEDS = ("0", "1", "random")

# Values for positional arguments, by metavar; `{tmp}` is the run's scratch directory.
ARGUMENTS = {
    "PROFILE": CORE_PROFILE, "PROVISION": "nmg2026.1.3", "RULES": CORE, "OLD_POLICY": "nmg2022",
    "NEW_POLICY": "nmg2026", "FILE": str(FIXTURES / "core" / "nmg2026.policy"), "PROFILES": "{tmp}/profiles",
}
# Options some subcommands require, and options that keep a run small and on the core rules.
REQUIRED = {"--set": "企业.制造业=false", "--out": "{tmp}/out.jsonl"}


def _positional_values(name: str) -> list[str] | None:
    values = []
    for action in subcommands()[name]._actions:
        if action.option_strings or action.nargs == "?":
            continue
        metavar = action.metavar or action.dest.upper()
        if metavar not in ARGUMENTS:
            return None
        values.append(ARGUMENTS[metavar])
    return values


def json_commands() -> list[list[str]]:
    commands = []
    for name, parser in sorted(subcommands().items()):
        formats = [a for a in parser._actions if "--format" in a.option_strings]
        if not formats or "json" not in (formats[0].choices or ()):
            continue
        values = _positional_values(name)
        if values is None:
            commands.append([name, "<unknown positional arguments>"])
            continue
        argv = [name, *values, "--format", "json"]
        options = {o for a in parser._actions for o in a.option_strings}
        if "--rules" in options:
            argv += ["--rules", CORE]
        elif any(a.dest == "rules" and a.nargs == "?" for a in parser._actions):
            argv.insert(1, CORE)
        for option, value in REQUIRED.items():
            if any(option in a.option_strings and a.required for a in parser._actions):
                argv += [option, value]
        commands.append(argv)
    return commands


COMMANDS = json_commands() + [
    ["qualify", str(REPO / "examples" / "enterprise.yaml"), "--format", "json"],  # the bundled rules
    ["qualify", str(REPO / "examples" / "enterprise.yaml")],
    ["check", "--format", "json"],
    ["qualify", "{tmp}/broken.yaml", "--rules", CORE, "--diagnostics-format", "json"],
    ["compile", "--rules", CORE],
    ["compile", "--rules", CORE, "--target", "sql"],
    ["report", CORE_PROFILE, "--rules", CORE, "--date", "2026-01-01", "--format", "markdown"],
    ["lint", CORE, "--format", "sarif"],
    ["screen", "{tmp}/profiles", "--rules", CORE, "--out", "{tmp}/awards.jsonl", "--quiet"],
]


def _scratch(tmp: Path) -> None:
    profiles = tmp / "profiles"
    profiles.mkdir(exist_ok=True)
    for path in sorted((FIXTURES / "profiles").glob("*.yaml")):
        shutil.copy(path, profiles / path.name)
    (tmp / "broken.yaml").write_text("企业:\n  年节水量: 5万元\n  未知字段: 1\n  项目:\n    - id: a\n"
                                     "      年节水量: -5吨\n    - id: a\n", encoding="utf-8")


def _outputs(tmp: Path) -> dict[str, bytes]:
    """Files the command wrote, minus wall-clock timings."""
    found = {}
    for path in sorted(tmp.rglob("*")):
        if path.is_file() and "profiles" not in path.parts and path.name != "broken.yaml":
            data = path.read_bytes()
            if path.name.endswith(".summary.json"):
                document = json.loads(data)
                document.pop("seconds", None)
                data = json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
            found[path.name] = data
    return found


def _run(argv: list[str], seed: str, tmp: Path) -> tuple:
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    _scratch(tmp)
    argv = [a.replace("{tmp}", str(tmp)) for a in argv]
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONIOENCODING": "utf-8"}
    env.pop("POLICYLOG_DEBUG", None)
    completed = subprocess.run([sys.executable, "-m", "policylog", *argv], capture_output=True,
                               env=env, cwd=tmp, timeout=300)
    return completed.returncode, completed.stdout, completed.stderr, _outputs(tmp)


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a).replace(f"{REPO}/", "") for a in COMMANDS])
def test_same_input_same_bytes(argv, tmp_path):
    if "<unknown positional arguments>" in argv:
        pytest.skip(f"add the positional arguments of `{argv[0]}` to ARGUMENTS")
    # The same scratch path every run: paths appear in output.
    runs = {seed: _run(argv, seed, tmp_path / "run") for seed in SEEDS}
    code, stdout, stderr, files = runs["0"]
    assert b"Traceback" not in stderr, stderr.decode("utf-8", "replace")
    assert stdout or stderr or files, "the command printed nothing"
    for seed, result in runs.items():
        assert result[0] == code, f"exit code differs with PYTHONHASHSEED={seed}"
        assert result[1] == stdout, f"stdout differs with PYTHONHASHSEED={seed}"
        assert result[2] == stderr, f"stderr differs with PYTHONHASHSEED={seed}"
        assert result[3] == files, f"written files differ with PYTHONHASHSEED={seed}"
    if "--format" in argv and argv[argv.index("--format") + 1] == "json" and stdout:
        json.loads(stdout)  # and it is JSON


def test_the_json_commands_cover_qualify_and_check():
    names = {argv[0] for argv in COMMANDS}
    assert {"qualify", "check"} <= names
