"""Generated rule files: the DuckDB backend (`policylog screen`) agrees with the pyDatalog
reference (`policylog qualify`) on every award of every profile.

Hypothesis writes a small policy file over the fixed vocabulary in tests/fixtures/sqlgen/ —
thresholds (>=, >, <=, <, =, !=), booleans, enumerations (`=`, `in`), `has` on sets, years and
per-year values, arithmetic, `not`, `or`, `and`, `exists` over children and grandchildren,
exceptions (`unless … then`), and amounts: fixed, rate × base, per unit × quantity, differences,
`min`/`max`, tier tables (complete or not), `up to` / `at least` ranges, caps with several
bounds, payer splits, informational provisions, `total cap … per … over` and `not cumulative` —
and a batch of random profiles (values spelled several ways, a few invalid), then screens the
whole batch in one run and compares it with `qualify` on each profile: the same rejected
profiles, and for every award its provision, subject, status (paid / informational /
excluded), amount low and high, payer split and the provision that excluded it.

The vocabulary is parsed once; each example parses and checks only its own policy file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylog.dsl.checker import check
from policylog.dsl.diagnostics import PolicylogError, has_errors
from policylog.dsl.parser import parse_text

from .conftest import FIXTURES
from .sql_support import assert_backends_agree, assert_rows_reproduced

VOCABULARY = FIXTURES / "sqlgen" / "vocabulary.policy"
_VOCABULARY_MODULE = []


def rule_base_from(policy_text: str):
    """The fixed vocabulary plus one generated policy file, parsed and checked."""
    if not _VOCABULARY_MODULE:
        _VOCABULARY_MODULE.append(parse_text(VOCABULARY.read_text(encoding="utf-8"), str(VOCABULARY)))
    module = parse_text(policy_text, "generated.policy")
    rule_base = check((_VOCABULARY_MODULE[0], module))
    rule_base.sources = {"generated.policy": policy_text}
    if has_errors(rule_base.diagnostics):
        raise PolicylogError(rule_base.diagnostics)
    return rule_base


# ---- the vocabulary, as the generator sees it ----------------------------------------------------

PARENT = {"企业": None, "园区": None, "项目": "企业", "认定": "企业", "设备": "项目"}
CHILDREN = {"企业": ["项目", "认定"], "项目": ["设备"], "认定": [], "设备": [], "园区": []}
OPS = [">=", ">=", ">", "<=", "<", "=", "!="]
MONEY = ["0万元", "500万元", "1000万元", "1500万元", "2000万元", "5000万元", "1亿元"]
MASS = ["0吨", "1000吨", "5万吨", "50000吨"]
YEARS = ["2024", "2025", "2026", "2027"]


def scope_of(kind: str) -> list[str]:
    chain = []
    while kind is not None:
        chain.append(kind)
        kind = PARENT[kind]
    return chain[::-1]


def atom(draw, kind: str, scope: list[str]) -> str:
    """One comparison or test on a record of `kind` (which may also read the records in scope)."""
    op = draw(st.sampled_from(OPS))
    money = draw(st.sampled_from(MONEY))
    pick = st.sampled_from
    options = {
        "企业": [
            "企业.制造业",
            f"企业.申报年度 {op} {draw(pick(YEARS))}",
            f"企业.地区 has {draw(pick(['脱贫地区', '革命老区', '民族地区']))}",
            f"企业.规模 = {draw(pick(['大型', '中型', '小型']))}",
            "企业.规模 in {大型, 中型}",
            f"企业.营业收入[企业.申报年度] {op} {money}",
            f"企业.营业收入[2025] {op} {money}",
            "企业.营业收入[企业.申报年度] > 企业.营业收入[企业.申报年度 - 1]",
            f"企业.员工数 {op} {draw(pick(['0', '10', '50', '300']))}",
            f"企业.研发投入 {op} {money}",
            f"企业.研发投入 + 企业.营业收入[企业.申报年度] {op} {money}",
        ],
        "项目": [
            "项目.已完工",
            f"项目.类型 = {draw(pick(['技改', '节能', '节水', '数字化']))}",
            "项目.类型 in {节能, 节水}",
            f"项目.投资额 {op} {money}",
            f"项目.设备投资 {op} {money}",
            f"项目.年节水量 {op} {draw(pick(MASS))}",
            "项目.投产年份 <= 企业.申报年度",
            f"项目.国产化率 {op} {draw(pick(['50%', '0.5', '100%']))}",
            "2 * 项目.设备投资 >= 项目.投资额",
            f"项目.投资额 - 项目.设备投资 {op} {money}",
            f"企业.营业收入[项目.投产年份] {op} {money}",
        ],
        "认定": [
            "认定.首次",
            f"认定.类型 = {draw(pick(['智能工厂', '绿色工厂', '小巨人']))}",
            "认定.等级 in {卓越级, 领航级}",
            "认定.年份 = 企业.申报年度",
            f"认定.年份 {op} {draw(pick(YEARS))}",
        ],
        "设备": [
            f"设备.台数 {op} {draw(pick(['1', '10', '20']))}",
            f"设备.购置费 {op} {money}",
            "设备.购置费 <= 项目.设备投资",
        ],
        "园区": [
            f"园区.申报年度 {op} {draw(pick(YEARS))}",
            f"园区.称号[园区.申报年度] has {draw(pick(['示范园区', '零碳园区']))}",
            "园区.称号[2025] has 零碳园区",
            f"园区.投资额 {op} {money}",
        ],
    }
    return draw(st.sampled_from(options[kind]))


def condition(draw, scope: list[str], depth: int) -> str:
    outside = [c for k in scope for c in CHILDREN[k] if c not in scope]
    shapes = ["atom", "atom", "atom"]
    if depth > 0:
        shapes += ["not", "or", "or", "and"] + (["exists", "exists"] if outside else [])
    shape = draw(st.sampled_from(shapes))
    if shape == "atom":
        return atom(draw, draw(st.sampled_from(scope)), scope)
    if shape == "not":
        return f"not ({condition(draw, scope, depth - 1)})"
    if shape in ("or", "and"):
        return f"({condition(draw, scope, depth - 1)}) {shape} ({condition(draw, scope, depth - 1)})"
    child = draw(st.sampled_from(outside))
    inner = scope + [child]
    parts = [atom(draw, child, inner)]
    if draw(st.booleans()):
        parts.append(condition(draw, inner, depth - 1))
    return f"exists {child} ({' and '.join(f'({p})' for p in parts)})"


NUMBERS = {  # references an amount may multiply, by kind: (reference, what it counts)
    "企业": [("企业.研发投入", "money"), ("企业.员工数", "count"), ("企业.营业收入[企业.申报年度]", "money")],
    "项目": [("项目.投资额", "money"), ("项目.设备投资", "money"), ("项目.年节水量", "mass")],
    "认定": [],
    "设备": [("设备.购置费", "money"), ("设备.台数", "count")],
    "园区": [("园区.投资额", "money")],
}


def money_term(draw, scope: list[str], depth: int = 1) -> str:
    refs = [r for k in scope for r in NUMBERS[k]]
    money_refs = [r for r, what in refs if what == "money"]
    shapes = ["fixed"] + (["rate", "rate"] if money_refs else []) + (["per-unit"] if refs else [])
    if len(money_refs) >= 2:
        shapes.append("difference")
    if depth > 0:
        shapes.append("min-max")
    shape = draw(st.sampled_from(shapes))
    if shape == "fixed":
        return draw(st.sampled_from(["30万元", "100万元", "500万元", "2万元", "12345.67元"]))
    if shape == "rate":
        return f"{draw(st.sampled_from(['20%', '50%', '5%', '0.5%']))} * {draw(st.sampled_from(money_refs))}"
    if shape == "per-unit":
        ref, what = draw(st.sampled_from(refs))
        rate = {"money": ["10%", "2%"], "mass": ["10元/吨", "100元/吨", "0.5元/吨"],
                "count": ["5000元", "2万元"]}[what]
        return f"{draw(st.sampled_from(rate))} * {ref}"
    if shape == "difference":
        a, b = draw(st.lists(st.sampled_from(money_refs), min_size=2, max_size=2, unique=True))
        return f"20% * ({a} - {b})"
    function = draw(st.sampled_from(["min", "max"]))
    terms = [money_term(draw, scope, depth - 1) for _ in range(draw(st.integers(2, 3)))]
    return f"{function}({', '.join(terms)})"


TIER_KEYS = {"企业": [("企业.规模", ["大型", "中型", "小型"])],
             "项目": [("项目.类型", ["技改", "节能", "节水", "数字化"])],
             "认定": [("认定.等级", ["先进级", "卓越级", "领航级"]), ("认定.类型", ["智能工厂", "绿色工厂", "小巨人"])],
             "设备": [], "园区": []}


def amount_lines(draw, scope: list[str]) -> list[str]:
    keys = [k for kind in scope for k in TIER_KEYS[kind]]
    forms = ["exact", "exact", "up to", "at least", "informational"] + (["tiers", "tiers"] if keys else [])
    form = draw(st.sampled_from(forms))
    if form == "informational":
        return ['informational "described, not computed"']
    if form == "tiers":
        key, members = draw(st.sampled_from(keys))
        chosen = draw(st.lists(st.sampled_from(members), min_size=1, unique=True))
        lines = [f"amount by {key} {{ " + ", ".join(f"{m}: {money_term(draw, scope)}" for m in chosen) + " }"]
    elif form == "exact":
        lines = [f"amount {money_term(draw, scope)}"]
    else:
        lines = [f"amount {form} {money_term(draw, scope)}"]
    caps = draw(st.lists(st.just(None), max_size=3))
    if caps:
        lines.append("cap " + ", ".join(money_term(draw, scope, 0) for _ in caps))
    payer = draw(st.sampled_from([None, None, "payer 自治区 50%, 盟市 50%", "payer 盟市",
                                  "payer 自治区 30%, 盟市 30%, 旗县 40%", "payer 自治区 12.5%, 旗县 87.5%"]))
    if payer:
        lines.append(payer)
    return lines


@st.composite
def policy_files(draw) -> str:
    """One or two policies of one to four clauses, each of one to three provisions."""
    out = []
    earlier: list[str] = []  # paid provisions of the policies written so far
    for policy in draw(st.sampled_from([["gen"], ["gen"], ["gen", "alt"]])):
        default = draw(st.sampled_from(["自治区", "自治区 50%, 盟市 50%", "旗县"]))
        clauses, paid = [], []
        for c in range(1, draw(st.integers(1, 4)) + 1):
            n = draw(st.integers(1, 3))
            ids = [f"{policy}.{c}"] if n == 1 else [f"{policy}.{c}{'abc'[i]}" for i in range(n)]
            provisions = []
            kinds = {}
            for pid in ids:
                subject = draw(st.sampled_from(["企业", "企业", "项目", "项目", "认定", "设备", "园区"]))
                kinds[pid] = subject
                scope = scope_of(subject)
                lines = [] if subject == "企业" and draw(st.booleans()) else [f"for {subject}"]
                for w in range(draw(st.sampled_from([1, 1, 2, 3]))):
                    # deep enough for every construct, shallow enough that the DNF stays small
                    line = f"when 条件{w}: {condition(draw, scope, draw(st.sampled_from([1, 1, 2])))}"
                    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
                        line += (f" unless {condition(draw, scope, draw(st.sampled_from([0, 1])))}"
                                 f" then {condition(draw, scope, draw(st.sampled_from([0, 1])))}")
                    lines.append(line)
                amount = amount_lines(draw, scope)
                if not amount[0].startswith("informational"):
                    paid.append(pid)
                lines += amount
                provisions.append(f"    provision {pid} {{\n" + "".join(f"      {l}\n" for l in lines) + "    }\n")
            caps = []
            if n > 1 and draw(st.integers(0, 4)) > 1:
                over = draw(st.lists(st.sampled_from(ids), min_size=2, unique=True))
                per = draw(st.sampled_from(sorted({k for p in over for k in scope_of(kinds[p])})))
                caps.append(f"    total cap {draw(st.sampled_from(['50万元', '100万元', '300万元', '1000万元']))} "
                            f"per {per} over {', '.join(over)}\n")
            clauses.append(f"  clause {policy}.{c} {{\n    text \"\"\"generated clause\"\"\"\n"
                           + "".join(provisions) + "".join(caps) + "  }\n")
        groups = []
        if len(paid) >= 2 and draw(st.integers(0, 3)) > 0:
            members = draw(st.lists(st.sampled_from(paid), min_size=2, max_size=4, unique=True))
            groups.append(f"  not cumulative {', '.join(members)} \"generated\"\n")
        if paid and earlier and draw(st.booleans()):  # a group across the two policies
            members = [draw(st.sampled_from(paid)), draw(st.sampled_from(earlier))]
            groups.append(f"  not cumulative {', '.join(members)} \"across policies\"\n")
        earlier += paid
        out.append(f"policy {policy} {{\n  title \"generated\"\n  default payer {default}\n"
                   + "".join(groups) + "".join(clauses) + "}\n")
    return "\n".join(out)


# ---- profiles ------------------------------------------------------------------------------------

def spelled(draw, kind: str, name: str, bad: bool, tables: bool = False):
    """A value as a register might spell it: mostly plain, sometimes with separators, full-width
    digits, other units or white space; with `bad`, sometimes invalid."""
    pick = lambda values: draw(st.sampled_from(values))  # noqa: E731
    if bad and draw(st.integers(0, 19)) == 0:
        if tables and name in ("营业收入", "称号"):  # a table has per-year cells, never one value
            return {pick(YEARS): pick(["-5万元", "5公斤", "abc", "2026年"])}
        return pick(["-5万元", "5公斤", "abc", "1" + "0" * 25 + "元", "maybe", "1800", "不存在", "12.5"]
                    + ([] if tables else [["列表"], {"映射": "1"}]))
    money = pick(["0", "500", "999.5", "1000", "1500", "2000", "2000.000001", "4999", "5000", "12000"])
    if name in ("投资额", "设备投资", "研发投入", "购置费"):
        return pick([f"{money}万元", f"{money}万元", "1,500万元", "0.2亿元", "15000000元", "１５００万元",
                     "1500 万元", "2,000.5万元", "0.00012亿元", "1500\u00a0万元", "\u30002000万元"])
    if name == "年节水量":
        return pick(["5万吨", "50000吨", "49999吨", "4.9999万吨", "60000吨", "0吨", "1,000吨"])
    if name in ("员工数", "台数"):
        return pick(["0", "1", "10", "20", "50", "300", "1,000", "20.0"])
    if name == "国产化率":
        return pick(["50%", "0.5", "49.5%", "100%", "1", "0.25"])
    if name in ("申报年度", "投产年份", "年份"):
        return pick(YEARS + ["2026年", "２０２６", " 2025 "])
    if name in ("制造业", "已完工", "首次"):
        return pick(["true", "false", "是", "否", "yes", "no", " True ", "\u3000是", "no\u00a0"])
    if name == "规模":
        return pick(["大型", "中型", "小型", " 中型 ", "小型\u3000"])
    if name == "类型":
        return pick(["技改", "节能", "节水", "数字化"] if kind == "项目" else ["智能工厂", "绿色工厂", "小巨人"])
    if name == "等级":
        return pick(["先进级", "卓越级", "领航级"])
    if name == "地区":
        return draw(st.lists(st.sampled_from(["脱贫地区", "革命老区", "民族地区"]), max_size=3))
    if name == "营业收入":
        years = draw(st.lists(st.sampled_from(YEARS + (["2026年"] if bad else [])), max_size=3, unique=True))
        return {y: pick([f"{money}万元", "1,999万元", "2001万元", "0.2亿元"]) for y in years}
    if name == "称号":
        years = draw(st.lists(st.sampled_from(YEARS), max_size=2, unique=True))
        return {y: draw(st.lists(st.sampled_from(["示范园区", "零碳园区"]), max_size=2)) for y in years}
    return pick(["甲", "乙"])


ATTRIBUTES = {
    "企业": ["申报年度", "名称", "制造业", "地区", "规模", "营业收入", "员工数", "研发投入"],
    "项目": ["类型", "已完工", "投资额", "设备投资", "年节水量", "投产年份", "国产化率"],
    "认定": ["类型", "等级", "首次", "年份"],
    "设备": ["台数", "购置费"],
    "园区": ["申报年度", "称号", "投资额"],
}


def record(draw, kind: str, ids: dict, bad: bool, tables: bool = False) -> dict:
    body = {}
    ids[kind] = ids.get(kind, 0) + 1
    if PARENT[kind] is None or draw(st.integers(0, 9)) > 0:  # children may go without an id
        body["id"] = f"{kind}{ids[kind]}" if not (bad and draw(st.integers(0, 19)) == 0) else f"{kind}1"
    for name in ATTRIBUTES[kind]:
        if draw(st.integers(0, 9)) < 9:
            body[name] = spelled(draw, kind, name, bad, tables)
    if bad and not tables and draw(st.integers(0, 19)) == 0:
        body[draw(st.sampled_from(["未知字段", "投资", "项目"]))] = "1"  # unknown, misspelt, not a list
    for child in CHILDREN[kind]:
        if tables and PARENT[kind] is not None:
            continue  # tables hold children of the root kind only
        n = draw(st.integers(0, 3 if child == "项目" else 2))
        if n:
            body[child] = [record(draw, child, ids, bad, tables) for _ in range(n)]
    return body


@st.composite
def profile_batches(draw, min_size=3, max_size=10, tables=False) -> list[dict]:
    """With `tables`, what a register of tables can hold: enterprises with their projects and
    recognitions (no grandchildren), parks in a table of their own, no value of the wrong shape;
    enterprises first, as `screen` numbers the profiles of a table register root table by root
    table."""
    bad = draw(st.integers(0, 3)) == 0
    out = []
    for i in range(draw(st.integers(min_size, max_size))):
        root = draw(st.sampled_from(["企业", "企业", "企业", "企业", "园区"]))
        body = record(draw, root, {}, bad, tables)
        body["id"] = f"R{i}"
        out.append({root: body})
    if tables:
        out.sort(key=lambda profile: "园区" in profile)
    return out


def write_tables(fmt: str):
    """The batch as one table per kind (企业, 项目, 认定), CSV or Parquet, every cell a text: a
    set as `a;b`, a per-year value in a column `营业收入[2026]`, a child's owner in `企业`."""

    def write(batch, tmp: Path) -> Path:
        import duckdb

        folder = tmp / "tables"
        folder.mkdir()
        rows = {"企业": [], "项目": [], "认定": [], "园区": []}
        for profile in batch:
            if "园区" in profile:
                row = {}
                for name, value in profile["园区"].items():
                    if name == "称号":  # a per-year set: a column per year, members `a;b`
                        row.update({f"称号[{year}]": ";".join(members) if isinstance(members, list) else members
                                    for year, members in value.items()})
                    else:
                        row[name] = value
                rows["园区"].append(row)
                continue
            body = profile["企业"]
            row = {"id": body["id"]}
            for name, value in body.items():
                if name in ("id", "项目", "认定"):
                    continue
                if name == "营业收入":
                    row.update({f"营业收入[{year}]": text for year, text in value.items()})
                elif name == "地区":
                    row[name] = ";".join(value)
                else:
                    row[name] = value
            rows["企业"].append(row)
            for kind in ("项目", "认定"):
                for child in body.get(kind, []):
                    rows[kind].append({"企业": body["id"], **child})
        con = duckdb.connect()
        for kind, records in rows.items():
            if kind == "园区" and not records:
                continue  # a register of enterprises only has no park table
            columns = list(dict.fromkeys(["id"] + (["企业"] if kind not in ("企业", "园区") else [])
                                         + [c for r in records for c in r]))
            con.execute(f"CREATE TABLE t ({', '.join(f'{chr(34)}{c}{chr(34)} VARCHAR' for c in columns)})")
            if records:
                con.executemany(f"INSERT INTO t VALUES ({', '.join('?' for _ in columns)})",
                                [[r.get(c) for c in columns] for r in records])
            options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
            con.execute(f"COPY t TO '{folder / (kind + '.' + fmt)}' ({options})")
            con.execute("DROP TABLE t")
        con.close()
        return folder

    return write


