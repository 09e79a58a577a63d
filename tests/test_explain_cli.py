"""`policylog explain`, `whatif`, `report` and `qualify --near-misses` as a user meets them."""

import json

import pytest

from .conftest import FIXTURES, REPO
from .test_cli import run

CORE = str(FIXTURES / "core")
DEMO = str(FIXTURES / "explain")
PROFILE = str(FIXTURES / "profiles" / "core_enterprise.yaml")
MISSES = str(FIXTURES / "profiles" / "core_misses.yaml")


def relative(text: str) -> str:
    return text.replace(str(REPO) + "/", "")


def test_explain_text_json_markdown(capsys):
    code, out, _ = run(capsys, "explain", PROFILE, "nmg2026.1.3", "--rules", CORE,
                       "--record", "节水改造一期")
    assert code == 0 and "applies — 60万元" in out and "core_enterprise.yaml:" in out
    code, out, _ = run(capsys, "explain", MISSES, "nmg2026.1.3", "--rules", CORE, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert out == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"  # stable
    first = next(s for s in data["subjects"] if s["subject"]["id"] == "节水一期")
    assert first["suggestion"]["change"]["set"] == "项目[节水一期].年节水量=5万吨"
    code, out, _ = run(capsys, "explain", MISSES, "nmg2026.1.3", "--rules", CORE,
                       "--format", "markdown")
    assert code == 0 and out.startswith("# nmg2026.1.3 ")


def test_explain_a_clause_explains_each_provision(capsys):
    code, out, _ = run(capsys, "explain", PROFILE, "nmg2022.8", "--rules", CORE, "--no-suggest")
    assert code == 0
    assert all(f"{p}  " in out for p in ("nmg2022.8a", "nmg2022.8b", "nmg2022.8c"))


def test_explain_depth_names_the_cut_nodes(capsys):
    code, out, _ = run(capsys, "explain", PROFILE, "nmg2026.1.3", "--rules", CORE,
                       "--record", "节水改造一期", "--depth", "1")
    assert code == 0 and "cut at depth 1" in out and "节水门槛: 项目.年节水量 >= 5万吨" in out


@pytest.mark.parametrize("argv, message", [
    (["explain", PROFILE, "nmg2026.1.9"], "no provision `nmg2026.1.9`"),
    (["explain", PROFILE, "nmg2022.8a", "--policy", "nmg2026"], "which `--policy` leaves out"),
])
def test_explain_usage_errors(capsys, argv, message):
    code, _, err = run(capsys, *argv, "--rules", CORE)
    assert code == 2 and message in err


def test_explain_unknown_record_is_a_usage_error(capsys):
    code, _, err = run(capsys, "explain", PROFILE, "nmg2026.1.3", "--rules", CORE,
                       "--record", "节水改造二期")
    assert code == 2 and "did you mean `节水改造一期`?" in err


def test_explain_bad_depth_is_a_usage_error(capsys):
    code, _, err = run(capsys, "explain", PROFILE, "nmg2026.1.3", "--depth", "-1", "--rules", CORE)
    assert code == 2 and "depth" in err


def test_qualify_near_misses(capsys):
    code, out, _ = run(capsys, "qualify", MISSES, "--rules", CORE, "--near-misses")
    assert code == 0 and "near misses (8)" in out
    assert "项目.年节水量 4万吨 < 5万吨, short by 1万吨" in out
    code, out, _ = run(capsys, "qualify", MISSES, "--rules", CORE, "--near-misses", "--format", "json")
    misses = json.loads(out)["near_misses"]
    assert {m["provision"] for m in misses} >= {"nmg2026.1.2", "nmg2026.1.3", "nmg2026.6.1"}


def test_qualify_json_unchanged_without_the_flag(capsys):
    _, out, _ = run(capsys, "qualify", PROFILE, "--rules", CORE, "--format", "json")
    assert "near_misses" not in json.loads(out)


def test_whatif_golden(capsys, golden):
    code, out, _ = run(capsys, "whatif", PROFILE, "--rules", CORE,
                       "--set", "项目[节水改造一期].年节水量=4万吨",
                       "--set", "项目[奶酪生产线技改].实际完成投资=3000万元",
                       "--set", "企业.地区=[]", "--set", "喷粉生鲜乳收购量=5万吨")
    assert code == 0
    golden("explain/whatif_core.txt", relative(out))


def test_whatif_gained_award_is_explained(capsys):
    code, out, _ = run(capsys, "whatif", MISSES, "--rules", CORE, "--set", "项目[节水一期].年节水量=6万吨")
    assert code == 0
    assert "+ nmg2026.1.3" in out and "now applies, 60万元" in out
    assert "✔ 节水门槛: 项目.年节水量 >= 5万吨 — 项目.年节水量 6万吨 ≥ 5万吨" in out
    code, out, _ = run(capsys, "whatif", MISSES, "--rules", CORE, "--format", "json",
                       "--set", "项目[节水一期].年节水量=6万吨")
    data = json.loads(out)
    assert [d["status"] for d in data["differences"]] == ["gained"]
    assert data["changes"][0]["from"] == "4万吨" and data["changes"][0]["to"] == "6万吨"


@pytest.mark.parametrize("assignment, code_name", [
    ("年节水量=6万吨", "E322 [ambiguous-target]"),        # several 项目
    ("项目[没有].年节水量=6万吨", "E321 [unknown-target]"),
    ("项目[节水改造一期].年节水量=6", "E303 [missing-unit]"),
    ("项目[节水改造一期].年节水量=6万吨标准煤", "E302 [unit-mismatch]"),
    ("企业.地区=[老区]", "E304 [not-a-member]"),
    ("nonsense", "E320 [bad-assignment]"),
])
def test_whatif_bad_assignments(capsys, assignment, code_name):
    code, _, err = run(capsys, "whatif", PROFILE, "--rules", CORE, "--set", assignment,
                       "--diagnostics-format", "concise")
    assert code == 1 and code_name in err


def test_whatif_needs_a_change(capsys):
    code, _, err = run(capsys, "whatif", PROFILE, "--rules", CORE)
    assert code == 2 and "--set" in err


def test_report_writes_html_and_markdown(capsys, tmp_path):
    html_file, md_file = tmp_path / "r.html", tmp_path / "r.md"
    code, _, err = run(capsys, "report", PROFILE, "--rules", CORE, "-o", str(html_file),
                       "--date", "2026-03-31")
    assert code == 0 and "wrote" in err
    assert html_file.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _, _ = run(capsys, "report", PROFILE, "--rules", CORE, "-o", str(md_file))
    assert code == 0 and md_file.read_text(encoding="utf-8").startswith("# 企业 示例乳业有限公司")


def test_report_format_from_suffix_or_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "report", PROFILE, "--rules", CORE, "-o", str(tmp_path / "r.pdf"))
    assert code == 2 and ".html or .md" in err
    code, out, _ = run(capsys, "report", PROFILE, "--rules", CORE, "--format", "markdown",
                       "--date", "2026-01-02")
    assert code == 0 and "- generated: 2026-01-02" in out


def test_report_date_from_source_date_epoch(capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    code, out, _ = run(capsys, "report", PROFILE, "--rules", CORE, "--format", "markdown")
    assert code == 0 and "- generated: 2026-01-01" in out
