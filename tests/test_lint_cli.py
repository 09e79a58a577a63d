"""`policylog lint` and `policylog diff` as CI and a reviewer meet them: exit codes, SARIF that
validates against the official schema, witness files that `policylog qualify` reproduces."""

import json

import jsonschema
import pytest

from policylog.cli import main

from .conftest import FIXTURES, REPO, RULES

LINT = FIXTURES / "lint"
SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def run(capsys, *argv):
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_bundled_rules_lint_clean(capsys):
    code, out, _ = run(capsys, "lint", RULES)
    assert code == 0, out
    assert out.startswith("lint: clean")


def test_findings_exit_1_and_warnings_alone_exit_0(capsys):
    assert run(capsys, "lint", LINT / "overlap.policy")[0] == 1
    assert run(capsys, "lint", LINT / "subsumption.policy", "--ignore", "unused-attribute")[0] == 0


@pytest.mark.parametrize("argv", [["--select", "L999"], ["--ignore", "no-such-check"],
                                  ["--format", "xml"]])
def test_usage_errors_exit_2(capsys, argv):
    code, _, err = run(capsys, "lint", LINT / "clean.policy", *argv)
    assert code == 2 and err


def test_select_by_code_prefix_and_name(capsys):
    code, out, _ = run(capsys, "lint", LINT / "tiers.policy", "--select", "L4", "--format", "concise")
    assert code == 1
    assert "L401" in out and "L402" in out and "L301" not in out
    code, out, _ = run(capsys, "lint", LINT / "tiers.policy", "--select", "tier-gap",
                       "--format", "concise")
    assert code == 0 and "L402" not in out


def test_rule_file_with_errors_exits_1(capsys, tmp_path):
    (tmp_path / "vocabulary.policy").write_text((LINT / "vocabulary.policy").read_text("utf-8"), "utf-8")
    (tmp_path / "bad.policy").write_text(
        'policy b { default payer 自治区 clause b.1 { text "x" provision b.1 { for 项目 '
        'when 项目.年节水量 >= 5万元 amount 1万元 } } }', "utf-8")
    code, _, err = run(capsys, "lint", tmp_path)
    assert code == 1 and "E101" in err


def test_sarif_is_valid_and_carries_both_locations(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _ = run(capsys, "lint", "tests/fixtures/lint/overlap.policy", "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    run_ = sarif["runs"][0]
    rules = {r["id"]: r for r in run_["tool"]["driver"]["rules"]}
    assert rules["L301"]["name"] == "overlap" and "Why is this bad?" in rules["L301"]["help"]["text"]
    pair = next(r for r in run_["results"]
                if r["properties"]["provisions"] == ["x.1", "x.2"])
    uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in pair["locations"]]
    lines = [loc["physicalLocation"]["region"]["startLine"] for loc in pair["locations"]]
    assert uris == ["tests/fixtures/lint/overlap.policy"] * 2 and lines[0] != lines[1]
    assert pair["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == lines[1]
    assert pair["properties"]["witness"]["verified"]
    suppressed = [r for r in run_["results"] if "suppressions" in r]
    assert {tuple(r["properties"]["provisions"]) for r in suppressed} == {("x.1", "x.4"), ("x.7", "x.8")}
    assert all(s["justification"] for r in suppressed for s in r["suppressions"])


def test_sarif_of_a_static_error_is_valid(capsys, tmp_path):
    (tmp_path / "vocabulary.policy").write_text((LINT / "vocabulary.policy").read_text("utf-8"), "utf-8")
    (tmp_path / "warn.policy").write_text(
        'policy w { default payer 自治区 supersedes nowhere clause w.1 { text "x" provision w.1 '
        '{ for 认定 when 认定.首次 amount 1万元 } } }', "utf-8")
    code, out, _ = run(capsys, "lint", tmp_path, "--format", "sarif")
    sarif = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert any(r["ruleId"] == "W101" for r in sarif["runs"][0]["results"])


def test_witness_dir_profiles_reproduce_both_awards(capsys, tmp_path):
    code, _, err = run(capsys, "lint", LINT / "overlap.policy", "--witness-dir", tmp_path / "w",
                       "--show-acknowledged")
    assert code == 1 and "4 witness profile(s)" in err
    files = sorted((tmp_path / "w").glob("*.yaml"))
    assert [f.name for f in files][0] == "L301-overlap-x.1-x.2.yaml"
    code, out, _ = run(capsys, "qualify", files[0], "--rules", LINT / "overlap.policy",
                       "--format", "json")
    assert code == 0
    paid = {a["provision"] for a in json.loads(out)["awards"]}
    assert {"x.1", "x.2"} <= paid


def test_json_output(capsys):
    code, out, _ = run(capsys, "lint", LINT / "conflict.policy", "--format", "json",
                       "--ignore", "unused-attribute")
    data = json.loads(out)
    assert code == 1 and data["summary"]["errors"] == 2
    conflict = next(f for f in data["findings"] if f["provisions"] == ["old.1", "new.1"])
    assert conflict["code"] == "L302" and conflict["related"][0]["span"]["line"] > 0
    assert set(conflict["witness"]["evidence"]) == {"old.1: 100万元", "new.1: 200万元"}


def test_diff_of_the_bundled_policies(capsys):
    code, out, _ = run(capsys, "diff", "nmg2022", "nmg2026")
    assert code == 0
    assert "clause nmg2022.18 → nmg2026.1.3" in out
    assert "cap: 500万元 → 50% * 项目.投资额, 500万元" in out
    assert "NOT reproduced" not in out and "applicant (verified)" in out
    assert "only in nmg2022" in out and "nmg2022.1  支持企业创新平台建设" in out


def test_diff_json_and_unknown_policy(capsys, tmp_path):
    code, out, _ = run(capsys, "diff", "old", "new", "--rules", LINT / "conflict.policy",
                       "--format", "json", "--witness-dir", tmp_path)
    assert code == 0
    data = json.loads(out)
    family = data["families"][0]
    assert (family["old_clause"], family["new_clause"]) == ("old.3", "new.3")
    impacts = family["provisions"][0]["impacts"]
    assert impacts and all(i["witness"]["verified"] for i in impacts)
    assert list(tmp_path.glob("diff-old.3-new.3-*.yaml"))
    assert run(capsys, "diff", "old", "nope", "--rules", LINT / "conflict.policy")[0] == 2


def test_rules_that_do_not_load_still_give_valid_sarif(capsys, tmp_path):
    (tmp_path / "broken.policy").write_text("policy b { clause", "utf-8")
    code, out, _ = run(capsys, "lint", tmp_path, "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert sarif["runs"][0]["results"][0]["level"] == "error"
