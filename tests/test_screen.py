"""`policylog screen`: layouts, bad rows, summary arithmetic, and reproduction with qualify."""

import csv
import json

from policylog.cli import main
from policylog.engine.profiles import load_profile_text
from policylog.engine.qualify import PolicyEngine

from .conftest import FIXTURES

CORE = str(FIXTURES / "core")

GOOD = {"企业": {"id": "E1", "地区": ["革命老区"], "项目": [
    {"id": "P", "节水技术改造项目": True, "年节水量": "6万吨", "投资额": "800万元"},
    {"id": "Q", "技术改造项目": True, "属于先进制造业集群或优势特色产业链": True, "实际完成投资": "1500万元"}]}}
BAD = {"企业": {"id": "E2", "项目": [{"id": "P", "年节水量": "-6万吨"}, {"id": "R", "投资额": "3千"}]}}


def test_jsonl_screen_with_bad_rows_and_reproduction_by_qualify(tmp_path, capsys):
    register = tmp_path / "r.jsonl"
    lines = [json.dumps(GOOD, ensure_ascii=False), "not json", json.dumps(BAD, ensure_ascii=False),
             json.dumps({"企业": {"项目": []}}, ensure_ascii=False)]
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "awards.csv"
    assert main(["screen", str(register), "--rules", CORE, "--out", str(out)]) == 0
    summary = json.loads((tmp_path / "awards.csv.summary.json").read_text(encoding="utf-8"))
    p = summary["profiles"]
    assert p == {"read": 4, "screened": 1, "rejected": 3, "granted": 1}
    errors = list(csv.DictReader(open(tmp_path / "awards.csv.errors.csv", encoding="utf-8")))
    codes = {(e["row"], e["code"]) for e in errors}
    assert {("2", "E300"), ("3", "E305"), ("3", "E302"), ("4", "E330")} <= codes
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert {(r["provision"], r["subject_id"]) for r in rows} == {("nmg2026.1.3", "P"), ("nmg2022.8a", "Q")}
    # every row is reproduced by `qualify` on the profile at profile_row
    engine = PolicyEngine(__import__("policylog.dsl.loader", fromlist=["x"]).load_rule_base(CORE))
    for row in rows:
        text = lines[int(row["profile_row"]) - 1]
        result = engine.qualify(load_profile_text(text, engine.rule_base))
        award = next(a for a in result.awards if a.provision == row["provision"]
                     and a.subject_id == row["subject_id"])
        assert str(award.amount.low.normalize()) == str(__import__("decimal").Decimal(row["amount_low"]).normalize())
    assert "3 rejected" in capsys.readouterr().out


def test_csv_tables_with_units_in_headers(tmp_path):
    (tmp_path / "企业.csv").write_text("id,地区\nE1,革命老区\nE2,\n", encoding="utf-8")
    (tmp_path / "项目.csv").write_text(
        "id,企业,节水技术改造项目,年节水量(万吨),投资额（万元）\nP,E1,是,6,800\nP,E2,true,4,100\nX,E9,true,1,1\n",
        encoding="utf-8")
    out = tmp_path / "a.jsonl"
    assert main(["screen", str(tmp_path), "--rules", CORE, "--out", str(out), "--quiet"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["root_id"], r["provision"], r["amount_low"]) for r in rows] == [("E1", "nmg2026.1.3", "600000")]
    summary = json.loads((tmp_path / "a.jsonl.summary.json").read_text(encoding="utf-8"))
    assert summary["profiles"]["read"] == 2 and summary["orphan_rows"] == 1


def test_generator_smoke(tmp_path):
    import sys
    sys.path.insert(0, str(FIXTURES.parent.parent / "benchmarks"))
    from generate_register import generate

    counts = generate(50, tmp_path / "reg", "parquet")
    assert counts["企业"] == 50
    assert main(["screen", str(tmp_path / "reg"), "--out", str(tmp_path / "a.parquet"), "--quiet"]) == 0
