"""Generate a realistic synthetic register for `policylog screen` benchmarks.

    python3 benchmarks/generate_register.py 100000 --out /tmp/register   # Parquet tables
    python3 benchmarks/generate_register.py 1000 --format jsonl --out /tmp/register.jsonl

Every record claims for 2026 (申报年度). The data is drawn inside DuckDB from hashes of the row
numbers (no Python loop per row, so the same n always gives the same register and 1M enterprises
take seconds). Every value is text, as a spreadsheet export would hold it; units sit in the
headers (`投资额(万元)`), per-year attributes have one column per year (`营业收入[2025](万元)`),
sets are `;`-separated.

Enterprises (企业)
  - a sector: general manufacturing 26%, materials/chemicals/metallurgy 15%, food 11%, other
    non-manufacturing 15%, software/IT 8%, new-energy equipment 7%, dairy 6%, pharma 4%,
    bio-manufacturing 4%, data centres 2%, vehicles 2%; 制造业 follows the sector (≈75% true);
  - one of the 12 leagues/cities, weighted (包头, 呼和浩特, 鄂尔多斯 largest); the 革命老区 /
    脱贫地区 tags depend on the city (赤峰, 通辽, 乌兰察布, 兴安盟 often, 乌海, 阿拉善 never),
    ≈23% of enterprises carry one or both;
  - log-normal revenue (median 2,500万元, σ 1.5; ≈43% below the 2,000万元 规上 line, ≈4% above
    4亿元) and a 2026 growth of σ 0.3 for small firms, 0.15 for larger ones (+15% on average in
    bio-manufacturing, new energy and data centres, +5% elsewhere); 首次纳入规上年份
    follows the revenue crossing 2,000万元 (≈5% enter in 2026, a tenth of the crossers re-enter),
    with a 规上 follow-up for 2027–2029 (≈90% stay each year);
  - sector traits: dairy processors (spray-dried raw milk bought by contract, deep processing with
    raw-milk use in 2025 and 2026, infant-formula traceability), bio-manufacturers (revenue near
    the 2,000万元 line), identifier-resolution nodes and applications (software), 上云 costs
    (15% of manufacturers), 登云标杆 costs (with the recognition), industrial AI agents (5%),
    new-energy vehicle makers, industries in the 重点支持产业目录.

Children of an enterprise (counts grow with revenue; ids numbered P0, P1 … per enterprise)
  - 项目 (≈65% of enterprises; small firms 0–3, large ones up to 6): a kind drawn per sector
    (technical renovation, smart factory, robots, energy / carbon / water saving, resource use,
    catalogue technology, 延链补链强链 projects from 5亿元 (often ≥10亿元), new-energy equipment,
    industrial-internet platforms, 5G scenes, data centres with PUE in 2025 and 2026, charging and
    hydrogen, land and factory works, vertical models and AI platforms, drug and device
    industrialisation, dairy deep processing, coal-power/coal-chemical projects), with log-normal
    investment scaled to revenue and quantities spread around each threshold (5万吨 water, 5000吨
    CO2, 2000吨标准煤, 1万吨 solid waste, PUE 1.3 …). Overlaps a real register has: renovation
    projects that are also smart factories or buy robots (2022 八 a+b+c, not cumulative), data
    centres that are also energy-saving renovations (十七 a+b), pharma and dairy projects filed as
    equipment renewal too (2026 一（一）+五（一）/六（三）); ≈80% meet the guide (符合条件),
    ≈55% are completed.
  - 认定: 0–5 recognitions (half the enterprises hold some, larger firms more), types weighted per
    sector and size (创新型/专精特新 for SMEs, 单项冠军 and centres for large ones, 优秀云服务商 for
    software …),
    level and recognising body consistent with the type, ≈35% from 2026, ≈80% first awards.
  - 标准: ≈7% of enterprises led or joined 1–6 standards (some over the 50万元 yearly cap).
  - 人员: craftsmen (北疆工匠, rarely 大国工匠) at ≈3% of manufacturers.
  - 产品: 首台套/首批次 products of equipment and materials makers, first-edition and industrial
    software (several per software firm, some over the 300万元 per-enterprise caps), bio-
    manufacturing landmark products (selected or not).
  - 药品: generic-drug varieties of pharma firms with consistency-evaluation milestones and
    spending (a quarter over the 300万元 per-variety cap), some new chemical drugs.
  - 数据集: enterprise and industry data sets with first milestones (登记, 入表, 交易, 开放).

Roots besides enterprises: 园区 (industrial parks, ≈1 per 500 enterprises, at least 10) and 集群
(SME clusters, ≈1 per 1,000, at least 6), drawn from a low-discrepancy sequence so that even a
handful of them spreads over every title and level. They are written as their own tables
(`园区.parquet`, `集群.parquet` …) and as `{"园区": {…}}` lines after the enterprises in JSON lines.

At 1,500 enterprises every provision of the bundled rules pays (or informs) some record, ≈80% of
the enterprises get at least one award (most a few), and many records miss by one condition;
awards are excluded by `not cumulative` groups and cut by `total cap`s. A few deliberately invalid
rows (BAD_ROWS, ≈0.2% of enterprises) test the error path.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import duckdb

YEAR = 2026  # 申报年度 of every record


# ---- SQL helpers -------------------------------------------------------------------------------

def U(*key) -> str:
    """A uniform draw in [0, 1) from a hash of the key (column names and salts)."""
    return f"(hash({', '.join(str(k) for k in key)}) % 1000000 / 1000000.0)"


def N(*key) -> str:
    """A standard normal draw (Box–Muller on two hashes of the key)."""
    return f"(sqrt(-2 * ln(1 - {U(*key, 9001)})) * cos(2 * pi() * {U(*key, 9002)}))"


def lognormal(median: str, sigma: float, *key) -> str:
    return f"({median} * exp({sigma} * {N(*key)}))"


def literal(value) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def choose(u: str, weights: dict) -> str:
    """A value drawn with the given weights, by a uniform draw u."""
    items = list(weights.items())
    total = sum(w for _, w in items)
    parts, acc = [], 0
    for value, weight in items[:-1]:
        acc += weight
        parts.append(f"WHEN {u} < {acc / total!r} THEN {literal(value)}")
    return f"(CASE {' '.join(parts)} ELSE {literal(items[-1][0])} END)"


def element(values, *key) -> str:
    """One of the values, equally likely, by a hash of the key."""
    items = ", ".join(literal(v) for v in values)
    return f"([{items}])[1 + (hash({', '.join(str(k) for k in key)}) % {len(values)})::INT]"


def flag(condition: str) -> str:
    """'true' where the condition holds, else no value."""
    return f"(CASE WHEN {condition} THEN 'true' END)"


def yes_no(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"


def money(expr: str) -> str:
    """万元 with one decimal place, as text."""
    return f"(round({expr}, 1)::DECIMAL(18, 1)::VARCHAR)"


def whole(expr: str) -> str:
    return f"(round({expr})::BIGINT::VARCHAR)"


def members(*pairs: tuple[str, str]) -> str:
    """A `;`-separated set of the members whose condition holds (no value if none)."""
    parts = ", ".join(f"CASE WHEN {cond} THEN {literal(m)} END" for m, cond in pairs)
    return f"nullif(concat_ws(';', {parts}), '')"


def eid(i: str = "i") -> str:
    return f"'E' || lpad({i}::VARCHAR, 8, '0')"


# ---- enterprises -------------------------------------------------------------------------------

SECTORS = {"mfg": 26, "mat": 15, "food": 11, "other": 15, "soft": 8, "energy": 7, "dairy": 6,
           "pharma": 4, "bio": 4, "dc": 2, "auto": 2}
MANUFACTURING = ("mfg", "mat", "food", "energy", "dairy", "pharma", "bio", "auto")
SECTOR_REVENUE = {"mat": 2.0, "dc": 2.0, "energy": 1.5, "auto": 1.5, "soft": 0.5, "other": 0.8, "bio": 0.8}
SECTOR_NAME = {"mfg": "机械制造", "mat": "新材料", "food": "食品", "other": "商贸", "soft": "软件",
               "energy": "新能源装备", "dairy": "乳业", "pharma": "制药", "bio": "生物科技",
               "dc": "数据科技", "auto": "汽车"}
# city: (weight, P(革命老区), P(脱贫地区))
CITIES = {"包头市": (16, 0.03, 0.02), "呼和浩特市": (14, 0.04, 0.03), "鄂尔多斯市": (14, 0.12, 0.0),
          "赤峰市": (10, 0.30, 0.35), "通辽市": (8, 0.25, 0.25), "乌兰察布市": (8, 0.30, 0.35),
          "呼伦贝尔市": (7, 0.05, 0.15), "巴彦淖尔市": (6, 0.0, 0.10), "兴安盟": (5, 0.40, 0.45),
          "锡林郭勒盟": (5, 0.05, 0.10), "乌海市": (4, 0.0, 0.0), "阿拉善盟": (3, 0.0, 0.0)}
SHORT_CITY = "regexp_replace(city, '(市|盟)$', '')"  # 包头市 → 包头, 兴安盟 → 兴安
NAME_PARTS = ("鑫", "恒", "华", "泰", "瑞", "宏", "远", "通", "蒙", "北", "金", "福")

BASE = f"""
SELECT i, {eid()} AS id, sector, city,
  {members(("革命老区", f"{U('i', 3)} < p_old"), ("脱贫地区", f"{U('i', 4)} < p_poor"))} AS tags,
  rev25, rev25 * exp(CASE WHEN rev25 < 5000 THEN 0.3 ELSE 0.15 END * {N('i', 6)}
                      + CASE WHEN sector IN ('bio', 'energy', 'dc') THEN 0.15 ELSE 0.05 END) AS rev26
