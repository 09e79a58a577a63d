"""`policylog screen` as a service centre uses it, on the bundled rules: every register layout
gives the same awards, every output format the same rows, the summary adds up (read = screened +
rejected, totals by provision = by clause = by policy = by payer = the awards file), the errors
file names the row and the reason, a progress line shows on a terminal only, and
`explain --row N` on an awards row gives that row's answer and amount."""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from policylog.cli import main

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate_register import generate  # noqa: E402

ENTERPRISES = 1500  # enough for the generator's deliberately invalid rows (4 at this size)
PARKS_AND_CLUSTERS = 16  # the generator's other root records at this size: 10 园区 and 6 集群

# Two profiles the generator does not make: one project paid by three routes of （八） (`not
# cumulative`: the largest is paid, the others are excluded) and standards over the 50万元 a year
# of （三） (`total cap`).
STACKED = {"企业": {"id": "S-stack", "申报年度": "2026", "盟市": "包头市", "制造业": "true", "项目": [
    {"id": "P1", "技术改造项目": "true", "属于先进制造业集群或优势特色产业链": "true",
     "实际完成投资": "2500万元", "智能工厂或数字化车间项目": "true", "机器换人项目": "true",
     "工业机器人购置费用": "1000万元"}]}}
CAPPED = {"企业": {"id": "S-cap", "申报年度": "2026", "盟市": "包头市", "标准": [
    {"id": "ISO-1", "角色": "主导", "级别": "国际标准"},
    {"id": "GB-2", "角色": "主导", "级别": "国家标准"},
    {"id": "HB-3", "角色": "参与", "级别": "行业标准"}]}}


@pytest.fixture(scope="module")
def registers(tmp_path_factory) -> dict[str, Path]:
    """The same generated register in every layout `screen` reads."""
    base = tmp_path_factory.mktemp("registers")
    out = {"parquet": base / "parquet", "csv": base / "csv", "duckdb": base / "register.duckdb",
           "jsonl": base / "register.jsonl"}
    for fmt, path in out.items():
        generate(ENTERPRISES, path, fmt)
    with open(out["jsonl"], "a", encoding="utf-8") as stream:
        for profile in (STACKED, CAPPED):
            stream.write(json.dumps(profile, ensure_ascii=False) + "\n")
    # a directory of profile files: the first 40 lines and the two above, one file each
    folder = base / "profiles"
    folder.mkdir()
    lines = out["jsonl"].read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[:40] + lines[-2:], 1):
        (folder / f"{number:03d}.json").write_text(line + "\n", encoding="utf-8")
    out["profiles"] = folder
    return out


def screen(register: Path, out: Path, *extra: str) -> dict:
    assert main(["screen", str(register), "--out", str(out), "--quiet", *extra]) == 0
    return json.loads(out.with_name(out.name + ".summary.json").read_text(encoding="utf-8"))


