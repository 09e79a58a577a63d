"""Untrusted text is data: code planted in every string position of rules and profiles never runs.

Payloads go into every place a rule file or a profile holds text — names, quoted strings, record
ids, values, keys, YAML tags — and the whole pipeline runs over them (check, compile, qualify,
explain, report, the renderers) with `eval`, `exec` and `compile` made to raise. A payload that ran
would leave a marker file, stop the process, or show up evaluated (`49` for `{{7*7}}`); the
planted text must come out exactly as it went in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policylog.dsl.diagnostics import PolicylogError
from policylog.dsl.loader import load_rule_base
from policylog.engine.profiles import load_profile_text
from policylog.engine.qualify import PolicyEngine
from policylog.engine.render import dumps, render_text, result_to_json

from ..conftest import REPO
from .harness import SUBCOMMANDS_NOW, assert_well_formed, run, yaml_lines
from .rulegen import quote


def payloads(marker: Path) -> list[str]:
    return [
        f"__import__('os').system('touch {marker}')",
        f"__import__('pathlib').Path('{marker}').touch()",
        "{{7*7}}", "${7*7}", "#{7*7}", "<%= 7*7 %>", "{7*7}", "%(x)s%s%n",
        '"; import os; os._exit(9) #',
        f"'); open('{marker}', 'w'); ('",
        f"$(touch {marker})", f"`touch {marker}`", f"; touch {marker}",
        "{0.__class__.__mro__}", "{x.__globals__}",
        "'; DROP TABLE profiles; --", "\" OR 1=1 --",
        "<script>alert(1)</script>", "]]></x><!--", "\x1b[2J\x1b[31m",
        "\\", '"""', "\\x00\\n", "\u202eevil", "𠀀",
    ]


# Names are identifiers, so the payloads there are the identifiers that mean something to Python
# or pyDatalog: builtins, dunders, a leading capital or underscore (a pyDatalog variable), the
# names pyDatalog reserves for itself.
NAMES = ["__import__", "eval", "exec", "os", "system", "__class__", "__builtins__", "_pyD_query",
         "True", "False", "None", "X", "_", "Logic", "pyDatalog", "self", "lambda"]


def rule_files(payload: str) -> dict[str, str]:
    """A rule base with the payload in every quoted string and Python-ish words as its names."""
    q = lambda: quote(payload, triple="\n" in payload)  # noqa: E731
    vocabulary = f"""
dimension 金额 base 元
dimension 质量 base 吨
unit 万吨 = 10000吨
payer False {q()}
payer lambda {q()}
subject __import__ {q()}
subject os of __import__ {q()}
enum __builtins__ {{ _pyD_query, True, X, None }} {q()}
attribute __import__.eval: text {q()}
attribute __import__.exec: bool {q()}
attribute __import__.__class__: __builtins__ {q()}
attribute __import__.Logic: set of __builtins__ {q()}
attribute os.pyDatalog: decimal 吨 {q()}
attribute os.self: text per year {q()}
"""
    policy = f"""
policy nmg2026 {{
  title {q()}
  year 2026
  status {q()}
  default payer False
  not cumulative nmg2026.1a, nmg2026.1b {q()}
  allow tier-gap nmg2026.1a {q()}
  clause nmg2026.1 {{
    title {q()}
    text {q()}
    note {q()}
    provision nmg2026.1a {q()} {{
      for __import__
      when __import__.eval = {q()} or __import__.eval in {{{q()}, "x"}} or __import__.eval = "x"
      when __import__.exec
      amount by __import__.__class__ {{ _pyD_query: 10元, "True": 20元, X: 30元 }}
      note {q()}
    }}
    provision nmg2026.1b {q()} {{
      for os
      when os.pyDatalog >= 1吨
      when __import__.Logic has X or __import__.Logic has "True" or not __import__.Logic has None
      amount 10元/吨 * os.pyDatalog
      cap 1万吨 * 1元/吨
      payer False 50%, lambda 50%
    }}
    total cap 100元 per __import__ over nmg2026.1a, nmg2026.1b
  }}
  clause nmg2026.2 {{
    title {q()}
    text {q()}
    provision nmg2026.2 {q()} {{
      for os
      when os.self[2025] = {q()}
      informational {q()}
    }}
  }}
}}
"""
    return {"vocabulary.policy": vocabulary, "nmg2026.policy": policy}


def profile_text(payload: str, marker: Path) -> str:
    """A profile with the payload as ids, values, unknown keys and set members, plus YAML tags."""
    p = json.dumps(payload, ensure_ascii=False)
    return f"""__import__:
  id: {p}
  eval: {p}
  exec: true
  __class__: True
  Logic: [None, X, {p}]
  {p}: {p}
  os:
    - id: {p}
      pyDatalog: 5吨
      self: {{2025: {p}}}
    - id: "{p[1:-1]}-2"
      pyDatalog: !!python/object/apply:os.system ["touch {marker}"]
    - id: !!python/name:os.system
      pyDatalog: "1,000吨"
"""


def clean_profile_text(payload: str) -> str:
    """The same without the parts that must be refused, so the whole pipeline runs to the end."""
    p = json.dumps(payload, ensure_ascii=False)
    return f"""__import__:
  id: {p}
  eval: {p}
  exec: true
  __class__: True
  Logic: [None, X]
  os:
    - id: {p}
      pyDatalog: 5吨
      self: {{2025: {p}}}
"""