FROM (
  SELECT i, sector, city,
    {" ".join(["CASE city"] + [f"WHEN '{c}' THEN {o}" for c, (_, o, _) in CITIES.items()] + ["END"])} AS p_old,
    {" ".join(["CASE city"] + [f"WHEN '{c}' THEN {p}" for c, (_, _, p) in CITIES.items()] + ["END"])} AS p_poor,
    least(greatest({lognormal("2500", 1.5, "i", 5)} *
      {" ".join(["CASE sector"] + [f"WHEN '{s}' THEN {m}" for s, m in SECTOR_REVENUE.items()] + ["ELSE 1 END"])},
      30), 5000000) AS rev25
  FROM (SELECT i, {choose('u_sector', SECTORS)} AS sector,
               {choose('u_city', {c: w for c, (w, _, _) in CITIES.items()})} AS city
        FROM (SELECT i, {U('i', 1)} AS u_sector, {U('i', 2)} AS u_city FROM range(1, {{n}} + 1) AS t(i)))
)
"""

MFG = "sector IN (" + ", ".join(f"'{s}'" for s in MANUFACTURING) + ")"
SIZE_L = "rev25 >= 40000"
SIZE_M = "rev25 >= 2000"


def _first_guishang() -> str:
    """首次纳入规上年份: the year revenue first reached 2,000万元 (a tenth of the 2026 crossers
    had been 规上 before and re-enter; a tenth of the small firms dropped out of 规上 earlier)."""
    return f"""(CASE
      WHEN rev25 >= 2000 THEN (2025 - floor({U('i', 20)} * 18))::INT::VARCHAR
      WHEN rev26 >= 2000 AND {U('i', 21)} < 0.9 THEN '{YEAR}'
      WHEN rev26 >= 2000 THEN (2010 + floor({U('i', 22)} * 14))::INT::VARCHAR
      WHEN {U('i', 23)} < 0.1 THEN (2012 + floor({U('i', 22)} * 12))::INT::VARCHAR
    END)"""


# 登云标杆企业: the enterprise's cloud investment and the recognition come together (a tenth of
# those who report the cost hold no recognition: a near miss of 2022 十四 c).
DENGYUN = f"(({MFG} AND {U('i', 56)} < 0.02) OR (sector = 'soft' AND {U('i', 56)} < 0.04))"
# the bio-manufacturing flag, shared by 企业.生物制造企业 and the landmark products
BIO = (f"((sector = 'bio' AND {U('i', 50)} < 0.95) OR (sector = 'pharma' AND {U('i', 50)} < 0.2) OR "
       f"(sector IN ('food', 'mat') AND {U('i', 50)} < 0.06))")

ENTERPRISE = f"""
SELECT id,
  {SHORT_CITY} || {element(NAME_PARTS, "i", 30)} || {element(NAME_PARTS, "i", 31)}
    || {" ".join(["CASE sector"] + [f"WHEN '{s}' THEN '{w}'" for s, w in SECTOR_NAME.items()] + ["END"])}
    || '有限公司' AS "名称",
  '{YEAR}' AS "申报年度",
  city AS "盟市",
  tags AS "地区",
  CASE WHEN {MFG} OR (sector = 'soft' AND {U('i', 32)} < 0.15) THEN 'true' ELSE 'false' END AS "制造业",
  {flag("sector = 'dairy'")} AS "乳制品加工企业",
  CASE WHEN sector = 'dairy' THEN {yes_no(f"{U('i', 40)} < 0.85")} END AS "三至八月按合同量收购生鲜乳[{YEAR}]",
  CASE WHEN sector = 'dairy' AND {U('i', 41)} < 0.8 THEN
    CASE WHEN {U('i', 42)} < 0.2 THEN '0' ELSE {whole(lognormal("8000", 1.2, "i", 43))} END
  END AS "三至八月喷粉生鲜乳收购量[{YEAR}](吨)",
  CASE WHEN sector = 'dairy' THEN {yes_no(f"{U('i', 44)} < 0.45")} END AS "精深加工乳制品企业",
  CASE WHEN sector = 'dairy' AND {U('i', 44)} < 0.45 THEN {whole(lognormal("20000", 1.0, "i", 45))} END
    AS "生鲜乳消耗量[{YEAR - 1}](吨)",
  CASE WHEN sector = 'dairy' AND {U('i', 44)} < 0.45 THEN
    {whole(lognormal("20000", 1.0, "i", 45) + f" * exp(0.05 + 0.15 * {N('i', 46)})")} END
    AS "生鲜乳消耗量[{YEAR}](吨)",
  CASE WHEN sector = 'dairy' AND {U('i', 47)} < 0.2 THEN 'true' END AS "建设婴幼儿配方乳粉数字化可追溯平台",
  CASE WHEN sector = 'dairy' AND {U('i', 47)} < 0.2 THEN {yes_no(f"{U('i', 48)} < 0.75")} END
    AS "接入国家婴幼儿配方乳粉质量追溯平台",
  {money("rev25")} AS "营业收入[{YEAR - 1}](万元)",
  {money("rev26")} AS "营业收入[{YEAR}](万元)",
  first_year AS "首次纳入规上年份",
  CASE WHEN first_year IS NOT NULL THEN {yes_no("rev26 >= 2000")} END AS "规上[{YEAR}]",
  CASE WHEN first_year = '{YEAR}' THEN {yes_no(f"{U('i', 24)} < 0.9")} END AS "规上[{YEAR + 1}]",
  CASE WHEN first_year = '{YEAR}' THEN {yes_no(f"{U('i', 25)} < 0.9")} END AS "规上[{YEAR + 2}]",
  CASE WHEN first_year = '{YEAR}' THEN {yes_no(f"{U('i', 26)} < 0.9")} END AS "规上[{YEAR + 3}]",
  {flag(BIO)} AS "生物制造企业",
  {flag(f"(sector = 'soft' AND {U('i', 51)} < 0.06) OR ({MFG} AND {SIZE_L} AND {U('i', 51)} < 0.02)")}
    AS "新建标识解析二级节点",
  CASE WHEN (sector = 'soft' AND {U('i', 51)} < 0.06) OR ({MFG} AND {SIZE_L} AND {U('i', 51)} < 0.02)
    THEN {yes_no(f"{U('i', 52)} < 0.75")} END AS "二级节点与国家顶级节点互联互通",
  {flag(f"(sector = 'soft' AND {U('i', 53)} < 0.12) OR ({MFG} AND {U('i', 53)} < 0.02)")} AS "开展标识解析创新应用",
  {flag(f"({MFG} AND {U('i', 54)} < 0.15) OR (sector = 'soft' AND {U('i', 54)} < 0.05)")} AS "设备上云上平台",
  CASE WHEN ({MFG} AND {U('i', 54)} < 0.15) OR (sector = 'soft' AND {U('i', 54)} < 0.05)
    THEN {money(lognormal("60", 1.2, "i", 55))} END AS "上云实际费用(万元)",
  CASE WHEN dengyun THEN {money(lognormal("150", 1.0, "i", 57))} END AS "登云投入实际费用(万元)",
  {flag(f"({MFG} AND {U('i', 58)} < 0.05) OR (sector = 'soft' AND {U('i', 58)} < 0.03)")} AS "应用工业智能体",
  CASE WHEN ({MFG} AND {U('i', 58)} < 0.05) OR (sector = 'soft' AND {U('i', 58)} < 0.03)
    THEN {money(lognormal("150", 1.0, "i", 59))} END AS "工业智能体研发或采购成本(万元)",
  {flag(f"sector = 'auto' AND {U('i', 60)} < 0.6")} AS "新能源汽车生产企业",
  {flag(f"(sector = 'dc' AND {U('i', 61)} < 0.85) OR (sector = 'energy' AND {U('i', 61)} < 0.35) OR "
        f"(sector = 'mat' AND {U('i', 61)} < 0.2) OR (sector = 'other' AND {U('i', 61)} < 0.03)")}
    AS "纳入重点支持产业目录"