def read_awards(path: Path) -> list[dict]:
    """The awards file as text values, whatever its format (Parquet through DuckDB)."""
    if path.suffix == ".csv":
        with open(path, encoding="utf-8", newline="") as stream:
            return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(stream)]
    if path.suffix == ".jsonl":
        return [{k: (None if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                 for k, v in json.loads(line).items()}
                for line in path.read_text(encoding="utf-8").splitlines()]
    cursor = duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')")
    names = [d[0] for d in cursor.description]
    return [{k: (None if v is None else str(v).lower() if isinstance(v, bool) else str(v))
             for k, v in zip(names, row)} for row in cursor.fetchall()]


def money(value) -> Decimal | None:
    return None if value is None else Decimal(value).normalize()


def answer(row: dict) -> tuple:
    """An awards row without where it came from (source file, row) and with amounts as numbers."""
    payers = tuple(sorted((k, money(v)) for k, v in row.items() if k.startswith("payer_")))
    return (row["root_id"], row["provision"], row["subject_path"], row["status"],
            money(row["amount_low"]), money(row["amount_high"]), row["excluded_by"], payers)


def test_every_layout_gives_the_same_awards(registers, tmp_path):
    results = {}
    for layout in ("parquet", "csv", "duckdb", "jsonl"):
        summary = screen(registers[layout], tmp_path / f"{layout}.parquet")
        results[layout] = (summary, Counter(answer(r) for r in read_awards(tmp_path / f"{layout}.parquet")))
    parquet_summary, parquet_awards = results["parquet"]
    assert parquet_summary["profiles"]["read"] == ENTERPRISES + PARKS_AND_CLUSTERS
    assert parquet_summary["profiles"]["rejected"] > 0  # the generator's bad rows are rejected …
    for layout in ("csv", "duckdb"):
        summary, awards = results[layout]
        assert awards == parquet_awards, layout
        assert summary["profiles"] == parquet_summary["profiles"]
        assert summary["totals"] == parquet_summary["totals"]
        assert summary["near_misses"] == parquet_summary["near_misses"]
    # … JSON lines hold the same enterprises plus the two handmade ones
    summary, awards = results["jsonl"]
    extra = Counter(a for a in awards if a[0] in ("S-stack", "S-cap"))
    assert awards - extra == parquet_awards
    assert summary["profiles"]["read"] == ENTERPRISES + PARKS_AND_CLUSTERS + 2
    assert summary["profiles"]["rejected"] == parquet_summary["profiles"]["rejected"]
    statuses = {(a[1], a[3]) for a in extra}
    # 8a and 8b both pay 500万元 (capped), 8c 200万元: one is paid, ties to the first named
    assert {("nmg2022.8a", "paid"), ("nmg2022.8b", "excluded"), ("nmg2022.8c", "excluded")} <= statuses
    capped = [a for a in extra if a[0] == "S-cap"]  # 30 + 20 + 10 万元 under a 50万元 total cap
    assert sum(a[4] for a in capped) == Decimal(500000)
    # a directory of profile files: each file's awards are those of its line
    summary = screen(registers["profiles"], tmp_path / "profiles.csv")
    folder_awards = Counter(answer(r) for r in read_awards(tmp_path / "profiles.csv"))
    lines = registers["jsonl"].read_text(encoding="utf-8").splitlines()
    ids = {json.loads(line)["企业"].get("id") for line in lines[:40] + lines[-2:]}
    assert folder_awards == Counter(a for a in awards if a[0] in ids)
    assert summary["profiles"]["read"] == 42


def test_every_output_format_holds_the_same_rows(registers, tmp_path):
    for fmt in ("parquet", "csv", "jsonl"):
        screen(registers["jsonl"], tmp_path / f"awards.{fmt}")
    rows = {fmt: read_awards(tmp_path / f"awards.{fmt}") for fmt in ("parquet", "csv", "jsonl")}
    assert len(rows["parquet"]) > 1000
    for fmt in ("csv", "jsonl"):
        assert [answer(r) for r in rows[fmt]] == [answer(r) for r in rows["parquet"]], fmt
        assert [(r["profile_source"], r["profile_row"]) for r in rows[fmt]] == \
            [(r["profile_source"], r["profile_row"]) for r in rows["parquet"]]
    # money is exact decimal text, never a float's spelling
    assert all("e" not in (r["amount_low"] or "").lower() for r in rows["csv"])
    raw = [json.loads(line) for line in (tmp_path / "awards.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(isinstance(r["amount_low"], str) for r in raw if r["amount_low"] is not None)  # not a JSON number
    # `--format` overrides the suffix
    screen(registers["jsonl"], tmp_path / "awards.out", "--format", "csv")
    assert (tmp_path / "awards.out").read_text(encoding="utf-8").startswith("profile_source,profile_row,")


def test_the_summary_adds_up(registers, tmp_path, capsys):
    out = tmp_path / "awards.csv"
    assert main(["screen", str(registers["jsonl"]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "awards.csv.summary.json").read_text(encoding="utf-8"))
    p = summary["profiles"]
    assert p["read"] == p["screened"] + p["rejected"] == ENTERPRISES + PARKS_AND_CLUSTERS + 2
    assert f"{p['read']:,} read = {p['screened']:,} screened + {p['rejected']:,} rejected" in printed
    rows = read_awards(out)
    paid = [r for r in rows if r["status"] == "paid"]
    assert p["granted"] == len({r["profile_row"] for r in paid})
    assert summary["awards"] == dict(Counter(r["status"] for r in rows))
    # totals by provision are the sums of the awards file; by clause, policy and payer the same money
    by_provision: dict[str, Decimal] = {}
    for r in paid:
        by_provision[r["provision"]] = by_provision.get(r["provision"], Decimal(0)) + Decimal(r["amount_low"])
    totals = summary["totals"]
    assert {k: Decimal(v["low_yuan"]) for k, v in totals["provision"].items()} == by_provision
    everything = sum(by_provision.values())
    for key in ("clause", "policy", "payer"):
        assert sum(Decimal(v["low_yuan"]) for v in totals[key].values()) == everything, key
    payer_columns = [c for c in rows[0] if c.startswith("payer_") and c.endswith("_low")]
    for column in payer_columns:
        payer = column[len("payer_"):-len("_low")]
        assert Decimal(totals["payer"][payer]["low_yuan"]) == sum(Decimal(r[column]) for r in paid if r[column])
    # near misses are counted per provision, with the condition that fails
    assert summary["near_misses"] and all(all(n > 0 for n in reasons.values())
                                          for reasons in summary["near_misses"].values())


def test_the_errors_file_names_row_and_reason(registers, tmp_path):
    out = tmp_path / "awards.parquet"
    summary = screen(registers["csv"], out)
    with open(tmp_path / "awards.parquet.errors.csv", encoding="utf-8", newline="") as stream:
        errors = list(csv.DictReader(stream))
    assert errors and all(e["row"].isdigit() and e["code"] and e["message"] for e in errors)
    # every row named in the errors file is in the CSV it names, and holds the value quoted
    for e in errors:
        if e["code"] == "E341":  # a child row whose enterprise was rejected for having no id
            continue
        with open(e["source"], encoding="utf-8", newline="") as stream:
            row = list(csv.DictReader(stream))[int(e["row"]) - 1]
        header = next(h for h in row if h == e["field"] or h.startswith((e["field"] + "(", e["field"] + "[")))
        assert e["value"].startswith(row[header]), (e, row)
    rejected_rows = {int(e["row"]) for e in errors if e["source"].endswith("企业.csv")}
    assert len(rejected_rows) <= summary["profiles"]["rejected"]


def test_explain_on_an_awards_row_reproduces_it(registers, tmp_path, capsys):
    """An auditor picks rows of the awards file and runs `policylog explain` on each: the same
    answer (paid, excluded by, informational) and the same amount, for every layout."""
    for offset, layout in enumerate(("parquet", "duckdb", "jsonl")):
        out = tmp_path / f"{layout}.csv"
        screen(registers[layout], out)
        rows = read_awards(out)
        sample = {}
        for row in rows:  # one row per provision and status, the handmade stacking rows included
            sample.setdefault((row["provision"], row["status"]), row)
        assert len(sample) > 20
        handmade = [r for r in rows if r["root_id"] in ("S-stack", "S-cap")]  # excluded, capped
        assert len(handmade) == (6 if layout == "jsonl" else 0)
        # each layout a different ninth of the provision × status pairs (an explain run builds
        # the pyDatalog engine, ≈0.5 s), every status, and the handmade rows
        by_status = {row["status"]: row for row in sample.values()}
        for row in list(sample.values())[offset::9] + list(by_status.values()) + handmade:
            capsys.readouterr()
            argv = ["explain", row["profile_source"], row["provision"], "--row", row["profile_row"],
                    "--record", row["subject_id"], "--format", "json", "--no-suggest"]
            assert main(argv) == 0, argv
            explained = json.loads(capsys.readouterr().out)
            subject = next(s for s in explained["subjects"]
                           if [(p["kind"], p["id"]) for p in s["subject"]["path"]] ==
                           [tuple(part.split(":", 1)) for part in row["subject_path"].split(" / ")])
            assert subject["applies"], argv
            award = subject["award"]
            if row["status"] == "informational":
                assert award["amount"] is None
                continue
            assert money(award["amount"]["low_yuan"]) == money(row["amount_low"]), argv
            assert money(award["amount"]["high_yuan"]) == money(row["amount_high"]), argv
            assert award["excluded_by"] == row["excluded_by"], argv
            assert award["paid"] == (row["status"] == "paid"), argv


def test_row_arguments_that_name_no_profile(registers, capsys):
    assert main(["explain", str(registers["parquet"] / "企业.parquet"), "nmg2026.1.3", "--row", "99999"]) == 1
    assert "E345" in capsys.readouterr().err
    assert main(["qualify", str(registers["profiles"]), "--row", "1"]) == 1
    assert "E344" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["qualify", str(registers["jsonl"]), "--row", "0"])
    assert exit_.value.code == 2
    # a row `screen` rejects is refused with the same reason (here: an enterprise without an id)
    with open(registers["csv"] / "企业.csv", encoding="utf-8", newline="") as stream:
        no_id = next(n for n, row in enumerate(csv.DictReader(stream), 1) if not row["id"])
    capsys.readouterr()
    assert main(["extract", str(registers["csv"] / "企业.csv"), "--row", str(no_id)]) == 1
    assert "E330" in capsys.readouterr().err
    assert main(["extract", str(registers["jsonl"]), "--row", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["企业"]["id"]


def _screen_on(terminal: bool, *extra: str, tmp: Path, register: Path) -> str:
    """stderr of a real `policylog screen` whose stderr is a terminal (a pty) or a pipe."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    argv = [sys.executable, "-m", "policylog", "screen", str(register), "--out", str(tmp / "a.parquet"), *extra]
    if not terminal:
        result = subprocess.run(argv, capture_output=True, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stderr.decode("utf-8", "replace")
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=follower, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=300) == 0
    finally:
        os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_progress_only_on_a_terminal(registers, tmp_path):
    on_terminal = _screen_on(True, tmp=tmp_path, register=registers["jsonl"])
    assert "screening" in on_terminal and "\r" in on_terminal
    assert _screen_on(True, "--quiet", tmp=tmp_path, register=registers["jsonl"]) == ""
    assert _screen_on(False, tmp=tmp_path, register=registers["jsonl"]) == ""


def test_a_register_of_enterprises_and_parks(tmp_path, capsys):
    """Parks (园区) are profiles of their own root kind: a table of them beside the enterprise
    tables is screened with them, numbered by its own rows, and explained from its own file."""
    (tmp_path / "企业.csv").write_text("id,制造业\nE1,true\nE2,true\n", encoding="utf-8")
    (tmp_path / "项目.csv").write_text(
        "id,企业,节水技术改造项目,年节水量(万吨),投资额(万元)\nP,E2,是,6,800\n", encoding="utf-8")
    (tmp_path / "园区.csv").write_text(
        "id,工业园区,建成一体化管控平台,自治区示范称号,新增可再生能源消纳对应能耗量(吨标准煤)\n"
        "Y1,true,true,低碳示范园区;零碳示范园区,1200\nY2,true,false,,\n", encoding="utf-8")
    out = tmp_path / "awards.csv"
    summary = screen(tmp_path, out)
    assert summary["profiles"] == {"read": 4, "screened": 4, "rejected": 0, "granted": 2}
    rows = read_awards(out)
    assert {(r["root_kind"], r["root_id"], r["provision"], r["status"], r["profile_row"]) for r in rows} == {
        ("企业", "E2", "nmg2026.1.3", "paid", "2"), ("企业", "E2", "nmg2022.18", "paid", "2"),
        ("园区", "Y1", "nmg2022.16", "paid", "1"),          # up to 2000万元
        ("园区", "Y1", "nmg2022.20", "informational", "1")}
    park = next(r for r in rows if r["provision"] == "nmg2022.16")
    assert park["profile_source"].endswith("园区.csv") and (park["amount_low"], park["amount_high"]) == ("0", "20000000")
    capsys.readouterr()
    assert main(["explain", park["profile_source"], "nmg2022.16", "--row", "1", "--format", "json",
                 "--no-suggest"]) == 0
    award = json.loads(capsys.readouterr().out)["subjects"][0]["award"]
    assert (award["amount"]["low_yuan"], award["amount"]["high_yuan"]) == ("0", "20000000")
    # the directory has two root tables: a bare row number names no profile
    assert main(["qualify", str(tmp_path), "--row", "1"]) == 1
    assert "E344" in capsys.readouterr().err
    # the same in a DuckDB database, whose tables `screen` names `register.duckdb:园区`
    database = tmp_path / "register.duckdb"
    con = duckdb.connect(str(database))
    for kind in ("企业", "项目", "园区"):
        con.execute(f"CREATE TABLE \"{kind}\" AS SELECT * FROM read_csv('{tmp_path / (kind + '.csv')}', all_varchar=true)")
    con.close()
    assert Counter(answer(r) for r in read_awards(out)) == Counter(
        answer(r) for r in (screen(database, tmp_path / "db.csv"), read_awards(tmp_path / "db.csv"))[1])
    db_park = next(r for r in read_awards(tmp_path / "db.csv") if r["provision"] == "nmg2022.16")
    assert db_park["profile_source"] == f"{database}:园区"
    assert main(["qualify", db_park["profile_source"], "--row", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"]["id"] == "Y1"


def test_two_tables_of_one_kind_are_refused(tmp_path, capsys):
    (tmp_path / "企业.csv").write_text("id\nE1\n", encoding="utf-8")
    generate(3, tmp_path / "more", "parquet")
    (tmp_path / "more" / "企业.parquet").rename(tmp_path / "企业.parquet")
    assert main(["screen", str(tmp_path), "--out", str(tmp_path / "a.csv"), "--quiet"]) == 1
    assert "two tables" in capsys.readouterr().err


def test_a_line_screen_rejects_is_refused_by_row_too(tmp_path, capsys):
    register = tmp_path / "r.jsonl"
    register.write_bytes('{"企业": {"id": "A", "制造业": "true"}}\n'.encode() + b"{\"\xff\": 1}\n")
    summary = screen(register, tmp_path / "a.csv")
    assert summary["profiles"] == {"read": 2, "screened": 1, "rejected": 1, "granted": 0}
    capsys.readouterr()
    assert main(["qualify", str(register), "--row", "2"]) == 1
    assert "E307" in capsys.readouterr().err
    assert main(["qualify", str(register), "--row", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["profile"]["id"] == "A"


def test_one_profile_file_is_a_register_of_one(tmp_path, capsys):
    """Found by the long CLI fuzz run: `screen profile.yaml` was an internal error."""
    example = ROOT / "examples" / "enterprise.yaml"
    screen(example, tmp_path / "a.csv")
    yaml_rows = read_awards(tmp_path / "a.csv")
    pretty = tmp_path / "enterprise.json"
    import yaml

    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    pretty.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    summary = screen(pretty, tmp_path / "b.csv")
    assert summary["profiles"] == {"read": 1, "screened": 1, "rejected": 0, "granted": 1}
    assert [answer(r) for r in read_awards(tmp_path / "b.csv")] == [answer(r) for r in yaml_rows]
    assert len(yaml_rows) == 9
    capsys.readouterr()
    assert main(["qualify", str(example), "--row", "1", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["awards"]) == 9
    assert main(["qualify", str(example), "--row", "2"]) == 1
    assert "E345" in capsys.readouterr().err


def test_a_quote_in_the_register_path(tmp_path, capsys):
    """The awards name the file as it is, so `--row` finds it again (SQL doubles the quote)."""
    folder = tmp_path / "o'brien"
    folder.mkdir()
    (folder / "企业.csv").write_text("id,制造业\nE1,true\n", encoding="utf-8")
    (folder / "项目.csv").write_text("id,企业,节水技术改造项目,年节水量(万吨),投资额(万元)\nP,E1,是,6,800\n",
                                     encoding="utf-8")
    screen(folder, tmp_path / "a.csv")
    rows = read_awards(tmp_path / "a.csv")
    assert {r["profile_source"] for r in rows} == {str(folder / "企业.csv")}
    capsys.readouterr()
    assert main(["qualify", rows[0]["profile_source"], "--row", "1", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["awards"]) == len(rows)


def test_row_refuses_the_json_lines_screen_rejects(tmp_path, capsys):
    """`screen`'s own rules on JSON lines (a root needs an id, unique per kind; JSON, not YAML)
    hold for `--row` as well: exactly the rejected lines are refused, with the same code."""
    register = tmp_path / "r.jsonl"
    register.write_text('{"企业": {"id": "A", "制造业": "true"}}\n'
                        '{"企业": {"制造业": "true"}}\n'      # no id: E330
                        '{"企业": {"id": " A", "制造业": "false"}}\n'  # A again: E331
                        '{企业: {id: B}}\n'                   # YAML, not JSON: E300
                        '{"园区": {"id": "A"}}\n'              # another kind may reuse the id
                        '{"企业": {"编号": 7}}\n', encoding="utf-8")
    screen(register, tmp_path / "a.csv")
    with open(tmp_path / "a.csv.errors.csv", encoding="utf-8", newline="") as stream:
        rejected = {int(e["row"]): e["code"] for e in csv.DictReader(stream)}
    assert rejected == {2: "E330", 3: "E331", 4: "E300"}
    for row in range(1, 7):
        capsys.readouterr()
        code = main(["extract", str(register), "--row", str(row), "--diagnostics-format", "json"])
        if row in rejected:
            assert code == 1 and [d["code"] for d in json.loads(capsys.readouterr().err)] == [rejected[row]]
        else:
            assert code == 0, capsys.readouterr().err
