"""Generate a realistic synthetic register for `policylog screen` benchmarks.

    python3 benchmarks/generate_register.py 100000 --out /tmp/register   # Parquet tables
    python3 benchmarks/generate_register.py 1000 --format jsonl --out /tmp/register.jsonl

Enterprises get a sector mix (dairy, manufacturing, bio-manufacturing, software), a region
(≈15% in 革命老区/脱贫地区), log-normal revenues, 0–6 projects (water, carbon, renovation,
smart factory, robots, data centres, …) and 0–3 certifications and standards, so that every
provision of the bundled rules fires for some enterprises and many miss by one condition.
The data is generated inside DuckDB (random with a fixed seed), not in Python, so 1M rows take
seconds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

ENTERPRISE = """
SELECT 'E' || lpad(i::VARCHAR, 8, '0') AS id,
  2026 AS "申报年度",
  (['呼和浩特市','包头市','乌兰察布市','鄂尔多斯市','赤峰市','通辽市'])[1 + (hash(i, 1) % 6)::INT] AS "盟市",
  CASE WHEN hash(i, 2) % 100 < 8 THEN '革命老区' WHEN hash(i, 2) % 100 < 15 THEN '脱贫地区' END AS "地区",
  CASE WHEN hash(i, 3) % 100 < 85 THEN 'true' ELSE 'false' END AS "制造业",
  CASE WHEN hash(i, 4) % 100 < 12 THEN 'true' END AS "乳制品加工企业",
  CASE WHEN hash(i, 4) % 100 < 10 THEN 'true' END AS "三至八月按合同量收购生鲜乳[2026]",
  CASE WHEN hash(i, 4) % 100 < 11 THEN (hash(i, 5) % 200000)::VARCHAR END AS "三至八月喷粉生鲜乳收购量[2026](吨)",
  CASE WHEN hash(i, 4) % 100 < 6 THEN 'true' END AS "精深加工乳制品企业",
  CASE WHEN hash(i, 4) % 100 < 6 THEN (hash(i, 6) % 50000)::VARCHAR END AS "生鲜乳消耗量[2025](吨)",
  CASE WHEN hash(i, 4) % 100 < 6 THEN (hash(i, 7) % 60000)::VARCHAR END AS "生鲜乳消耗量[2026](吨)",
  (round(exp(5 + (hash(i, 8) % 1000) / 200.0)))::BIGINT::VARCHAR AS "营业收入[2025](万元)",
  (round(exp(5 + (hash(i, 9) % 1000) / 200.0)))::BIGINT::VARCHAR AS "营业收入[2026](万元)",
  CASE WHEN hash(i, 10) % 100 < 5 THEN 'true' END AS "生物制造企业",
  CASE WHEN hash(i, 11) % 100 < 3 THEN '2026' WHEN hash(i, 11) % 100 < 40 THEN '2019' END AS "首次纳入规上年份",
  CASE WHEN hash(i, 12) % 100 < 10 THEN 'true' END AS "设备上云上平台",
  CASE WHEN hash(i, 12) % 100 < 10 THEN ((hash(i, 13) % 30000) / 10.0)::VARCHAR END AS "上云实际费用(万元)",
  CASE WHEN hash(i, 14) % 100 < 4 THEN 'true' END AS "应用工业智能体",
  CASE WHEN hash(i, 14) % 100 < 4 THEN (hash(i, 15) % 1000)::VARCHAR END AS "工业智能体研发或采购成本(万元)"