FROM (SELECT *, {_first_guishang()} AS first_year, {DENGYUN} AS dengyun FROM _base) AS b
"""

# ---- projects ----------------------------------------------------------------------------------

PROJECT_KINDS = {  # weights of a project's kind, per sector
    "mfg": dict(renov=25, smart=10, robot=10, energy=7, carbon=7, water=6, resource=4, newtech=4, chain=4,
                scene=6, platform=2, factory=10, model=1, aiplat=1, charge=1),
    "mat": dict(renov=15, carbon=14, energy=12, water=12, resource=14, coal=8, smart=5, robot=4, newtech=4,
                chain=4, factory=6, scene=2),
    "energy": dict(newenergy=25, renov=15, smart=10, robot=6, chain=6, charge=6, newtech=6, factory=8, carbon=5),
    "dairy": dict(dairy=25, renov=15, water=15, smart=10, energy=8, carbon=6, factory=8, robot=5, resource=4),
    "pharma": dict(pharma=35, renov=15, water=10, carbon=6, smart=8, resource=4, newtech=6, factory=6, energy=5),
    "bio": dict(renov=20, water=15, energy=12, carbon=10, resource=10, smart=8, newtech=8, chain=5, factory=8,
                pharma=4),
    "soft": dict(platform=25, scene=20, model=12, aiplat=12, dc=6, newtech=5),
    "dc": dict(dc=55, scene=10, carbon=10, energy=10, charge=5, aiplat=5),
    "auto": dict(renov=20, smart=15, robot=15, charge=15, newenergy=10, chain=10, factory=10),
    "food": dict(renov=25, water=20, smart=10, robot=10, energy=10, carbon=8, factory=12, resource=5),
    "other": dict(factory=20, charge=20, scene=15, carbon=15, water=15, dc=5, platform=10),
}
# a project's investment relative to the enterprise's revenue (the median project invests 35% of a
# year's revenue, σ 0.9); 延链补链强链 projects start at 5亿元
KIND_INVEST = dict(chain=8.0, newenergy=3.0, dc=3.0, coal=5.0, scene=0.3, platform=0.4, model=0.8,
                   aiplat=0.8, robot=0.5, charge=0.3, newtech=0.8)
# P(slot j holds a project), in %, for small / medium / large enterprises (halved outside industry)
PROJECT_SLOTS = {"S": (55, 25, 8, 0, 0, 0), "M": (80, 55, 30, 15, 6, 0), "L": (95, 80, 60, 45, 30, 20)}
MEDICAL = {"一类化学药": 8, "二类化学药": 12, "生物制品": 12, "中蒙药创新药": 10, "改良型新药": 10,
           "古代经典名方中药复方制剂": 5, "第三类医疗器械": 8, "第二类医疗器械": 12, "创新兽药": 10,
           "其他医药产品": 13}


def P(salt: int) -> str:
    """A uniform draw of the project (enterprise i, slot j)."""
    return U("i", "j", salt)


def kind_is(*names: str) -> str:
    return "kind IN (" + ", ".join(f"'{n}'" for n in names) + ")"


def slots(table: dict[str, tuple], scale: str = "1") -> str:
    """P(slot j is filled), in %, by enterprise size."""
    def by_j(pcts):
        return "CASE j " + " ".join(f"WHEN {j} THEN {p}" for j, p in enumerate(pcts)) + " ELSE 0 END"
    return (f"(CASE WHEN {SIZE_L} THEN {by_j(table['L'])} WHEN {SIZE_M} THEN {by_j(table['M'])} "
            f"ELSE {by_j(table['S'])} END) * {scale}")


_KIND = "CASE sector " + " ".join(f"WHEN '{s}' THEN {choose('u_kind', w)}" for s, w in PROJECT_KINDS.items()) + " END"
_INVEST = ("least(greatest(rev25 * 0.35 * (CASE kind " +
           " ".join(f"WHEN '{k}' THEN {m}" for k, m in KIND_INVEST.items()) +
           f" ELSE 1 END) * exp(0.9 * {N('i', 'j', 2)}), 20), 3000000)"
           f" + CASE WHEN kind = 'chain' THEN 50000 ELSE 0 END")

# the project, its status and the overlaps with other measures: a renovation that is also a smart
# factory or buys robots, a pharma or dairy project that is also filed as equipment renewal
PROJECT_CORE = f"""
SELECT *,
  {P(3)} < CASE kind WHEN 'chain' THEN 0.8 WHEN 'dairy' THEN 0.65 ELSE 0.55 END AS done,
  {P(4)} < 0.8 AS ok,
  {P(5)} < CASE WHEN {kind_is('platform', 'resource', 'dairy')} THEN 0.65 ELSE 0.45 END AS is_new,
  ({P(3)} < CASE kind WHEN 'chain' THEN 0.8 WHEN 'dairy' THEN 0.65 ELSE 0.55 END AND {P(6)} < 0.9)
    OR {P(6)} < 0.05 AS producing,  -- in production once completed, rarely before
  kind = 'renov' OR (kind = 'smart' AND {P(7)} < 0.4) OR (kind = 'robot' AND {P(7)} < 0.3) AS renov,
  kind = 'robot' OR (kind = 'renov' AND {P(8)} < 0.1) OR (kind = 'smart' AND {P(8)} < 0.2) AS robot,
  kind = 'smart' OR (kind = 'renov' AND {P(9)} < 0.15) OR (kind = 'robot' AND {P(9)} < 0.1) AS smart,
  kind = 'renov' OR (kind = 'smart' AND {P(10)} < 0.5) OR (kind = 'robot' AND {P(10)} < 0.4)
    OR ({kind_is('pharma', 'dairy')} AND {P(10)} < 0.4) AS renewal,
  kind = 'dairy' AND {P(11)} < 0.06 AS lactoferrin,
  CASE WHEN kind = 'pharma' THEN {choose(P(12), MEDICAL)} END AS medical,
  {_INVEST} AS invest,
  round(1.2 + 0.45 * {P(13)}, 2) AS pue25,
  greatest(round(1.2 + 0.45 * {P(13)} - 0.3 * {P(14)}, 2), 1.1) AS pue26