@pytest.fixture
def marker(tmp_path) -> Path:
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a planted payload ran"


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("index", range(len(payloads(Path("m")))))
def test_planted_code_never_runs(index, tmp_path, marker, no_dynamic_code, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = payloads(marker)[index]
    with no_dynamic_code():
        _run_everything(payload, marker, tmp_path)
    assert not marker.exists()


def _run_everything(payload: str, marker: Path, tmp_path: Path) -> None:
    rules = _write(tmp_path / "rules", rule_files(payload))
    rule_base = load_rule_base(rules)
    engine = PolicyEngine(rule_base)

    # The hostile profile is refused with clear diagnostics, and nothing in it runs.
    hostile = profile_text(payload, marker)
    with pytest.raises(PolicylogError) as raised:
        load_profile_text(hostile, rule_base, "hostile.yaml")
    assert_well_formed(raised.value.diagnostics, {"hostile.yaml": hostile}, lines_of=yaml_lines)

    # The clean one qualifies; the planted text comes out exactly as it went in.
    profile = load_profile_text(clean_profile_text(payload), rule_base, "clean.yaml")
    assert profile.root.id == payload.strip() and profile.root.values["eval"] == payload
    result = engine.qualify(profile)
    paid = {(a.provision, a.subject_id) for a in result.awards}
    assert paid == {("nmg2026.1a", payload.strip()), ("nmg2026.1b", payload.strip()),
                    ("nmg2026.2", payload.strip())}, paid
    document = json.loads(dumps(result_to_json(result)))
    titles = {a["title"] for a in document["awards"]}
    assert titles == {payload}, titles
    text = render_text(result)
    if payload in ("{{7*7}}", "${7*7}", "#{7*7}", "<%= 7*7 %>", "{7*7}"):
        assert payload in text and "49" not in text

    # Every command that reads these files, in this process, with eval/exec/compile refused.
    profile_path = tmp_path / "clean.yaml"
    profile_path.write_text(clean_profile_text(payload), encoding="utf-8")
    hostile_path = tmp_path / "hostile.yaml"
    hostile_path.write_text(hostile, encoding="utf-8")
    for argv in (["check", str(rules), "--format", "json"],
                 ["qualify", str(profile_path), "--rules", str(rules), "--format", "json"],
                 ["qualify", str(hostile_path), "--rules", str(rules), "--diagnostics-format", "json"],
                 ["qualify", str(profile_path), "--rules", str(rules), "--near-misses"],
                 ["explain", str(profile_path), "nmg2026.1a", "--rules", str(rules), "--format", "json"],
                 ["explain", str(profile_path), "nmg2026.1b", "--rules", str(rules)],
                 ["whatif", str(profile_path), "--rules", str(rules), "--set", f"__import__.eval={payload}"],
                 ["report", str(profile_path), "--rules", str(rules), "-o", str(tmp_path / "r.html")],
                 ["fmt", str(rules / "nmg2026.policy")],
                 ["schema", "--rules", str(rules)],
                 ["compile", "--rules", str(rules)],
                 ["clauses", str(rules)]):
        if argv[0] not in SUBCOMMANDS_NOW:
            continue
        result = run(argv)
        result.assert_no_traceback()
        assert result.code in (0, 1, 2), (argv, result)




def test_a_real_process_survives_the_payloads(tmp_path, marker):
    """`os._exit(9)` and friends, through the installed command in its own process."""
    for index, payload in enumerate(payloads(marker)):
        rules = _write(tmp_path / f"rules{index}", rule_files(payload))
        profile = tmp_path / f"p{index}.yaml"
        profile.write_text(profile_text(payload, marker), encoding="utf-8")
        clean = tmp_path / f"c{index}.yaml"
        clean.write_text(clean_profile_text(payload), encoding="utf-8")
        for argv, expected in (([str(clean), "--format", "json"], 0), ([str(profile)], 1)):
            completed = subprocess.run([sys.executable, "-m", "policylog", "qualify", *argv, "--rules", str(rules)],
                                       capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
                                       cwd=tmp_path, timeout=120)
            assert completed.returncode == expected, (payload, completed.stderr.decode("utf-8", "replace"))
            assert b"Traceback" not in completed.stderr
            if expected == 0:
                titles = {a["title"] for a in json.loads(completed.stdout)["awards"]}
                assert titles == {payload}
    assert not marker.exists()


# ---- the source never evaluates text ---------------------------------------------------------

FORBIDDEN = re.compile(r"(?<![\w.])(eval|exec|compile)\(|pyDatalog\.(load|ask)\(|create_terms\(|"
                       r"__import__\(|importlib\.import_module\(|yaml\.(load|unsafe_load|full_load)\(|"
                       r"pickle\.loads?\(|marshal\.loads?\(|shell=True|os\.system\(")


def test_the_source_never_evaluates_text():
    """No eval/exec/compile, no pyDatalog text API, no unsafe YAML, no shell in policylog's code."""
    offenders = []
    for folder in ("dsl", "engine", "policylog", "rules"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if FORBIDDEN.search(code) and not re.search(r"re\.compile\(|\.compile\(self|def compile\(", code):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
