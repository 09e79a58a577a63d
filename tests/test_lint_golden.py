"""Golden output of `policylog lint` on small rule files written to trigger each check (and, in
the same files, cases that must not trigger it). Regenerate with `pytest --update-golden`."""

import json

import pytest

from policylog.cli import main

from .conftest import REPO

LINT = "tests/fixtures/lint"

CASES = {
    # case: (extra arguments, expected exit code)
    "overlap": (["--ignore", "unused-attribute"], 1),
    "conflict": (["--ignore", "unused-attribute"], 1),
    "unsatisfiable": (["--ignore", "unused-attribute"], 1),
    "subsumption": (["--ignore", "unused-attribute"], 0),
    "tiers": (["--ignore", "unused-attribute"], 1),
    "acknowledgements": (["--select", "unused-attribute,unused-acknowledgement,overlap"], 0),
    "clean": (["--ignore", "unused-attribute"], 0),
}


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(autouse=True)
def in_repo(monkeypatch):
    monkeypatch.chdir(REPO)  # spans print as tests/fixtures/lint/…, the same on every machine


@pytest.mark.parametrize("case", sorted(CASES))
def test_lint_text(case, capsys, golden):
    extra, expected = CASES[case]
    code, out, _ = run(capsys, "lint", f"{LINT}/{case}.policy", "--show-acknowledged", *extra)
    golden(f"lint/{case}.out", out)
    assert code == expected


@pytest.mark.parametrize("case", ["overlap", "conflict"])
def test_lint_concise(case, capsys, golden):
    extra, expected = CASES[case]
    code, out, _ = run(capsys, "lint", f"{LINT}/{case}.policy", "--format", "concise", *extra)
    golden(f"lint/{case}.concise.out", out)
    assert code == expected


def test_lint_json(capsys, golden):
    code, out, _ = run(capsys, "lint", f"{LINT}/overlap.policy", "--format", "json",
                       "--show-acknowledged", "--ignore", "unused-attribute")
    golden("lint/overlap.json", out)
    data = json.loads(out)
    assert code == 1
    assert data["summary"]["errors"] == 2 and data["summary"]["acknowledged"] == 2
    pair = next(f for f in data["findings"] if f["provisions"] == ["x.1", "x.2"])
    assert pair["witness"]["verified"] and "项目:" in pair["witness"]["profile"]


def test_diff_text(capsys, golden):
    code, out, _ = run(capsys, "diff", "old", "new", "--rules", f"{LINT}/conflict.policy")
    golden("lint/diff-old-new.out", out)
    assert code == 0