FROM range(1, {n} + 1) AS t(i)
"""

PROJECT = """
SELECT 'P' || j AS id, 'E' || lpad(i::VARCHAR, 8, '0') AS "企业",
  CASE WHEN k = 0 THEN 'true' END AS "节水技术改造项目",
  CASE WHEN k = 0 THEN (hash(i, j, 1) % 200000)::VARCHAR END AS "年节水量(吨)",
  CASE WHEN k = 1 THEN 'true' END AS "节能降碳项目",
  CASE WHEN k = 1 THEN (hash(i, j, 2) % 20000)::VARCHAR END AS "年降碳量(吨)",
  CASE WHEN k IN (2, 3) THEN 'true' END AS "制造业技术改造或设备更新",
  CASE WHEN k IN (2, 3, 8) THEN 'true' END AS "符合条件",
  CASE WHEN k = 2 THEN 'true' WHEN k = 3 THEN 'false' END AS "已完工",
  CASE WHEN k IN (2, 3) THEN (hash(i, j, 3) % 8000)::VARCHAR END AS "设备软件投资(万元)",
  CASE WHEN k = 4 THEN 'true' END AS "技术改造项目",
  CASE WHEN k = 4 THEN 'true' END AS "属于先进制造业集群或优势特色产业链",
  CASE WHEN k = 5 THEN 'true' END AS "智能工厂或数字化车间项目",
  CASE WHEN k = 6 THEN 'true' END AS "机器换人项目",
  CASE WHEN k = 6 THEN (hash(i, j, 4) % 3000)::VARCHAR END AS "工业机器人购置费用(万元)",
  CASE WHEN k = 7 THEN 'true' END AS "节能技术改造项目",
  CASE WHEN k = 7 THEN (hash(i, j, 5) % 6000)::VARCHAR END AS "年节能量(吨标准煤)",
  CASE WHEN k = 8 THEN 'true' END AS "工业资源综合利用项目",
  CASE WHEN k = 8 THEN (2024 + hash(i, j, 6) % 4)::VARCHAR END AS "投产年份",
  (hash(i, j, 7) % 20000 + 100)::VARCHAR AS "投资额(万元)",
  (hash(i, j, 8) % 6000 + 50)::VARCHAR AS "实际完成投资(万元)",
  CASE WHEN k = 8 THEN (hash(i, j, 9) % 90)::VARCHAR END AS "土地购置费(万元)"
FROM range(1, {n} + 1) AS t(i), range(0, 6) AS u(j),
  LATERAL (SELECT (hash(i, j) % 9)::INT AS k)
WHERE hash(i, j, 0) % 100 < (CASE j WHEN 0 THEN 70 WHEN 1 THEN 45 WHEN 2 THEN 25 ELSE 10 END)
"""

CERTIFICATION = """
SELECT 'C' || j AS id, 'E' || lpad(i::VARCHAR, 8, '0') AS "企业",
  (['智能工厂','专精特新小巨人','制造业单项冠军','绿色工厂','创新型中小企业','专精特新中小企业','工业设计中心','企业技术中心'])[1 + (hash(i, j, 1) % 8)::INT] AS "类型",
  (['先进级','卓越级','领航级'])[1 + (hash(i, j, 2) % 3)::INT] AS "等级",
  (['工信部','国家','自治区'])[1 + (hash(i, j, 3) % 3)::INT] AS "认定机构",
  (['国家级','自治区级'])[1 + (hash(i, j, 4) % 2)::INT] AS "层级",
  (2024 + hash(i, j, 5) % 3)::VARCHAR AS "年份",
  CASE WHEN hash(i, j, 6) % 2 = 0 THEN 'true' ELSE 'false' END AS "首次"
FROM range(1, {n} + 1) AS t(i), range(0, 3) AS u(j)
WHERE hash(i, j, 0) % 100 < (CASE j WHEN 0 THEN 30 WHEN 1 THEN 10 ELSE 4 END)
"""

STANDARD = """
SELECT 'S' || j AS id, 'E' || lpad(i::VARCHAR, 8, '0') AS "企业",
  (['国际标准','国家标准','行业标准'])[1 + (hash(i, j, 1) % 3)::INT] AS "级别",
  (['主导','参与'])[1 + (hash(i, j, 2) % 2)::INT] AS "角色",
  '2025' AS "发布年份"