FROM (SELECT i, id AS eid, sector, rev25, j, {_KIND} AS kind
      FROM (SELECT *, {P(1)} AS u_kind FROM _base, range(0, 6) AS s(j)
            WHERE {U('i', 90)} * 100 < {slots(PROJECT_SLOTS, "(CASE WHEN sector = 'other' THEN 0.5 ELSE 1 END)")}))
"""

PROJECT = f"""
SELECT 'P' || j AS id, eid AS "企业",
  {money("invest")} AS "投资额(万元)",
  {money(f"invest * CASE WHEN done THEN 0.9 + 0.15 * {P(20)} ELSE 0.2 + 0.7 * {P(20)} END")} AS "实际完成投资(万元)",
  {yes_no("done")} AS "已完工",
  {yes_no("ok")} AS "符合条件",
  {yes_no("is_new")} AS "新建",
  {yes_no("producing")} AS "已投产",
  CASE WHEN producing THEN {choose(P(21), {YEAR: 40, YEAR - 1: 30, YEAR - 2: 20, YEAR - 3: 10})} END AS "投产年份",
  CASE WHEN {kind_is('water', 'carbon', 'energy')} AND {P(22)} < 0.15 THEN 'true' END AS "打捆项目",
  CASE WHEN invest >= 50000 OR kind = 'chain' THEN 'true'
       WHEN {kind_is('newenergy', 'coal')} THEN {yes_no(f"{P(23)} < 0.5")} END AS "重大项目",
  CASE WHEN invest >= 50000 OR {kind_is('chain', 'newenergy', 'coal')} THEN {yes_no(f"{P(24)} < 0.35")} END
    AS "位于比较优势地区",
  CASE WHEN invest >= 50000 OR {kind_is('chain', 'newenergy', 'coal')} THEN {yes_no(f"{P(25)} < 0.12")} END
    AS "跨地区合作共建",
  {flag("renov")} AS "技术改造项目",
  CASE WHEN kind = 'renov' THEN {choose(P(26), {"工艺设备更新": 50, "新产品开发": 25, "其他技术改造": 25})} END
    AS "技改类型",
  CASE WHEN kind = 'chain' THEN 'true' WHEN renov OR kind = 'newenergy' THEN {yes_no(f"{P(27)} < 0.5")} END
    AS "属于先进制造业集群或优势特色产业链",
  {flag("smart")} AS "智能工厂或数字化车间项目",
  {flag("robot")} AS "机器换人项目",
  CASE WHEN robot THEN
    {money(f"invest * CASE WHEN kind = 'robot' THEN 0.5 + 0.4 * {P(28)} ELSE 0.1 + 0.2 * {P(28)} END")}
    END AS "工业机器人购置费用(万元)",
  {flag("renewal")} AS "制造业技术改造或设备更新",
  CASE WHEN renewal THEN {money("equipment")} END AS "设备软件投资(万元)",
  CASE WHEN {MFG} AND {kind_is('renov', 'smart', 'newenergy', 'chain', 'factory')} THEN {yes_no(f"{P(29)} < 0.4")} END
    AS "先进制造业项目",
  CASE WHEN kind = 'newtech' THEN {yes_no(f"{P(30)} < 0.75")} END AS "列入新技术产业化应用指导目录",
  CASE WHEN kind = 'newtech' THEN {yes_no(f"{P(31)} < 0.7")} END AS "区内转化应用",
  {flag("kind = 'chain'")} AS "延链补链强链重点项目",
  CASE WHEN kind = 'chain' THEN {money("interest * 0.8")} END AS "贷款实际利息[{YEAR - 1}](万元)",
  CASE WHEN kind = 'chain' AND producing THEN {money("interest")} END AS "贷款实际利息[{YEAR}](万元)",
  CASE WHEN kind = 'newenergy' THEN {yes_no(f"{P(32)} < 0.6")} END AS "新能源装备制造重大项目",
  CASE WHEN kind = 'newenergy' THEN {yes_no(f"{P(33)} < 0.35")} END AS "新能源开发与装备制造一体化",
  {flag("kind = 'platform'")} AS "工业互联网平台",
  CASE WHEN kind = 'platform' THEN {choose(P(34), {"区域级": 15, "行业级": 35, "企业级": 50})} END AS "平台层级",
  {flag("kind = 'scene'")} AS "新一代信息技术典型应用场景",
  {flag("kind = 'water'")} AS "节水技术改造项目",
  CASE WHEN kind = 'water' THEN
    {whole(f"35000 * (CASE WHEN {SIZE_L} THEN 3 ELSE 1 END) * exp(1.1 * {N('i', 'j', 35)})")}
    END AS "年节水量(吨)",
  {flag(f"kind = 'carbon' OR (kind = 'energy' AND {P(36)} < 0.5)")} AS "节能降碳项目",
  CASE WHEN kind = 'carbon' THEN {whole(f"3500 * exp(1.1 * {N('i', 'j', 37)})")}
       WHEN kind = 'energy' AND {P(36)} < 0.5 THEN {whole("saved * 2.5")} END AS "年降碳量(吨)",
  {flag(f"kind = 'energy' OR (kind = 'dc' AND {P(38)} < 0.4)")} AS "节能技术改造项目",
  CASE WHEN {kind_is('energy', 'dc')} THEN {whole("saved")} END AS "年节能量(吨标准煤)",
  {flag("kind = 'dc'")} AS "大数据中心",
  CASE WHEN kind = 'dc' AND {P(39)} < 0.9 THEN pue25::DECIMAL(4, 2)::VARCHAR END AS "PUE值[{YEAR - 1}]",
  CASE WHEN kind = 'dc' THEN pue26::DECIMAL(4, 2)::VARCHAR END AS "PUE值[{YEAR}]",
  {flag("kind = 'resource'")} AS "固废和再生资源利用项目",
  CASE WHEN kind = 'resource' THEN {yes_no(f"{P(40)} < 0.7")} END AS "采用先进适用技术",
  CASE WHEN kind = 'resource' THEN {whole(f"15000 * exp(1.2 * {N('i', 'j', 41)})")} END AS "年利用量(吨)",
  {flag("kind = 'resource'")} AS "工业资源综合利用项目",
  CASE WHEN kind = 'resource' THEN {money(f"invest * 0.15 * {P(42)}")} END AS "土地购置费(万元)",
  CASE WHEN kind = 'charge' THEN {choose(P(43), {"充电站": 40, "充电桩": 45, "加氢站": 15})} END AS "充电加氢设施",
  CASE WHEN kind = 'factory' THEN {yes_no(f"{P(44)} < 0.5")} END AS "原依法取得工业用地改造开发",
  CASE WHEN kind = 'factory' THEN {yes_no(f"{P(45)} < 0.65")} END AS "提高容积率",
  CASE WHEN kind = 'factory' THEN {yes_no(f"{P(46)} < 0.12")} END AS "改变土地用途",
  CASE WHEN kind = 'factory' THEN
    {choose(P(47), {"改建厂房": 25, "翻建厂房": 10, "建设地下厂房": 5, "扩建厂房": 35, "新建厂房": 25})} END
    AS "现有厂区内建设方式",
  {flag("kind = 'coal' OR (is_new AND sector IN ('mat', 'energy', 'dc'))")} AS "新上项目",
  CASE WHEN kind = 'coal' OR (is_new AND sector IN ('mat', 'energy', 'dc')) THEN {yes_no(f"{P(48)} < 0.55")} END
    AS "能耗强度低于标杆值",
  CASE WHEN kind = 'coal' THEN {choose(P(49), {"煤电气肥保供": 50, "现代煤化工": 50})}
       WHEN kind = 'dc' AND {P(50)} < 0.3 THEN '算力网络枢纽节点' END AS "能耗单列类别",
  {flag("kind = 'model'")} AS "垂直大模型",
  CASE WHEN kind = 'model' THEN {yes_no(f"{P(51)} < 0.35")} END AS "揭榜挂帅入选",
  CASE WHEN kind = 'model' THEN {money(f"invest * (0.6 + 0.35 * {P(52)})")} END AS "研发建设成本(万元)",
  {flag("kind = 'aiplat'")} AS "行业垂类人工智能平台",
  CASE WHEN kind = 'aiplat' THEN {yes_no(f"{P(53)} < 0.5")} END AS "赋能作用显著",
  CASE WHEN kind = 'aiplat' THEN {money(f"invest * (0.6 + 0.35 * {P(54)})")} END AS "平台投入(万元)",
  CASE WHEN lactoferrin THEN '生物制品' ELSE medical END AS "医药产品类别",
  CASE WHEN lactoferrin THEN 'true'
       WHEN medical IN ('一类化学药', '二类化学药', '生物制品', '中蒙药创新药', '改良型新药', '古代经典名方中药复方制剂')
       THEN {yes_no(f"{P(55)} < 0.6")} END AS "获得国家批准文号",
  CASE WHEN medical = '第三类医疗器械' THEN {yes_no(f"{P(56)} < 0.4")} END AS "填补自治区空白",
  CASE WHEN medical = '第二类医疗器械' THEN {yes_no(f"{P(57)} < 0.4")} END AS "进入创新医疗器械特别审查程序",
  CASE WHEN medical = '第二类医疗器械' THEN {yes_no(f"{P(58)} < 0.7")} END AS "取得第二类医疗器械首次注册证书",
  CASE WHEN medical = '第二类医疗器械' THEN {yes_no(f"{P(59)} < 0.25")} END AS "二类体外诊断试剂或设备零部件",
  CASE WHEN medical = '创新兽药' THEN {choose(P(60), {"一类": 10, "二类": 25, "三类": 40, "四类": 15, "五类": 10})}
    END AS "新兽药注册证书类别",
  CASE WHEN lactoferrin THEN 'true' WHEN kind = 'pharma' THEN {yes_no(f"{P(61)} < 0.7")} END AS "实现产业化",
  CASE WHEN {kind_is('pharma', 'dairy')} THEN {money("equipment")} END AS "设备投资总额(万元)",
  {flag("kind = 'dairy'")} AS "乳制品精深加工项目"