# ---- the property --------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy=policy_files(), batch=profile_batches(), only=st.sampled_from([None, None, None, "gen"]))
def test_generated_rules_both_backends_agree(policy, batch, only):
    rule_base = rule_base_from(policy)
    with tempfile.TemporaryDirectory() as tmp:  # `only`: screen one policy list (--policy)
        policies = {only} if only else None
        screener = assert_backends_agree(rule_base, batch, Path(tmp), policies)
        assert_rows_reproduced(rule_base, screener, policies)


@settings(max_examples=100, deadline=None)
@given(policy=policy_files())
def test_the_generator_writes_valid_rule_files(policy):
    """Every construct the generator writes is accepted by the checker (so that the property
    above never spends an example on a checker error)."""
    rule_base_from(policy)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(policy=policy_files(), batch=profile_batches(tables=True), fmt=st.sampled_from(["parquet", "csv"]))
def test_generated_rules_on_tables(policy, batch, fmt):
    """The same, with the register given as CSV or Parquet tables (the readers of the benchmark)."""
    rule_base = rule_base_from(policy)
    with tempfile.TemporaryDirectory() as tmp:
        screener = assert_backends_agree(rule_base, batch, Path(tmp), write=write_tables(fmt))
        # and each row taken back out of the tables (`explain --row N`) gets the same answers
        assert_rows_reproduced(rule_base, screener)


