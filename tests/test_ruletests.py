"""`policylog test` and `policylog clauses`: the rule-test format, failures, coverage, reports."""

import json
import shutil
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from policylog.dsl.diagnostics import PolicylogError
from policylog.dsl.loader import load_rule_base
from policylog.engine.coverage import CheckEvaluator
from policylog.engine.inventory import load_manifest
from policylog.engine.profiles import load_profile_text
from policylog.engine.qualify import PolicyEngine
from policylog.engine.ruletests import RuleTestRunner, load_rule_tests, rule_test_files

from .conftest import FIXTURES, REPO, RULES
from .test_cli import run

# Relative paths keep file names in the output (and the golden files) machine-independent.
CORE = "tests/fixtures/ruletests/core"
FAILING = "tests/fixtures/ruletests/failing"


@pytest.fixture(autouse=True)
def at_repository_root(monkeypatch):
    monkeypatch.chdir(REPO)


def rule_dir(tmp_path, cases: str, name: str = "cases.yaml"):
    """The frozen core rules with one test file of `cases`."""
    for policy in (FIXTURES / "core").glob("*.policy"):
        shutil.copy(policy, tmp_path / policy.name)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / name).write_text(cases, encoding="utf-8")
    return tmp_path


# ---- passing suite, golden output ------------------------------------------------------------

def test_core_fixture_passes_with_complete_coverage(capsys, golden):
    code, out, err = run(capsys, "test", CORE)
    assert code == 0, out + err
    assert "FAIL" not in out
    assert "24 cases: 24 passed, 0 failed; every executable provision has" in out
    golden("test/core.out", out)


def test_failing_fixture_exit_code_and_derivations(capsys, golden):
    code, out, _ = run(capsys, "test", FAILING)
    assert code == 1
    assert "5 cases: 1 passed, 4 failed" in out
    # a wrong amount shows the derivation that produced it
    assert f"{FAILING}/tests/wrong.yaml:19: `nmg2026.1.3` for 项目 `节水`: expected 70万元, got 60万元" in out
    assert "10元/吨 × 项目.年节水量 = 10元/吨 × 60,000吨 = 60万元" in out
    # a missing award says which check failed, and the facts it read
    assert "expected `nmg2026.1.3` for 项目 `节水`: not granted" in out
    assert "✘ 节水门槛: 项目.年节水量 >= 5万吨" in out
    assert f"项目.年节水量 = 4万吨  [{FAILING}/tests/wrong.yaml:28:17]" in out
    assert "项目.投资额: not given" in out
    # a rejected award that fired shows why it fired
    assert "`nmg2022.8a` must not be granted for 项目 `技改`, but it is" in out
    assert "投资门槛: 企业.地区 has 革命老区 (exception applies)" in out
    assert "did you mean `节水改造`?" in out
    golden("test/failing.out", out)


def test_junit_xml(capsys, tmp_path):
    report = tmp_path / "junit.xml"
    code, _, _ = run(capsys, "test", FAILING, "--junit", str(report))
    assert code == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    suite = root.find("testsuite[@name='tests/fixtures/ruletests/failing/tests/wrong.yaml']")
    assert (suite.get("tests"), suite.get("failures")) == ("5", "4")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["passes"].find("failure") is None
    assert cases["wrong amount"].get("line") == "12"
    failure = cases["wrong amount"].find("failure")
    assert failure.get("message") == "`nmg2026.1.3` for 项目 `节水`: expected 70万元, got 60万元"
    assert "arithmetic:" in failure.text and "cap: 500万元" in failure.text
    assert "✘ 节水门槛" in cases["below the threshold yet expected"].find("failure").text
    coverage = root.find("testsuite[@name='coverage']")
    assert coverage.get("tests") == "10" and coverage.get("failures") == "10"
    assert int(root.get("tests")) == 15 and int(root.get("failures")) == 14


def test_junit_passing_suite(capsys, tmp_path):
    report = tmp_path / "junit.xml"
    code, _, _ = run(capsys, "test", CORE, "--junit", str(report), "--format", "json")
    assert code == 0
    root = ET.parse(report).getroot()
    assert root.get("failures") == "0"
    assert len(root.findall(".//testcase")) == 24 + 12  # cases + executable provisions