FROM (
  SELECT *,
    invest * (CASE WHEN {kind_is('pharma', 'dairy')} THEN 0.4 + 0.3 * {P(62)} ELSE 0.35 + 0.45 * {P(62)} END)
      AS equipment,
    invest * (0.4 + 0.3 * {P(63)}) * (0.035 + 0.01 * {P(64)}) AS interest,
    CASE WHEN kind = 'dc' THEN 40000 * exp(0.8 * {N('i', 'j', 65)}) * (pue25 - pue26) / pue25
         ELSE 1400 * exp({N('i', 'j', 65)}) END AS saved
  FROM ({PROJECT_CORE})
)
"""

# ---- recognitions ------------------------------------------------------------------------------

CERT_TYPES = {  # weights of a recognition's type: SMEs in industry, large firms, software/IT, others
    "sme": {"创新型中小企业": 110, "专精特新中小企业": 80, "专精特新小巨人": 30, "制造业单项冠军": 6, "智能工厂": 50,
            "绿色工厂": 80, "绿色产品": 25, "绿色供应链": 12, "绿色园区": 4, "能效领跑者": 8, "水效领跑者": 6,
            "节水标杆": 20, "零碳工厂": 4, "无废企业典型案例": 5, "企业技术中心": 80, "工业设计中心": 25,
            "制造业创新中心": 20, "技术创新示范企业": 10, "质量标杆企业": 12, "两化融合管理体系贯标": 60,
            "技术改造先进企业": 25, "科技创新先进企业": 20, "节能降耗先进企业": 15, "数字化应用先进企业": 15,
            "专精特新先进企业": 12},
    "large": {"制造业单项冠军": 40, "智能工厂": 80, "绿色工厂": 100, "绿色产品": 30, "绿色供应链": 40, "绿色园区": 15,
              "能效领跑者": 25, "水效领跑者": 15, "节水标杆": 20, "零碳工厂": 12, "无废企业典型案例": 12,
              "企业技术中心": 100, "工业设计中心": 40, "制造业创新中心": 40, "技术创新示范企业": 25, "质量标杆企业": 25,
              "两化融合管理体系贯标": 80, "技术改造先进企业": 40, "科技创新先进企业": 30,
              "节能降耗先进企业": 30, "数字化应用先进企业": 25},
    "it": {"创新型中小企业": 150, "专精特新中小企业": 90, "专精特新小巨人": 20, "优秀云服务商": 60,
           "两化融合管理体系贯标": 40, "企业技术中心": 40, "数字化应用先进企业": 30, "科技创新先进企业": 30,
           "能效领跑者": 10},
    "other": {"创新型中小企业": 200, "专精特新中小企业": 60, "企业技术中心": 40, "节水标杆": 30, "质量标杆企业": 15,
              "绿色供应链": 10},
}
# P(国家级) per type; the rest are 自治区级 (智能工厂: by grade, 先进级 is the region's)
NATIONAL = {"绿色工厂": 0.35, "绿色产品": 0.35, "绿色供应链": 0.35, "绿色园区": 0.5, "企业技术中心": 0.2,
            "工业设计中心": 0.25, "制造业创新中心": 0.2, "两化融合管理体系贯标": 0.95, "能效领跑者": 1,
            "水效领跑者": 1, "零碳工厂": 1, "无废企业典型案例": 1, "专精特新小巨人": 1, "制造业单项冠军": 1,
            "技术创新示范企业": 1, "质量标杆企业": 0.8, "节水标杆": 0.2}
BY_MIIT = ("专精特新小巨人", "制造业单项冠军", "智能工厂", "绿色工厂", "绿色产品", "绿色供应链", "绿色园区",
           "能效领跑者", "水效领跑者", "零碳工厂", "工业设计中心", "技术创新示范企业", "制造业创新中心")
CERT_SLOTS = {"S": (35, 12, 4, 0, 0), "M": (65, 40, 20, 10, 4), "L": (85, 65, 45, 30, 20)}
CERT_YEARS = {YEAR: 35, YEAR - 1: 25, YEAR - 2: 15, YEAR - 3: 10, YEAR - 4: 5, YEAR - 5: 4, YEAR - 6: 3, YEAR - 7: 3}


def _cert_type() -> str:
    group = f"CASE WHEN sector IN ('soft', 'dc') THEN 'it' WHEN sector = 'other' THEN 'other' " \
            f"WHEN {SIZE_L} THEN 'large' ELSE 'sme' END"
    return f"CASE {group} " + " ".join(
        f"WHEN '{g}' THEN {choose('u_type', ws)}"
        for g, ws in CERT_TYPES.items()) + " END"


_NATIONAL = "CASE type " + " ".join(f"WHEN '{t}' THEN {p}" for t, p in NATIONAL.items()) + " ELSE 0 END"
_MIIT = "type IN (" + ", ".join(f"'{t}'" for t in BY_MIIT) + ")"

CERTIFICATION = f"""
SELECT 'C' || j AS id, eid AS "企业", type AS "类型", grade AS "等级",
  CASE WHEN {P(5)} < 0.03 THEN NULL WHEN level = '自治区级' THEN '自治区' WHEN {_MIIT} THEN '工信部' ELSE '国家' END
    AS "认定机构",
  level AS "层级",
  CASE WHEN type = '登云标杆企业' THEN {choose(P(6), {YEAR: 50, YEAR - 1: 50})} ELSE {choose(P(6), CERT_YEARS)} END
    AS "年份",
  {yes_no(f"{P(7)} < 0.8")} AS "首次",
  CASE WHEN type = '两化融合管理体系贯标' THEN
    {choose(P(8), {"A级": 30, "二A级": 30, "三A级": 25, "四A级": 10, "五A级": 5})} END AS "两化融合等级"