# ---- what the property found (kept as plain examples) ------------------------------------------

REGRESSION_POLICY = """policy gen {
  title "generated"
  default payer 自治区
  clause gen.1 {
    text \"\"\"generated clause\"\"\"
    provision gen.1 {
      when 企业.制造业
      amount up to 20% * (企业.研发投入 - 企业.营业收入[企业.申报年度])
    }
  }
  clause gen.2 {
    text \"\"\"generated clause\"\"\"
    provision gen.2 {
      for 园区
      when 园区.投资额 >= 0万元
      amount 10% * 园区.投资额
    }
  }
}
"""


def test_found_by_the_property(tmp_path):
    """1. A record whose only problem was found after it was registered (a per-year attribute
    given one value, an unknown field, a list where one value goes) was screened, not rejected.
    2. `up to` a negative amount paid 0 … −x instead of 0 … 0.
    3. A no-break space or an ideographic space around a value (as spreadsheets export them)
    made screening reject what `qualify` reads."""
    rule_base = rule_base_from(REGRESSION_POLICY)
    batch = [
        {"园区": {"id": "R0", "称号": "示范园区", "投资额": "100万元"}},
        {"企业": {"id": "R1", "制造业": "true", "未知字段": "1"}},
        {"企业": {"id": "R2", "制造业": "true", "规模": ["大型"]}},
        {"企业": {"id": "R3", "申报年度": "2026", "制造业": "true", "研发投入": "1500万元",
                "营业收入": {"2026": "2000万元"}}},
        {"企业": {"id": "R4", "申报年度": "2026\u3000", "制造业": "\u3000是", "研发投入": "2500\u00a0万元",
                "规模": "小型\u3000", "营业收入": {"2026": "\u30002000万元"}}},
    ]
    screener = assert_backends_agree(rule_base, batch, tmp_path)
    assert screener.summary.rejected == 3
    rows = {r["root_id"]: r for r in screener.rows()}
    assert (rows["R3"]["amount_low"], rows["R3"]["amount_high"]) == (0, 0)
    assert rows["R4"]["amount_high"] == 1000000
