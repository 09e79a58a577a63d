"""The command line as a user meets it: exit codes, messages, never a traceback."""

import json
import subprocess
import sys

import pytest

from policylog.cli import main

from .conftest import FIXTURES, REPO

CORE = str(FIXTURES / "core")
PROFILE = str(FIXTURES / "profiles" / "core_enterprise.yaml")


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_qualify_text(capsys):
    code, out, _ = run(capsys, "qualify", PROFILE, "--rules", CORE)
    assert code == 0
    assert "nmg2026.1.3" in out and "by payer:" in out


def test_qualify_json_and_policy_filter(capsys):
    code, out, _ = run(capsys, "qualify", PROFILE, "--rules", CORE, "--format", "json",
                       "--policy", "nmg2026")
    assert code == 0
    data = json.loads(out)
    assert {a["policy"] for a in data["awards"]} == {"nmg2026"}


def test_unknown_policy_is_a_usage_error(capsys):
    code, _, err = run(capsys, "qualify", PROFILE, "--rules", CORE, "--policy", "nmg2025")
    assert code == 2 and "did you mean `nmg2026`?" in err


def test_profile_error_exit_1_with_position(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("企业:\n  项目:\n    - 年节水量: 6万吨标准煤\n", encoding="utf-8")
    code, _, err = run(capsys, "qualify", str(bad), "--rules", CORE)
    assert code == 1
    assert "error[E302] unit-mismatch" in err and f"{bad}:3:" in err


def test_missing_profile_file(capsys, tmp_path):
    code, _, err = run(capsys, "qualify", str(tmp_path / "nope.yaml"), "--rules", CORE)
    assert code == 1 and "cannot read profile" in err


@pytest.mark.parametrize("argv", [[], ["qualify"], ["qualify", "a", "b"], ["nonsense"],
                                  ["qualify", "x.yaml", "--format", "xml"]])
def test_usage_errors_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "usage:" in err


def test_check_reports_ok(capsys):
    code, out, _ = run(capsys, "check", CORE)
    assert code == 0 and out.startswith("ok: 2 policies")


def test_schema_validates_the_example_profile(capsys):
    import jsonschema
    import yaml

    code, out, _ = run(capsys, "schema", "--rules", CORE)
    assert code == 0
    schema = json.loads(out)
    with open(PROFILE, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    # YAML reads quantities like `12,000吨` as strings already; validate the shape.
    jsonschema.validate(document, schema)
    bad = {"企业": {"项目": [{"年节水量": "6万吨标准煤"}]}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_fmt_prints_canonical_form(capsys):
    code, out, _ = run(capsys, "fmt", str(FIXTURES / "core" / "nmg2026.policy"))
    assert code == 0 and out.startswith("policy nmg2026 {")


def test_console_script_runs_as_module():
    result = subprocess.run([sys.executable, "-m", "policylog", "check", CORE],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