FROM (
  SELECT *, CASE WHEN type = '智能工厂' THEN (CASE WHEN grade = '先进级' THEN '自治区级' ELSE '国家级' END)
                 WHEN {P(4)} < {_NATIONAL} THEN '国家级' ELSE '自治区级' END AS level
  FROM (
    SELECT *, CASE WHEN type = '智能工厂' THEN {choose(P(3), {"先进级": 70, "卓越级": 25, "领航级": 5})} END AS grade
    FROM (
      SELECT i, id AS eid, j, {_cert_type()} AS type
      FROM (SELECT *, {P(1)} AS u_type FROM _base, range(0, 5) AS s(j)
            WHERE {U('i', 91)} * 100 < {slots(CERT_SLOTS, "(CASE WHEN sector = 'other' THEN 0.6 ELSE 1 END)")})
      UNION ALL  -- 登云标杆企业 with the enterprise's cloud investment (a tenth report the cost only)
      SELECT i, id, 9, '登云标杆企业' FROM _base WHERE {DENGYUN} AND {U('i', 62)} < 0.9
    )
  )
)
ORDER BY i, j
"""

# ---- standards, craftsmen, products, drugs, data sets ------------------------------------------

STANDARD = f"""
SELECT 'S' || j AS id, id AS "企业",
  {choose(P(1), {"国际标准": 5, "国家标准": 35, "行业标准": 60})} AS "级别",
  {choose(P(2), {"主导": 35, "参与": 65})} AS "角色",
  {choose(P(3), {YEAR - 2: 20, YEAR - 1: 45, YEAR: 35})} AS "发布年份"
FROM _base, range(0, 6) AS s(j)
WHERE {U('i', 70)} < CASE WHEN {MFG} AND {SIZE_M} THEN 0.12 WHEN {MFG} THEN 0.04 WHEN sector = 'soft' THEN 0.06
                          ELSE 0.01 END
  AND {U('i', 92)} < CASE j WHEN 0 THEN 1 WHEN 1 THEN 0.55 WHEN 2 THEN 0.35 WHEN 3 THEN 0.2 WHEN 4 THEN 0.1
                          ELSE 0.05 END
"""

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红海峰宝山巴特尔格日乐图雅斯琴额尔德木"

PERSON = f"""
SELECT 'H' || j AS id, id AS "企业",
  substr('{SURNAMES}', 1 + (hash(i, j, 1) % {len(SURNAMES)})::INT, 1)
    || substr('{GIVEN}', 1 + (hash(i, j, 2) % {len(GIVEN)})::INT, 1)
    || CASE WHEN {P(3)} < 0.6 THEN substr('{GIVEN}', 1 + (hash(i, j, 4) % {len(GIVEN)})::INT, 1) ELSE '' END
    AS "姓名",
  {choose(P(5), {"北疆工匠": 90, "大国工匠": 10})} AS "工匠称号",
  {choose(P(6), {YEAR: 35, YEAR - 1: 30, YEAR - 2: 20, YEAR - 3: 10, YEAR - 5: 5})} AS "称号授予年份"
FROM _base, range(0, 3) AS s(j)
WHERE {U('i', 71)} < CASE WHEN {MFG} AND {SIZE_M} THEN 0.05 WHEN {MFG} THEN 0.012 ELSE 0.004 END
  AND {U('i', 93)} < CASE j WHEN 0 THEN 1 WHEN 1 THEN 0.3 ELSE 0.1 END