FROM range(1, {n} + 1) AS t(i), range(0, 4) AS u(j)
WHERE hash(i, j, 0) % 100 < (CASE j WHEN 0 THEN 8 ELSE 3 END)
"""

BAD_ROWS = """
UPDATE "项目" SET "年节水量(吨)" = '-5' WHERE id = 'P0' AND "企业" IN (SELECT id FROM "企业" WHERE hash(id) % 1000 = 1);
UPDATE "项目" SET "投资额(万元)" = '3千' WHERE id = 'P0' AND "企业" IN (SELECT id FROM "企业" WHERE hash(id) % 1000 = 2);
UPDATE "企业" SET id = NULL WHERE hash(id) % 5000 = 3;
"""


def generate(n: int, out: Path, fmt: str, bad: bool = True) -> dict[str, int]:
    con = duckdb.connect()
    tables = {"企业": ENTERPRISE, "项目": PROJECT, "认定": CERTIFICATION, "标准": STANDARD}
    for name, sql in tables.items():
        con.execute(f'CREATE TABLE "{name}" AS {sql.format(n=n)}')
    if bad:
        for statement in BAD_ROWS.strip().split(";\n"):
            con.execute(statement)
    counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
    if fmt == "jsonl":
        write_jsonl(con, out)
    elif fmt == "duckdb":
        out.unlink(missing_ok=True)
        con.execute(f"ATTACH '{out}' AS target")
        for name in tables:
            con.execute(f'CREATE TABLE target."{name}" AS SELECT * FROM "{name}"')
        con.execute("DETACH target")
    else:
        out.mkdir(parents=True, exist_ok=True)
        suffix = "parquet" if fmt == "parquet" else "csv"
        for name in tables:
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            con.execute(f"COPY \"{name}\" TO '{out / (name + '.' + suffix)}' ({options})")
    return counts


def write_jsonl(con, out: Path) -> None:
    """Nested profiles, one per line, with units written in the values as a person would."""
    import re

    header = re.compile(r"^(?P<name>[^\[(]+)(?:\[(?P<year>\d+)\])?(?:\((?P<unit>[^)]+)\))?$")

    def fields(cursor):
        return [header.match(d[0]).groupdict() for d in cursor.description]

    children: dict[str, dict[str, list]] = {}
    for kind in ("项目", "认定", "标准"):
        cursor = con.execute(f'SELECT * FROM "{kind}"')
        names = fields(cursor)
        for row in cursor.fetchall():
            record = {}
            for spec, value in zip(names, row):
                if value is None or spec["name"] == "企业":
                    continue
                record[spec["name"]] = value + (spec["unit"] or "")
            children.setdefault(row[1], {}).setdefault(kind, []).append(record)
    cursor = con.execute('SELECT * FROM "企业"')
    names = fields(cursor)
    with open(out, "w", encoding="utf-8") as stream:
        for row in cursor.fetchall():
            record = {}
            for spec, value in zip(names, row):
                if value is None:
                    continue
                text = value if isinstance(value, str) else str(value)
                if spec["name"] == "地区":
                    record["地区"] = [text]
                elif spec["year"]:
                    record.setdefault(spec["name"], {})[spec["year"]] = text + (spec["unit"] or "")
                else:
                    record[spec["name"]] = text + (spec["unit"] or "")
            record.update(children.get(row[0], {}))
            stream.write(json.dumps({"企业": record}, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("enterprises", type=int)
    parser.add_argument("--out", required=True)
    parser.add_argument("--format", choices=("parquet", "csv", "jsonl", "duckdb"), default="parquet")
    parser.add_argument("--clean", action="store_true", help="no deliberately invalid rows")
    args = parser.parse_args()
    counts = generate(args.enterprises, Path(args.out), args.format, bad=not args.clean)
    print(json.dumps(counts, ensure_ascii=False))


if __name__ == "__main__":
    main()