def test_json_report(capsys):
    code, out, _ = run(capsys, "test", FAILING, "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["format"] == "policylog.test"
    assert data["summary"] == {**data["summary"], "cases": 5, "passed": 1, "failed": 4, "ok": False}
    below = next(c for c in data["cases"] if c["name"] == "below the threshold yet expected")
    (failure,) = below["failures"]
    assert failure["line"] == 30
    (why,) = failure["why_not"]
    assert why["subject"][-1] == {"kind": "项目", "id": "节水"}
    conditions = [check["condition"] for check in why["alternatives"][0]]
    assert conditions == ["项目.年节水量 >= 5万吨", "项目.投资额"]
    wrong = next(c for c in data["cases"] if c["name"] == "wrong amount")
    assert wrong["failures"][0]["awards"][0]["amount"]["text"] == "60万元"
    assert "nmg2026.1.1" in data["coverage"]["incomplete"]


# ---- semantics ------------------------------------------------------------------------------

def test_passing_cases_without_rejections_still_fail_on_coverage(capsys, tmp_path):
    rules = rule_dir(tmp_path, """
- name: 节水
  profile:
    企业: {id: 甲, 项目: [{id: P, 节水技术改造项目: true, 年节水量: 6万吨, 投资额: 800万元}]}
  expect: [{provision: nmg2026.1.3, subject: P, amount: 60万元}]
""")
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 1
    assert "1 case: 1 passed, 0 failed; 10 executable provisions lack" in out
    assert "executable provisions no case made fire: 9 (" in out
    assert "provisions no case rejected: 10 (" in out


def outcome_run(tmp_path, cases: str):
    rules = rule_dir(tmp_path, cases)
    rule_base = load_rule_base(rules)
    return RuleTestRunner(rule_base).run(load_rule_tests(rule_test_files(rules), rule_base))


def test_only_a_deciding_failure_covers_a_condition(tmp_path):
    run_ = outcome_run(tmp_path, """
- name: everything missing
  profile:
    企业: {id: 甲, 项目: [{id: 空}]}
  reject: [nmg2026.1.3]
- name: only the threshold fails
  profile:
    企业: {id: 甲, 项目: [{id: 少, 节水技术改造项目: true, 年节水量: 4万吨, 投资额: 800万元}]}
  reject: [{provision: nmg2026.1.3, subject: 少}]
""")
    assert not run_.failed
    never = [(ref.provision, ref.condition) for ref in run_.coverage.conditions_never_failed
             if ref.provision == "nmg2026.1.3"]
    # the first case rejects with every check failing: it decides nothing
    assert never == [("nmg2026.1.3", "项目.节水技术改造项目")]
    assert "nmg2026.1.3" in run_.coverage.rejected and "nmg2026.1.3" not in run_.coverage.fired


def test_exception_boundaries_cover_the_triggers(tmp_path):
    run_ = outcome_run(tmp_path, """
- name: 1500万元 without a region tag
  profile:
    企业:
      id: 甲
      项目: [{id: P, 技术改造项目: true, 属于先进制造业集群或优势特色产业链: true, 实际完成投资: 1500万元}]
  reject: [nmg2022.8a]
""")
    never = {ref.condition for ref in run_.coverage.conditions_never_failed
             if ref.provision == "nmg2022.8a"}
    # 1500万元 fails only the 2000万元 threshold, and only the trigger of each lowered threshold
    assert "项目.实际完成投资 >= 2000万元" not in never
    assert "企业.地区 has 革命老区" not in never and "企业.地区 has 脱贫地区" not in never
    assert "项目.实际完成投资 >= 1000万元" in never


def test_amount_ranges_subjects_and_stacking(tmp_path):
    run_ = outcome_run(tmp_path, """
- name: two standards, total cap
  profile:
    企业:
      id: 甲
      标准: [{id: A, 角色: 主导, 级别: 国际标准}, {id: B, 角色: 主导, 级别: 国际标准}]
  expect:
    - {provision: nmg2022.3a, subject: B, amount: [20万元, 20万元]}
    - {provision: nmg2022.3a, amount: 30万元}
""")
    (result,) = run_.results
    (failure,) = result.failures  # 3a fires twice: an expectation without subject is ambiguous
    assert "granted 2 times (A, B); name the `subject`" in failure.message
    assert failure.span.line == 9


def test_informational_expectations(tmp_path):
    shutil.copy(REPO / CORE / "demo.policy", tmp_path / "demo.policy")
    run_ = outcome_run(tmp_path, """
- name: informational award
  profile: {企业: {id: 甲, 制造业: true}}
  expect:
    - {provision: demo.1, informational: true}
- name: an amount expected from an informational provision
  profile: {企业: {id: 甲, 制造业: true}}
  expect:
    - {provision: demo.1, amount: 1万元}
- name: not paid without saying so
  profile:
    企业: {id: 甲, 项目: [{id: P, 已完工: true, 投资额: 100万元, 智能工厂或数字化车间项目: true}]}
  expect:
    - {provision: demo.2a, subject: P}
""")
    passed, amount, excluded = run_.results
    assert passed.passed
    assert amount.failures[0].message == "`demo.1` for 企业 `甲`: expected 1万元, got an informational award"
    assert excluded.failures[0].message == ("`demo.2a` for 项目 `P`: granted but not paid "
                                           "(demo.2b is paid instead)")
    assert excluded.failures[0].awards[0].provision == "demo.2a"


def test_expected_award_for_a_missing_kind(tmp_path):
    run_ = outcome_run(tmp_path, """
- name: no projects at all
  profile: {企业: {id: 甲}}
  expect: [nmg2026.1.3]
""")
    (failure,) = run_.results[0].failures
    assert failure.message == ("expected `nmg2026.1.3` for any `项目`: not granted; the profile has "
                               "no `项目` record")


# ---- format errors, all reported with their lines -------------------------------------------

def test_format_errors_are_diagnostics_with_lines(capsys, tmp_path):
    rules = rule_dir(tmp_path, """
- name: typos
  profil: {企业: {id: 甲}}
  profile: {企业: {id: 甲, 项木: []}}
  expect:
    - {provision: nmg2026.1.33, amount: 50万}
    - {provision: nmg2026.1.3, amount: 50吨}
    - {provision: nmg2026.1.3, informational: true}
  reject: [{provision: nmg2026.1.3, subjct: x}]
- name: typos
  profile_file: nowhere.yaml
  expect: [nmg2026.1.3]
- name: silent
  profile: {企业: {id: 甲}}
""")
    code, out, err = run(capsys, "test", str(rules))
    assert code == 1 and out == ""
    file = f"{rules}/tests/cases.yaml"
    for expected in (
            f"error[E602] bad-test-shape: a case has no key `profil`\n  --> {file}:3:3",
            "did you mean `profile`?",
            f"error[E301] unknown-field: `企业` has no field `项木`\n  --> {file}:4:25",
            f"error[E603] unknown-provision: no provision `nmg2026.1.33` in the rule base\n  --> {file}:6:19",
            "did you mean `nmg2026.1.3`?",
            f"error[E604] bad-amount: `50万` is not an amount of money\n  --> {file}:6:41",
            "error[E604] bad-amount: `50吨` is not an amount of money",
            "error[E602] bad-test-shape: `nmg2026.1.3` computes an amount; it is not informational",
            "error[E602] bad-test-shape: a `reject` item has no key `subjct`",
            "cannot read profile",
            "error[E602] bad-test-shape: case `silent` asserts nothing"):
        assert expected in err, expected


def test_duplicate_names_and_syntax_errors(tmp_path):
    rules = rule_dir(tmp_path, """
- name: same
  profile: {企业: {id: 甲}}
  reject: [nmg2026.6.1]
- name: same
  profile: {企业: {id: 乙}}
  reject: [nmg2026.6.1]
""")
    (rules / "tests" / "broken.yaml").write_text("- name: [unclosed\n", encoding="utf-8")
    rule_base = load_rule_base(rules)
    with pytest.raises(PolicylogError) as caught:
        load_rule_tests(rule_test_files(rules), rule_base)
    codes = sorted((d.code, d.span.line) for d in caught.value.diagnostics)
    assert codes == [("E601", 1), ("E605", 5)]  # end-of-stream errors point at the last line


def test_no_tests_directory(capsys, tmp_path):
    for policy in (FIXTURES / "core").glob("*.policy"):
        shutil.copy(policy, tmp_path / policy.name)
    code, out, _ = run(capsys, "test", str(tmp_path))
    assert code == 1
    assert "no rule tests found" in out and "0 cases: 0 passed, 0 failed" in out


# ---- per-check evaluation ---------------------------------------------------------------------

def test_checks_inside_exists_and_not(tmp_path):
    for policy in ("vocabulary.policy",):
        shutil.copy(FIXTURES / "core" / policy, tmp_path / policy)
    (tmp_path / "t.policy").write_text('''
policy t {
  default payer 自治区
  clause t.1 {
    title "exists and not"
    text """t"""
    provision t.1 {
      when exists 认定 (认定.类型 = 智能工厂 and 认定.首次)
      when not 企业.地区 has 脱贫地区
      amount 1万元
    }
  }
}
''', encoding="utf-8")
    rule_base = load_rule_base(tmp_path)
    engine = PolicyEngine(rule_base)
    evaluator = CheckEvaluator(engine.program, set(rule_base.kinds))
    profile = load_profile_text("""
企业:
  id: 甲
  地区: [脱贫地区]
  认定:
    - {id: R, 类型: 智能工厂, 首次: false}
""", rule_base)
    (outcome,) = evaluator.evaluate(profile, ["t.1"])["t.1"]
    checks = outcome.alternatives[0]
    # the 认定 record exists and is a 智能工厂, but not the first; the region is 脱贫地区
    assert [o.check.description for o in checks][0] == "a `认定` record of this `企业`"
    assert [o.holds for o in checks] == [True, True, False, False]
    assert checks[3].check.negated
    assert outcome.subject == (("企业", "甲"),)
    assert not engine.qualify(profile).awards


# ---- clauses ----------------------------------------------------------------------------------

def test_clauses_core_fixture(capsys, golden):
    code, out, _ = run(capsys, "clauses", CORE)
    assert code == 0
    assert out.rstrip().endswith("9 of 9 clauses; 8 executable, 1 informational")
    assert "  demo.1        informational 优先推荐" in out
    assert "provisions: nmg2022.8a, nmg2022.8b, nmg2022.8c" in out
    golden("clauses/core.out", out)


def test_clauses_missing_ids_exit_1(capsys):
    code, out, _ = run(capsys, "clauses", FAILING)
    assert code == 1
    assert "  missing: nmg2026.2.1" in out
    assert out.rstrip().endswith("missing: nmg2026.2.1")


def test_clauses_json_and_policy_filter(capsys):
    code, out, _ = run(capsys, "clauses", CORE, "--format", "json", "--policy", "demo")
    assert code == 0
    data = json.loads(out)
    assert [p["id"] for p in data["policies"]] == ["demo"]
    (policy,) = data["policies"]
    assert [(c["id"], c["status"]) for c in policy["clauses"]] == [("demo.1", "informational"),
                                                                   ("demo.2", "executable")]
    assert data["summary"]["text"] == "2 of 2 clauses; 1 executable, 1 informational"


def test_clauses_of_one_file_ignore_other_policies(capsys):
    code, out, _ = run(capsys, "clauses", f"{CORE}/nmg2026.policy")
    assert code == 0
    assert "nmg2022" not in out and out.rstrip().endswith("5 of 5 clauses; 5 executable, 0 informational")


def test_bundled_manifest_lists_every_seed_clause():
    manifest = load_manifest(RULES / "manifest.yaml")
    assert manifest["nmg2022"].expected_clauses == tuple(f"nmg2022.{i}" for i in range(1, 31))
    sections = {1: 4, 2: 3, 3: 2, 4: 3, 5: 2, 6: 5}  # 2026: section 一…六 → items
    assert manifest["nmg2026"].expected_clauses == tuple(
        f"nmg2026.{s}.{i}" for s, n in sections.items() for i in range(1, n + 1))
    assert manifest["nmg2026"].seed == "000_32fa1990c0bebd65.txt"


def test_bundled_clauses_command_counts_against_the_manifest(capsys):
    code, out, _ = run(capsys, "clauses", "--format", "json")
    data = json.loads(out)
    assert data["summary"]["expected"] == 49
    assert code == (1 if data["summary"]["missing"] else 0)


def test_bad_manifest(capsys, tmp_path):
    for policy in (FIXTURES / "core").glob("*.policy"):
        shutil.copy(policy, tmp_path / policy.name)
    (tmp_path / "manifest.yaml").write_text("policies:\n  nmg2026: {seed: x}\n", encoding="utf-8")
    code, _, err = run(capsys, "clauses", str(tmp_path))
    assert code == 1 and "error[E611] bad-manifest: policy `nmg2026` needs an `expected_clauses` list" in err


def test_amounts_are_exact_decimals(tmp_path):
    run_ = outcome_run(tmp_path, """
- name: 喷粉 0.5吨 bought
  profile: {企业: {id: 甲, 乳制品加工企业: true, 按合同量收购生鲜乳: true, 喷粉生鲜乳收购量: 0.5吨}}
  expect: [{provision: nmg2026.6.1, amount: 50元}]
""")
    assert run_.results[0].passed
    assert run_.results[0].test.expect[0].amount.low == Decimal(50)