"""

EQUIPMENT_NAMES = ["智能化综采成套装备", "大功率风电主轴轴承", "高纯石墨负极材料", "稀土永磁同步电机", "氢燃料电池电堆",
                   "矿用电动轮自卸车", "光伏组件封装胶膜", "碳纤维复合材料", "高压变频调速装置", "特种合金无缝钢管"]
SOFTWARE_NAMES = ["生产执行系统", "设备预测性维护平台", "能耗在线监测系统", "乳品质量追溯系统", "智能排产软件",
                  "工业视觉检测软件", "安全生产管控平台", "供应链协同平台"]

PRODUCT = f"""
SELECT id, "企业", "名称", "首台套类别", "首台套认定层级", "首台套保费(万元)", "首版次软件", "取得知识产权或证书",
  "规定期限内实际销售总额(万元)", "工业软件", "新开发", "研发实际投入(万元)", "入选工信部生物制造标志性产品"
FROM (
  -- first sets / first batches of equipment, parts and materials makers (2022 四)
  SELECT i, 'G' || j AS id, id AS "企业", {choose(P(1), {n: 1 for n in EQUIPMENT_NAMES})} AS "名称",
    CASE WHEN sector = 'mat' AND {P(2)} < 0.7 THEN '新材料首批次'
         ELSE {choose(P(3), {"技术装备首台套": 55, "关键零部件首批次": 30, "新材料首批次": 15})} END AS "首台套类别",
    {choose(P(4), {"自治区级": 85, "国家级": 15})} AS "首台套认定层级",
    {money(lognormal("40", 0.8, "i", "j", 5))} AS "首台套保费(万元)",
    NULL AS "首版次软件", NULL AS "取得知识产权或证书", NULL AS "规定期限内实际销售总额(万元)", NULL AS "工业软件",
    NULL AS "新开发", NULL AS "研发实际投入(万元)", NULL AS "入选工信部生物制造标志性产品"
  FROM _base, range(0, 2) AS s(j)
  WHERE sector IN ('mfg', 'mat', 'energy', 'auto') AND {U('i', 80)} < CASE WHEN {SIZE_M} THEN 0.08 ELSE 0.02 END
    AND (j = 0 OR {U('i', 94)} < 0.3)
  UNION ALL
  -- first-edition and industrial software (2022 十五, 2026 四（三）)
  SELECT i, 'R' || j, id, {choose(P(11), {n: 1 for n in SOFTWARE_NAMES})},
    NULL, NULL, NULL,
    {yes_no(f"{P(12)} < 0.55")}, CASE WHEN {P(12)} < 0.55 THEN {yes_no(f"{P(13)} < 0.85")} END,
    CASE WHEN {P(12)} < 0.55 THEN {money(lognormal("400", 1.2, "i", "j", 14))} END,
    {yes_no(f"{P(12)} >= 0.35")}, CASE WHEN {P(12)} >= 0.35 THEN {yes_no(f"{P(15)} < 0.75")} END,
    CASE WHEN {P(12)} >= 0.35 THEN {money(lognormal("500", 1.0, "i", "j", 16))} END,
    NULL
  FROM _base, range(0, 4) AS s(j)
  WHERE (sector = 'soft' AND {U('i', 81)} < 0.55
         AND {U('i', 95)} < CASE j WHEN 0 THEN 1 WHEN 1 THEN 0.55 WHEN 2 THEN 0.3 ELSE 0.15 END)
     OR ({MFG} AND {SIZE_M} AND {U('i', 81)} < 0.03 AND j = 0)
  UNION ALL
  -- bio-manufacturing landmark products, selected or not (2026 六（四）)
  SELECT i, 'B0', id, '生物制造产品', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    {yes_no(f"{U('i', 83)} < 0.6")}
  FROM _base WHERE {BIO} AND {U('i', 82)} < 0.15
)
ORDER BY i, id
"""

DRUG_NAMES = ["盐酸二甲双胍片", "阿莫西林胶囊", "阿托伐他汀钙片", "苯磺酸氨氯地平片", "头孢克肟颗粒", "奥美拉唑肠溶胶囊",
              "布洛芬缓释胶囊", "硫酸氢氯吡格雷片", "盐酸左氧氟沙星片", "瑞舒伐他汀钙片", "注射用头孢曲松钠", "蒙药扎冲十三味丸"]

DRUG = f"""
SELECT 'Y' || j AS id, id AS "企业", {choose(P(1), {n: 1 for n in DRUG_NAMES})} AS "名称",
  {yes_no("generic")} AS "仿制药",
  CASE WHEN generic THEN {yes_no("accepted")} END AS "一致性评价申请已受理",
  CASE WHEN generic THEN {yes_no("filed")} END AS "一致性评价临床试验已备案",
  CASE WHEN generic THEN {yes_no(f"(accepted OR filed) AND {P(5)} < 0.5")} END AS "通过一致性评价",
  CASE WHEN generic AND (accepted OR filed) THEN {money(lognormal("900", 0.6, "i", "j", 6))} END AS "一致性评价总投入(万元)",
  {yes_no(f"{P(7)} < CASE WHEN generic THEN 0.03 ELSE 0.5 END")} AS "按新化学药品分类注册获批"
FROM (
  SELECT *, {P(2)} < 0.85 AS generic, {P(3)} < 0.6 AS accepted, {P(4)} < 0.2 AS filed
  FROM _base, range(0, 4) AS s(j)
  WHERE {U('i', 84)} < CASE sector WHEN 'pharma' THEN 0.55 WHEN 'bio' THEN 0.1 ELSE 0 END
    AND {U('i', 96)} < CASE j WHEN 0 THEN 1 WHEN 1 THEN 0.6 WHEN 2 THEN 0.35 ELSE 0.15 END
)
"""

DATASET = f"""
SELECT 'D' || j AS id, id AS "企业",
  CASE WHEN {P(1)} < CASE WHEN sector IN ('soft', 'dc') THEN 0.45 ELSE 0.25 END THEN '行业数据集' ELSE '企业数据集' END
    AS "类别",
  {members(("登记", f"{P(2)} < 0.45"), ("入表", f"{P(3)} < 0.25"), ("交易", f"{P(4)} < 0.15"),
           ("开放", f"{P(5)} < 0.15"))} AS "首次完成环节",
  {money(lognormal("250", 1.0, "i", "j", 6))} AS "研发建设成本(万元)"
FROM _base, range(0, 3) AS s(j)
WHERE {U('i', 85)} < CASE WHEN sector = 'soft' THEN 0.15 WHEN sector = 'dc' THEN 0.2 WHEN {MFG} AND {SIZE_M} THEN 0.05
                          WHEN {MFG} THEN 0.015 ELSE 0.01 END
  AND {U('i', 97)} < CASE j WHEN 0 THEN 1 WHEN 1 THEN 0.4 ELSE 0.15 END
