"""Raw tables (every value as text) → the typed store, with one error row per bad value.

The rules are those of `engine/profiles.py`, written as SQL over whole columns:

- a quantity is `[sign]digits[,digits][.digits] [unit]` (full-width digits allowed); the unit is
  required when the attribute has a dimension, must be one of its dimension's units, and the
  value is converted exactly to the base unit; negative → E305, ≥ 10^18 base units → E306;
- bool is true/yes/是/y or false/no/否/n; a year is 1949–2100 (a trailing 年 allowed); an enum
  value and each member of a set must be declared;
- a record's id is non-empty text, unique per kind within its profile.

Screening adds three rules of its own (documented in docs/screening.md): the root record needs
an id (E330) that is unique in the register (E331); a quantity may have at most 6 decimal places
in its base unit (E320, the store keeps DECIMAL(38,6)); a per-year attribute may give each year
once (E308).

Validation runs in two steps (Validator.run): a fast step types the common spellings with cheap
SQL (`123.5万元` by one regular-expression match and a cast, `true`, `2026`, exact enum
members), and only the records it could not type go through the full parse above, which also
writes their errors. Every value the fast step accepts is one the full parse accepts, with the
same typed value.

Raw layout, made by readers.py (tables or views):
    "raw:K"(rid, pid, src_row, parent_rid, pos, id, problems VARCHAR[], <one column per attribute:
            VARCHAR, or VARCHAR[] for a set>)
    "raw:K@a"(rid, src_row, year_text, value VARCHAR | members VARCHAR[])
    "raw:profiles"(pid, src_row, source)
Each entry of `problems` is "code|name|field|message", found while reading (unknown field, shape).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from ...dsl.checker import Attribute, RuleBase
from .store import NUMBER_SCALE, NUMBER_TYPE, StoreLayout, literal, quote, sql_type

MAX_DIGITS = 24  # integer digits of a written number; more is surely ≥ 10^18 base units
MAX_FRACTION = 12  # decimal places of a written number
NUMBER_RX = r"^\s*([+-]?)([0-9][0-9,]*(?:\.[0-9]+)?)\s*(.*?)\s*$"
COMMA_RX = r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?"
# White space as Python's str.strip() and re's \s see it (U+00A0, U+3000, U+2003 … too), so that
# a value exported with a no-break space reads as it does in `policylog qualify`.
SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace())
WS = "'" + SPACES + "'"
# NFKC as far as numbers need it: full-width digits and signs; every white space becomes ' '
FULL_WIDTH = ("０１２３４５６７８９．，＋－％" + SPACES, "0123456789.,+-%" + " " * len(SPACES))

ERROR_COLUMNS = ("pid", "source", "row", "kind", "record", "field", "value", "code", "name", "message")


def raw_table(kind: str) -> str:
    return f"raw:{kind}"


def raw_year_table(attribute: Attribute) -> str:
    return f"raw:{attribute.kind}@{attribute.name}"


def nfkc(expr: str) -> str:
    return f"translate({expr}, {literal(FULL_WIDTH[0])}, {literal(FULL_WIDTH[1])})"


def strip(expr: str) -> str:
    return f"trim({expr}, {WS})"


def err(code: str, name: str, message_sql: str) -> str:
    return f"{literal(code + '|' + name + '|')} || {message_sql}"


class Validator:
    def __init__(self, rule_base: RuleBase, layout: StoreLayout, present: dict[str, set[str]] | None = None):
        self.rule_base = rule_base
        self.layout = layout
        self.present = present  # attributes the register gives, by kind (None: all of them)
        units = rule_base.units
        self.all_units = sorted(units.names())

    # -- one value
    def units_for(self, attribute: Attribute) -> list[tuple[str, Decimal]]:
        units = self.rule_base.units
        dims = attribute.type.dims
        found = {u.name: u.scale for u in units.units_of(dims)}
        if len(dims) > 1 or any(e < 0 for _, e in dims):  # a rate: every top/bottom pair
            names = units.names()
            for top in names:
                for bottom in names:
                    info = units.resolve(f"{top}/{bottom}")
                    if info is not None and info.dims == dims:
                        found[f"{top}/{bottom}"] = info.scale
        return [(name, scale) for name, scale in sorted(found.items())
                if max(0, -scale.normalize().as_tuple().exponent) <= 8]

    def value_sql(self, attribute: Attribute, col: str, parsed: str | None, b: str | None = None) -> tuple[str, str]:
        """(typed value, error) SQL for a raw text column; `parsed` is the number's regexp struct."""
        q = f"`{attribute.qualified}`"
        base = attribute.type.base
        if base == "bool":
            lowered = f"lower({strip(col)})"
            value = (f"CASE WHEN {lowered} IN ('true', 'yes', '是', 'y') THEN TRUE "
                     f"WHEN {lowered} IN ('false', 'no', '否', 'n') THEN FALSE END")
            error = (f"CASE WHEN {col} IS NOT NULL AND ({value}) IS NULL THEN "
                     + err("E304", "wrong-type", f"{literal(q + ' is true or false, not `')} || {col} || '`'")
                     + " END")
            return value, error
        if base == "text":
            return col, "NULL"
        if base == "year":
            return self.year_sql(col, q)
        if base in ("enum", "set"):
            members = self.rule_base.enums[attribute.type.enum].members
            allowed = ", ".join(literal(m) for m in members)
            value = f"CASE WHEN {strip(col)} IN ({allowed}) THEN {strip(col)} END"
            error = (f"CASE WHEN {col} IS NOT NULL AND {strip(col)} NOT IN ({allowed}) THEN "
                     + err("E304", "not-a-member", f"'`' || {col} || {literal('` is not a `' + attribute.type.enum + '` value')}")
                     + " END")
            return value, error
        assert base == "number" and parsed is not None
        return self.number_sql(attribute, col, parsed, q, b)

    def year_sql(self, col: str, q: str) -> tuple[str, str]:
        text = strip(nfkc(col))
        text = f"(CASE WHEN suffix({text}, '年') THEN left({text}, length({text}) - 1) ELSE {text} END)"
        value = (f"CASE WHEN regexp_full_match({text}, '[0-9]+') AND TRY_CAST({text} AS BIGINT) "
                 f"BETWEEN 1949 AND 2100 THEN CAST({text} AS INTEGER) END")
        error = (f"CASE WHEN {col} IS NOT NULL AND ({value}) IS NULL THEN "
                 + err("E304", "wrong-type", f"'`' || {col} || '` is not a year'") + " END")
        return value, error

    def n_sql(self, p: str) -> str:
        """Stage 2: the written number as DECIMAL(38,12), or NULL when malformed or out of range."""
        digits = f"replace({p}.num, ',', '')"
        int_len = f"length(ltrim(split_part({digits}, '.', 1), '0'))"
        frac_len = f"length(split_part({digits}, '.', 2))"
        return (f"CASE WHEN {self.shape_ok(p)} AND {int_len} <= {MAX_DIGITS} AND {frac_len} <= {MAX_FRACTION} "
                f"THEN CAST({digits} AS DECIMAL(38,{MAX_FRACTION})) END")

    @staticmethod
    def shape_ok(p: str) -> str:
        return (f"({p}.num <> '' AND (strpos({p}.num, ',') = 0 OR "
                f"regexp_full_match({p}.num, {literal(COMMA_RX)})))")

    def base_sql(self, attribute: Attribute, p: str, n: str) -> str:
        """Stage 3: the value in the base unit (exact), NULL for an unknown unit or ≥ 10^18."""
        units = self.units_for(attribute)
        if not attribute.type.dims:
            units = [("", Decimal(1))] + units
        cases = []
        for name, scale in units:
            scale = scale.normalize()
            scale_sql = f"CAST({literal(f'{scale:f}')} AS DECIMAL(38,{max(0, -scale.as_tuple().exponent)}))"
            threshold = Decimal(10) ** 18 / scale
            cases.append(f"WHEN {literal(name)} THEN CASE WHEN {n} < CAST({literal(f'{threshold:f}')} AS "
                         f"DECIMAL(38,{MAX_FRACTION})) THEN CAST({n} * {scale_sql} AS DECIMAL(38,{MAX_FRACTION})) END")
        return f"CASE {p}.unit {' '.join(cases)} END" if cases else "NULL"

    def number_sql(self, attribute: Attribute, col: str, p: str, q: str, b: str) -> tuple[str, str]:
        dims = attribute.type.dims
        units = [u for u, _ in self.units_for(attribute)] + ([""] if not dims else [])
        digits = f"replace({p}.num, ',', '')"
        int_len = f"length(ltrim(split_part({digits}, '.', 1), '0'))"
        frac_len = f"length(split_part({digits}, '.', 2))"
        known = f"{p}.unit IN ({', '.join(literal(u) for u in units)})" if units else "FALSE"
        quoted_col = f"'`' || {col} || '`'"
        checks = [(f"NOT {self.shape_ok(p)}", err("E304", "wrong-type", f"{literal(q + ' is a number, not ')} || {quoted_col}"))]
        if dims:
            checks.append((f"{p}.unit = ''", err("E303", "missing-unit", f"{literal(q + ' needs a unit: ')} || {quoted_col} || ' of what?'")))
        other_units = ", ".join(literal(u) for u in self.all_units)
        checks += [
            (f"NOT ({known}) AND {p}.unit IN ({other_units})",
             err("E302", "unit-mismatch", f"{literal(q + ' is in ' + self.rule_base.units.describe(dims) + ', but ')} || {quoted_col} || ' is not'")),
            (f"NOT ({known})", err("E302", "unknown-unit", f"'unknown unit `' || {p}.unit || '` in ' || {quoted_col}")),
            (f"{p}.sign = '-' AND regexp_matches({digits}, '[1-9]')",
             err("E305", "negative-value", literal(q + " cannot be negative"))),
            (f"{int_len} > {MAX_DIGITS} OR {b} IS NULL",
             err("E306", "value-too-large", f"{quoted_col} || {literal(' is implausibly large for ' + q)}")),
            (f"{frac_len} > {MAX_FRACTION} OR {b} <> round({b}, {NUMBER_SCALE})",
             err("E320", "too-precise", f"{quoted_col} || {literal(' has more than ' + str(NUMBER_SCALE) + ' decimal places in its base unit')}")),
        ]
        if attribute.decl.type.base == "integer":
            checks.append((f"{b} <> trunc({b})", err("E304", "wrong-type", literal(q + " is a whole number"))))
        error = (f"CASE WHEN {col} IS NULL THEN NULL "
                 + " ".join(f"WHEN {c} THEN {e}" for c, e in checks) + " END")
        return f"CAST({b} AS {NUMBER_TYPE})", error

    # -- the fast path: plain values, checked by cheap SQL
    def fast_units(self, attribute: Attribute) -> list[tuple[str, Decimal]]:
        """Units a plain number may be glued to on the fast path: whole scales (so ≤ 6 decimal
        places stay ≤ 6 in the base unit), names that NFKC and the full-width map leave alone
        and that cannot be read as part of the number."""
        units = self.units_for(attribute)
        if not attribute.type.dims:
            units = [("", Decimal(1))] + units
        out = []
        for name, scale in units:
            if scale != scale.to_integral_value() or scale > Decimal(10) ** 12:
                continue
            if name and (unicodedata.normalize("NFKC", name) != name or name[0] in "0123456789.,+-"
                         or name != name.strip() or any(ch in FULL_WIDTH[0] for ch in name)):
                continue
            out.append((name, scale))
        return sorted(out, key=lambda u: -len(u[0]))

    def fast_value(self, attribute: Attribute, col: str) -> str | None:
        """SQL for the typed value of the common spellings (`123.5万元`, `true`, `2026`, an exact
        enum member), NULL for anything else; None when the type has no fast path."""
        base = attribute.type.base
        if base == "bool":
            return (f"CASE {col} WHEN 'true' THEN TRUE WHEN 'false' THEN FALSE "
                    f"WHEN '是' THEN TRUE WHEN '否' THEN FALSE END")
        if base == "year":
            return (f"CASE WHEN regexp_full_match({col}, '[0-9]{{4}}年?') AND CAST(left({col}, 4) AS INTEGER) "
                    f"BETWEEN 1949 AND 2100 THEN CAST(left({col}, 4) AS INTEGER) END")
        if base == "enum":
            members = self.rule_base.enums[attribute.type.enum].members
            return f"CASE WHEN {col} IN ({', '.join(literal(m) for m in members)}) THEN {col} END"
        if base == "text":
            return col
        if base == "set":
            members = self.rule_base.enums[attribute.type.enum].members
            return (f"CASE WHEN list_has_all([{', '.join(literal(m) for m in members)}], {col}) "
                    f"THEN list_distinct({col}) END")
        if base != "number":
            return None
        units = self.fast_units(attribute)
        if not units:
            return None
        names = [re.escape(name) for name, _ in units if name]
        unit_rx = "(?:" + "|".join(names) + ")" if names else ""
        if names and any(name == "" for name, _ in units):
            unit_rx += "?"
        shape = f"[0-9]{{1,18}}(?:\\.[0-9]{{1,6}})?{unit_rx}"
        cases = []
        for name, scale in units:
            number = f"replace({col}, {literal(name)}, '')" if name else col
            product = f"CAST({number} AS {NUMBER_TYPE}) * CAST({literal(f'{scale.normalize():f}')} AS DECIMAL(38,0))"
            cases.append((f"suffix({col}, {literal(name)})" if name else "TRUE", f"CAST({product} AS {NUMBER_TYPE})"))
        pick = "CASE " + " ".join(f"WHEN {c} THEN {v}" for c, v in cases) + " END"
        return f"CASE WHEN regexp_full_match({col}, {literal(shape)}) THEN {pick} END"

    def fast_ok(self, attribute: Attribute, value: str) -> str:
        """The fast value is a valid one (numbers: below 10^18 base units; whole if integer)."""
        if attribute.type.base != "number":
            return f"{value} IS NOT NULL"
        ok = f"{value} < CAST('1000000000000000000' AS {NUMBER_TYPE})"
        if attribute.decl.type.base == "integer":
            ok += f" AND {value} = trunc({value})"
        return f"COALESCE({ok}, FALSE)"

    # -- whole tables
    def run(self, con, sources: dict[str, str], execute=None) -> None:
        """Turn the raw tables into `chk:K` tables, `errors`, `invalid` and the typed store.

        Each `chk:K` is made in two steps. The fast step types every value spelled the common
        way (`123.5万元`, `true`, `2026`, an exact enum member) with cheap SQL, and marks a record
        all of whose values were typed so (`state` 0). The other records (`state` 1, usually a
        handful) then go through the full parse, of only the columns that failed, which also
        writes their errors (`state` 2). The fast step only accepts values the full parse
        accepts, with the same typed value, so the result is that of the full parse."""
        execute = execute or con.execute
        for kind, table in self.layout.kinds.items():
            chk = quote("chk:" + kind)
            execute(self.fast_statement(kind, table))
            failing = con.execute(f"SELECT count(*), list_sort(list_distinct(flatten(list(slow_cols)))) "
                                  f"FROM {chk} WHERE state = 1").fetchone()
            if failing[0]:
                for statement in self.slow_statements(kind, table, failing[1] or []):
                    execute(statement)
            for attribute in table.per_year:
                ychk = quote(f"chk:{attribute.kind}@{attribute.name}")
                statements = self.year_statements(attribute)
                execute(statements[0])
                if len(statements) > 1 and con.execute(f"SELECT count(*) FROM {ychk} WHERE state = 1").fetchone()[0]:
                    for statement in statements[1:]:
                        execute(statement)
        for statement in self.error_statements(sources) + self.store_statements():
            execute(statement)

    def resolved_id(self, kind: str, table) -> tuple[str, str]:
        idx = f"{strip('r.id')}"
        if table.parent is None:
            resolved = f"CASE WHEN {idx} <> '' THEN {idx} END"
            id_error = err("E330", "missing-id", literal(f"a `{kind}` in a register needs an `id`"))
        else:
            resolved = f"CASE WHEN r.id IS NULL THEN {literal(kind + '#')} || r.pos WHEN {idx} <> '' THEN {idx} END"
            id_error = err("E304", "wrong-type", literal("an `id` is a non-empty text or number"))
        return resolved, id_error

    def given(self, kind: str, table) -> list[tuple[int, Attribute]]:
        """(position, attribute) of the attributes the register gives for this kind."""
        names = None if self.present is None else self.present.get(kind, set())
        return [(i, a) for i, a in enumerate(table.attributes) if names is None or a.name in names]

    def fast_statement(self, kind: str, table) -> str:
        """chk:K with every value typed by the fast path; `slow_cols` lists the attributes (by
        position) a state-1 record needs the full parse for."""
        resolved, _ = self.resolved_id(kind, table)
        # trimming every id with the whole white-space set is slow; most ids have none at either end
        codes = ", ".join(str(ord(ch)) for ch in SPACES)
        resolved = (f"CASE WHEN r.id <> '' AND ascii(r.id) NOT IN ({codes}) AND ascii(right(r.id, 1)) "
                    f"NOT IN ({codes}) THEN r.id ELSE {resolved} END")
        inner, middle, columns, bad = ["*"], ["*", "resolved IS NULL AS id_missing"], [], []
        for i, attribute in self.given(kind, table):
            col = quote(attribute.name)
            value = self.fast_value(attribute, col)
            if value is None:
                value = f"CAST(NULL AS {sql_type(attribute)})"
            fv = quote(f"fv{i}")
            inner.append(f"{value} AS {fv}")
            middle.append(f"({col} IS NOT NULL AND NOT {self.fast_ok(attribute, fv)}) AS {quote(f'bad{i}')}")
            columns.append(f"r.{fv} AS {col}")
            bad.append(quote(f"bad{i}"))
        slow = " OR ".join(["r.problems IS NOT NULL", "r.id_missing"] + [f"r.{b}" for b in bad])
        positions = [i for i, _ in self.given(kind, table)]
        which = ("list_filter([" + ", ".join(f"CASE WHEN r.{b} THEN {i} END" for i, b in zip(positions, bad))
                 + "], lambda i: i IS NOT NULL)") if bad else "[]"
        return (f"CREATE OR REPLACE TEMP TABLE {quote('chk:' + kind)} AS\n"
                f"SELECT r.rid, r.pid, r.src_row, r.parent_rid, r.resolved AS id,\n  "
                + ",\n  ".join(columns + ["CAST(NULL AS VARCHAR[]) AS errs",
                                           f"CAST(CASE WHEN {slow} THEN 1 ELSE 0 END AS TINYINT) AS state",
                                           f"CASE WHEN {slow} THEN CAST({which} AS INTEGER[]) END AS slow_cols"])
                + f"\nFROM (SELECT {', '.join(middle)} FROM (SELECT {', '.join(inner)}, {resolved} AS resolved "
                f"FROM {quote(raw_table(kind))} AS r)) AS r")

    def slow_statements(self, kind: str, table, failing: list[int]) -> list[str]:
        """The full parse of the state-1 records, for the failing columns: their values and
        every error of the record, written back into chk:K (state 2)."""
        chk = quote("chk:" + kind)
        resolved, id_error = self.resolved_id(kind, table)
        attributes = [(i, table.attributes[i]) for i in failing]
        stage_a, stage_b, stage_c = ["*"], ["*"], ["*"]
        for i, attribute in attributes:
            if attribute.type.base == "number":
                stage_a.append(f"regexp_extract({nfkc(quote(attribute.name))}, {literal(NUMBER_RX)}, "
                               f"['sign', 'num', 'unit']) AS \"p{i}\"")
                p_col, n_col = quote(f"p{i}"), quote(f"n{i}")
                stage_b.append(f"{self.n_sql(p_col)} AS {quote(f'n{i}')}")
                stage_c.append(f"{self.base_sql(attribute, p_col, n_col)} AS {quote(f'b{i}')}")
        rows = (f"(SELECT * FROM {quote(raw_table(kind))} "
                f"WHERE rid IN (SELECT rid FROM {chk} WHERE state = 1))")
        staged = (f"(SELECT {', '.join(stage_c)} FROM (SELECT {', '.join(stage_b)} FROM "
                  f"(SELECT {', '.join(stage_a)} FROM {rows})))")
        columns, errors = [], []
        for i, attribute in attributes:
            col = f"r.{quote(attribute.name)}"
            if attribute.type.base == "set":
                value, error = self.value_sql(attribute, "m", None)
                columns.append(f"CASE WHEN {col} IS NOT NULL THEN list_distinct(list_transform({col}, lambda m: {value})) END "
                               f"AS {quote(attribute.name)}")
                errors.append(f"list_transform(list_filter({col}, lambda m: ({error}) IS NOT NULL), "
                              f"lambda m: {literal(attribute.name + '|')} || coalesce(m, '') || '|' || ({error}))")
                continue
            value, error = self.value_sql(attribute, col, f"r.\"p{i}\"" if attribute.type.base == "number" else None,
                                          f"r.\"b{i}\"")
            columns.append(f"{value} AS {quote(attribute.name)}")
            errors.append(f"[CASE WHEN ({error}) IS NOT NULL THEN {literal(attribute.name + '|')} || {col} || '|' || ({error}) END]")
        errors.append(f"[CASE WHEN ({resolved}) IS NULL THEN 'id|' || coalesce(r.id, '') || '|' || {id_error} END]")
        all_errors = "list_filter(flatten([coalesce(r.problems, [])::VARCHAR[], " + ", ".join(
            f"({e})::VARCHAR[]" for e in errors) + "]), lambda e: e IS NOT NULL)"
        slow = quote("slow:" + kind)
        sets = ", ".join([f"{quote(a.name)} = s.{quote(a.name)}" for _, a in attributes]
                         + ["errs = s.errs", "state = 2"])
        return [
            f"CREATE OR REPLACE TEMP TABLE {slow} AS\n"
            f"SELECT r.rid, " + ",\n  ".join(columns + [f"{all_errors} AS errs"]) + f"\nFROM {staged} AS r",
            f"UPDATE {chk} SET {sets} FROM {slow} AS s WHERE {chk}.rid = s.rid",
        ]

    def year_statements(self, attribute: Attribute) -> list[str]:
        """[fast step, full parse of its state-1 rows]; a set per year: the full parse only."""
        chk = quote(f"chk:{attribute.kind}@{attribute.name}")
        raw = quote(raw_year_table(attribute))
        year_value, year_error = self.year_sql("y.year_text", f"`{attribute.qualified}`")
        if attribute.type.base == "set":  # rare: always the full parse
            value, error = self.value_sql(attribute, "m", None)
            body = (f"SELECT y.rid, y.src_row, y.year_text, {year_value} AS year, unnest(y.members) AS m "
                    f"FROM {raw} AS y")
            return [
                f"CREATE OR REPLACE TEMP TABLE {chk} AS\n"
                f"SELECT rid, src_row, year, {value} AS member, year_text,\n"
                f"  list_filter([CASE WHEN ({year_error.replace('y.year_text', 'year_text')}) IS NOT NULL THEN "
                f"{literal(attribute.name + '|')} || year_text || '|' || ({year_error.replace('y.year_text', 'year_text')}) END,\n"
                f"    CASE WHEN ({error}) IS NOT NULL THEN {literal(attribute.name + '|')} || coalesce(m, '') || '|' || ({error}) END], "
                f"lambda e: e IS NOT NULL) AS errs, CAST(2 AS TINYINT) AS state\nFROM ({body}) AS t"]
        fast_year = ("CASE WHEN regexp_full_match(year_text, '[0-9]{4}年?') AND CAST(left(year_text, 4) AS INTEGER) "
                     "BETWEEN 1949 AND 2100 THEN CAST(left(year_text, 4) AS INTEGER) END")
        fast_value = self.fast_value(attribute, "value") or f"CAST(NULL AS {sql_type(attribute)})"
        fast = (f"CREATE OR REPLACE TEMP TABLE {chk} AS\n"
                f"SELECT rid, src_row, year_text, value AS value_text, fy AS year, fv AS value, "
                f"CAST(NULL AS VARCHAR[]) AS errs,\n"
                f"  CAST(CASE WHEN fy IS NULL OR (value IS NOT NULL AND NOT {self.fast_ok(attribute, 'fv')}) "
                f"THEN 1 ELSE 0 END AS TINYINT) AS state\n"
                f"FROM (SELECT *, {fast_year} AS fy, {fast_value} AS fv FROM {raw})")
        stage = (f"SELECT rowid AS row_key, rid, src_row, year_text, value_text AS value, regexp_extract({nfkc('value_text')}, "
                 f"{literal(NUMBER_RX)}, ['sign', 'num', 'unit']) AS p FROM {chk} WHERE state = 1")
        if attribute.type.base == "number":
            stage = (f"SELECT *, {self.base_sql(attribute, 'p', 'n')} AS b FROM "
                     f"(SELECT *, {self.n_sql('p')} AS n FROM ({stage}))")
        value, error = self.value_sql(attribute, "y.value", "y.p" if attribute.type.base == "number" else None, "y.b")
        slow = quote(f"slow:{attribute.kind}@{attribute.name}")
        full = (f"CREATE OR REPLACE TEMP TABLE {slow} AS\n"
                f"SELECT y.row_key, {year_value} AS year, {value} AS value,\n"
                f"  list_filter([CASE WHEN ({year_error}) IS NOT NULL THEN {literal(attribute.name + '|')} || "
                f"coalesce(y.year_text, '') || '|' || ({year_error}) END,\n"
                f"    CASE WHEN ({error}) IS NOT NULL THEN {literal(attribute.name + '[')} || coalesce(y.year_text, '') "
                f"|| ']|' || y.value || '|' || ({error}) END], lambda e: e IS NOT NULL) AS errs\n"
                f"FROM ({stage}) AS y")
        update = (f"UPDATE {chk} SET year = s.year, value = s.value, errs = s.errs, state = 2 "
                  f"FROM {slow} AS s WHERE {chk}.rowid = s.row_key")
        return [fast, full, update]

    def error_statements(self, sources: dict[str, str]) -> list[str]:
        parts = []
        for kind, table in self.layout.kinds.items():
            source = literal(sources.get(kind, ""))
            chk = quote("chk:" + kind)
            parts.append(f"SELECT pid, {source} AS source, src_row AS row, {literal(kind)} AS kind, id AS record, e "
                         f"FROM (SELECT pid, src_row, id, unnest(errs) AS e FROM {chk} WHERE state = 2)")
            if table.parent is not None:
                # ids unique per kind within one profile
                parts.append(
                    f"SELECT pid, {source}, src_row, {literal(kind)}, id, "
                    f"'id|' || id || '|E308|duplicate-id|two `{kind}` records have the id `' || id || '`' "
                    f"FROM (SELECT c.*, row_number() OVER (PARTITION BY c.pid, c.id ORDER BY c.rid) AS n "
                    f"FROM {chk} AS c JOIN (SELECT pid, id FROM {chk} WHERE state <> 1 AND id IS NOT NULL "
                    f"AND pid IS NOT NULL GROUP BY pid, id HAVING count(*) > 1) AS d ON d.pid = c.pid AND d.id = c.id "
                    f"WHERE c.state <> 1) WHERE n > 1")
            else:
                parts.append(
                    f"SELECT pid, {source}, src_row, {literal(kind)}, id, "
                    f"'id|' || id || '|E331|duplicate-root|' || 'the id `' || id || '` is already used by row ' || first_row "
                    f"FROM (SELECT c.*, row_number() OVER (PARTITION BY c.id ORDER BY c.pid) AS n, "
                    f"min(c.src_row) OVER (PARTITION BY c.id) AS first_row FROM {chk} AS c "
                    f"JOIN (SELECT id FROM {chk} WHERE state <> 1 AND id IS NOT NULL GROUP BY id HAVING count(*) > 1) "
                    f"AS d ON d.id = c.id WHERE c.state <> 1) WHERE n > 1")
            for attribute in table.per_year:
                ychk = quote(f"chk:{attribute.kind}@{attribute.name}")
                parts.append(f"SELECT c.pid, {source}, y.src_row, {literal(kind)}, c.id, e "
                             f"FROM (SELECT rid, src_row, unnest(errs) AS e FROM {ychk} WHERE state = 2) AS y "
                             f"JOIN {chk} AS c ON c.rid = y.rid AND c.state <> 1")
                if attribute.type.base != "set":  # a year given twice (`2025` and `2025年`)
                    parts.append(
                        f"SELECT c.pid, {source}, y.src_row, {literal(kind)}, c.id, "
                        f"{literal(attribute.name + '|')} || y.year_text || '|' || "
                        + err("E308", "duplicate-year", "'year ' || y.year || ' is given twice'") +
                        f" FROM {ychk} AS y JOIN (SELECT rid, year FROM {ychk} WHERE state <> 1 AND year IS NOT NULL "
                        f"GROUP BY rid, year HAVING count(*) > 1) AS d ON d.rid = y.rid AND d.year = y.year "
                        f"JOIN {chk} AS c ON c.rid = y.rid AND c.state <> 1 WHERE y.state <> 1")
        union = "\nUNION ALL ".join(parts)
        return [
            f"CREATE OR REPLACE TEMP TABLE errors_found AS\n"
            f"SELECT pid, source, row, kind, record, e FROM ({union}) AS t(pid, source, row, kind, record, e)",
            "INSERT INTO errors SELECT pid, source, row, kind, record, split_part(e, '|', 1) AS field, "
            "split_part(e, '|', 2) AS value, split_part(e, '|', 3) AS code, split_part(e, '|', 4) AS name, "
            "array_to_string(string_split(e, '|')[5:], '|') AS message FROM errors_found",
            "CREATE OR REPLACE TEMP TABLE invalid AS SELECT DISTINCT pid FROM errors WHERE pid IS NOT NULL",
        ]

    def store_statements(self) -> list[str]:
        """The typed store: per kind a table "data:K" of the attributes given and a view "K"
        with the full layout (store.py); the per-year tables."""
        out = []
        for kind, table in self.layout.kinds.items():
            chk = quote("chk:" + kind)
            given = {a.name for _, a in self.given(kind, table)}
            columns = ["c.pid", "c.id"]
            join = ""
            if table.parent is not None:
                columns.append("p.id AS parent")
                join = f" JOIN {quote('chk:' + table.parent)} AS p ON p.rid = c.parent_rid AND p.state <> 1"
            columns += [f"c.{quote(a.name)}" for a in table.attributes if a.name in given]
            out.append(f"CREATE OR REPLACE TABLE {quote('data:' + kind)} AS SELECT {', '.join(columns)} "
                       f"FROM {chk} AS c{join} "
                       f"WHERE c.state <> 1 AND c.pid IS NOT NULL AND c.pid NOT IN (SELECT pid FROM invalid)")
            view = ["pid", "id"] + (["parent"] if table.parent is not None else [])
            view += [quote(a.name) if a.name in given else f"CAST(NULL AS {sql_type(a)}) AS {quote(a.name)}"
                     for a in table.attributes]
            out.append(f"CREATE OR REPLACE VIEW {quote(kind)} AS SELECT {', '.join(view)} FROM {quote('data:' + kind)}")
            for attribute in table.per_year:
                ychk = quote(f"chk:{attribute.kind}@{attribute.name}")
                value = "y.member" if attribute.type.base == "set" else "y.value"
                distinct = "DISTINCT " if attribute.type.base == "set" else ""  # else E308 rejects repeats
                out.append(f"INSERT INTO {quote(self.layout.year_table(attribute))} "
                           f"SELECT {distinct}c.pid, c.id, y.year, {value} FROM {ychk} AS y JOIN {chk} AS c ON c.rid = y.rid "
                           f"WHERE y.state <> 1 AND c.state <> 1 AND c.pid IS NOT NULL "
                           f"AND c.pid NOT IN (SELECT pid FROM invalid) AND {value} IS NOT NULL")
        return out