"""

# ---- parks and clusters ------------------------------------------------------------------------

# square-free n whose √n has small continued-fraction terms: frac(p·√n) spreads evenly even over
# the first ten p, and different n are independent
ROOTS = [137, 106, 58, 217, 3, 70, 190, 311, 163, 334, 21, 179, 115, 19, 385, 2, 389, 309, 94, 113, 46, 233]


def W(k: int, var: str = "p") -> str:
    """A low-discrepancy draw in [0, 1) for park or cluster p (the Kronecker sequence frac(p·√n)):
    over even a handful of parks the draws of one attribute spread evenly."""
    alpha = ROOTS[k] ** 0.5 % 1
    return f"(({var} * {alpha!r}) - floor({var} * {alpha!r}))"


PARK_COUNT = "greatest(10, {n} // 500)"
CLUSTER_COUNT = "greatest(6, {n} // 1000)"

# The yearly park assessment names the top 12% of the industrial parks it assessed 综合实力强 (so
# every assessment year has one) and gives each of the five single titles to about 15%.
PARK = f"""
SELECT 'YQ' || lpad(p::VARCHAR, 5, '0') AS id, '{YEAR}' AS "申报年度",
  {SHORT_CITY} || {choose(W(1), {"经济技术开发区": 3, "高新技术产业开发区": 2, "工业园区": 4, "化工园区": 1,
                                 "装备制造产业园": 1})} AS "名称",
  {yes_no("industrial")} AS "工业园区",
  {yes_no(f"{W(3)} < 0.3")} AS "建成一体化管控平台",
  {members(("低碳示范园区", f"{W(4)} < 0.2"), ("零碳示范园区", f"{W(4)} >= 0.9"))} AS "自治区示范称号",
  CASE WHEN {W(4)} < 0.2 OR {W(4)} >= 0.9 THEN
    CASE WHEN {W(5)} < 0.2 THEN '0' ELSE {whole(f"50000 * exp(2 * ({W(6)} - 0.5))")} END END
    AS "新增可再生能源消纳对应能耗量(吨标准煤)",
  {members(*[(m, f"{W(7 + n)} < 0.3") for n, m in enumerate(["污水", "渣场", "供热", "管网", "标准厂房", "其他基础设施"])])}
    AS "基础设施项目",
  assessed AS "考核年度",
  CASE WHEN industrial THEN {members(("综合实力强", "rank <= ceil(0.12 * parks)"),
    *[(m, f"{W(14 + n)} < 0.15") for n, m in enumerate(["争先进位快", "亩均效益高", "绿色转型好", "科技创新强", "招商引资多"])])}
    END AS "考核称号"
FROM (
  SELECT *, row_number() OVER (PARTITION BY industrial, assessed ORDER BY {W(13)}, p) AS rank,
    count(*) OVER (PARTITION BY industrial, assessed) AS parks
  FROM (SELECT p, city, industrial,
          CASE WHEN industrial THEN (CASE WHEN {W(12)} < 0.8 THEN '{YEAR}' ELSE '{YEAR - 1}' END) END AS assessed
        FROM (SELECT p, {choose(W(0), {c: w for c, (w, _, _) in CITIES.items()})} AS city, {W(2)} < 0.95 AS industrial
              FROM range(1, {PARK_COUNT} + 1) AS t(p)))
)
ORDER BY p
"""

CLUSTER_NAMES = ["稀土新材料", "乳制品", "羊绒纺织", "光伏装备", "风电装备", "氢能装备", "生物发酵", "现代煤化工配套",
                 "马铃薯加工", "蒙中医药"]

CLUSTER = f"""
SELECT 'JQ' || lpad(p::VARCHAR, 5, '0') AS id, '{YEAR}' AS "申报年度",
  {SHORT_CITY} || {choose(W(1), {n: 1 for n in CLUSTER_NAMES})} || '特色产业集群' AS "名称",
  {yes_no(f"{W(2)} < 0.9")} AS "中小企业特色产业集群",
  CASE WHEN {W(3)} < 0.3 THEN '国家级' ELSE '自治区级' END AS "层级",
  {choose(W(4), {YEAR: 45, YEAR - 1: 30, YEAR - 2: 25})} AS "认定年份"
FROM (SELECT p, {choose(W(0), {c: w for c, (w, _, _) in CITIES.items()})} AS city
      FROM range(1, {CLUSTER_COUNT} + 1) AS t(p))
"""

BAD_ROWS = """
UPDATE "项目" SET "年节水量(吨)" = '-5' WHERE id = 'P0' AND "企业" IN (SELECT id FROM "企业" WHERE hash(id) % 1000 = 1);
UPDATE "项目" SET "投资额(万元)" = '3千' WHERE id = 'P0' AND "企业" IN (SELECT id FROM "企业" WHERE hash(id) % 1000 = 2);
UPDATE "企业" SET id = NULL WHERE hash(id) % 5000 = 3;
"""

TABLES = {"企业": ENTERPRISE, "项目": PROJECT, "认定": CERTIFICATION, "标准": STANDARD, "人员": PERSON,
          "产品": PRODUCT, "药品": DRUG, "数据集": DATASET}
ROOTS = {"园区": PARK, "集群": CLUSTER}  # roots of their own, besides 企业
SETS = {"地区", "首次完成环节", "自治区示范称号", "基础设施项目", "考核称号"}  # `;`-separated columns


def generate(n: int, out: Path, fmt: str, bad: bool = True) -> dict[str, int]:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TEMP TABLE _base AS {BASE.replace('{n}', str(int(n)))}")
    tables = {**TABLES, **ROOTS}
    for name, sql in tables.items():
        con.execute(f'CREATE TABLE "{name}" AS {sql.replace("{n}", str(int(n)))}')
    con.execute("DROP TABLE _base")
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


HEADER = re.compile(r"^(?P<name>[^\[(]+)(?:\[(?P<year>\d+)\])?(?:\((?P<unit>[^)]+)\))?$")


def _records(con, kind: str):
    """(row, record as a profile would write it): units in the values, per-year attributes as
    {year: value}, sets as lists."""
    cursor = con.execute(f'SELECT * FROM "{kind}"')
    specs = [HEADER.match(d[0]).groupdict() for d in cursor.description]
    while rows := cursor.fetchmany(10000):
        for row in rows:
            record = {}
            for spec, value in zip(specs, row):
                if value is None or spec["name"] == "企业":
                    continue
                text = value + (spec["unit"] or "")
                if spec["name"] in SETS:
                    record[spec["name"]] = text.split(";")
                elif spec["year"]:
                    record.setdefault(spec["name"], {})[spec["year"]] = text
                else:
                    record[spec["name"]] = text
            yield row, record


def write_jsonl(con, out: Path) -> None:
    """Nested profiles, one per line, with units written in the values as a person would; the
    enterprises first, then the parks and clusters."""
    children: dict[str, dict[str, list]] = {}
    for kind in TABLES:
        if kind == "企业":
            continue
        for row, record in _records(con, kind):
            children.setdefault(row[1], {}).setdefault(kind, []).append(record)
    with open(out, "w", encoding="utf-8") as stream:
        for row, record in _records(con, "企业"):
            record.update(children.get(row[0], {}))
            stream.write(json.dumps({"企业": record}, ensure_ascii=False) + "\n")
        for kind in ROOTS:
            for _, record in _records(con, kind):
                stream.write(json.dumps({kind: record}, ensure_ascii=False) + "\n")


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
