"""Readers: a register in any supported layout → raw tables of text (see validate.py).

- JSON lines: one profile per line, shaped like a YAML profile (`{"企业": {"id": …, "项目": […]}}`);
  numbers keep the text they were written with (no float ever).
- a directory of profile files (.yaml/.yml/.json): each file is checked by `engine/profiles.py`
  itself; a valid one is flattened like a JSON line.
- tables (CSV, Parquet or a DuckDB database): one table per subject kind; see docs/screening.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ...dsl.checker import RuleBase, did_you_mean
from ...dsl.diagnostics import PolicylogError, error
from ..profiles import ID_KEYS, ProfileLoader
from .store import StoreLayout, literal, quote
from .validate import raw_table, raw_year_table

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
TABLE_SUFFIXES = (".csv", ".parquet")
SET_SEPARATORS = r"[;；,，、|]"


class _Dup(dict):
    """A JSON object that had a key twice (json.loads would keep the last silently)."""

    duplicates: list


def _pairs(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        result = _Dup(result)
        seen = set()
        result.duplicates = [k for k, _ in pairs if k in seen or seen.add(k)]
    return result


def _text(value) -> str | None:
    """A scalar as YAML would read its text: JSON numbers keep their digits (parse_* = str)."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return None  # a list or a mapping


@dataclass
class RawSink:
    """Columns of the raw tables, filled record by record, then sent to DuckDB at once."""

    layout: StoreLayout
    records: dict[str, dict[str, list]] = field(default_factory=dict)
    values: dict[str, list] = field(default_factory=lambda: {"rid": [], "kind": [], "attr": [], "text": [], "members": []})
    years: dict[str, list] = field(default_factory=lambda: {"rid": [], "kind": [], "attr": [], "src_row": [],
                                                            "year_text": [], "text": [], "members": []})
    profiles: dict[str, list] = field(default_factory=lambda: {"pid": [], "src_row": [], "source": []})
    profile_errors: list[tuple] = field(default_factory=list)
    next_rid: int = 0

    def __post_init__(self):
        for kind in self.layout.kinds:
            self.records[kind] = {"rid": [], "pid": [], "src_row": [], "parent_rid": [], "pos": [],
                                  "id": [], "problems": []}

    def profile(self, pid: int, src_row: int, source: str) -> None:
        self.profiles["pid"].append(pid)
        self.profiles["src_row"].append(src_row)
        self.profiles["source"].append(source)

    def record(self, kind, pid, src_row, parent_rid, pos, raw_id, problems) -> int:
        self.next_rid += 1
        columns = self.records[kind]
        columns["rid"].append(self.next_rid)
        columns["pid"].append(pid)
        columns["src_row"].append(src_row)
        columns["parent_rid"].append(parent_rid)
        columns["pos"].append(pos)
        columns["id"].append(raw_id)
        # the list itself: problems found later in the record (unknown fields, shapes) land in it
        columns["problems"].append(problems)
        return self.next_rid

    def value(self, rid, kind, attr, text, members=None) -> None:
        v = self.values
        v["rid"].append(rid)
        v["kind"].append(kind)
        v["attr"].append(attr)
        v["text"].append(text)
        v["members"].append(members)

    def year(self, rid, kind, attr, src_row, year_text, text, members=None) -> None:
        y = self.years
        y["rid"].append(rid)
        y["kind"].append(kind)
        y["attr"].append(attr)
        y["src_row"].append(src_row)
        y["year_text"].append(year_text)
        y["text"].append(text)
        y["members"].append(members)

    @staticmethod
    def _load(con, name: str, columns: dict[str, list], types: dict[str, str]) -> None:
        names = list(columns)
        select = ", ".join(f"unnest(${i + 1}::{types[n]}[]) AS {quote(n)}" for i, n in enumerate(names))
        if columns[names[0]]:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} AS SELECT {select}",
                        [columns[n] for n in names])
        else:
            cols = ", ".join(f"{quote(n)} {types[n]}" for n in names)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(name)} ({cols})")

    def present(self) -> dict[str, set[str]]:
        """The attributes (one value per record) given anywhere in the register, by kind."""
        found: dict[str, set[str]] = {kind: set() for kind in self.layout.kinds}
        for kind, attr in set(zip(self.values["kind"], self.values["attr"])):
            found[kind].add(attr)
        return found

    def flush(self, con) -> None:
        """Create raw:K, raw:K@a and raw:profiles from the collected columns."""
        record_types = {"rid": "BIGINT", "pid": "BIGINT", "src_row": "BIGINT", "parent_rid": "BIGINT",
                        "pos": "INTEGER", "id": "VARCHAR", "problems": "VARCHAR[]"}
        self._load(con, "raw:values", self.values, {"rid": "BIGINT", "kind": "VARCHAR", "attr": "VARCHAR",
                                                    "text": "VARCHAR", "members": "VARCHAR[]"})
        self._load(con, "raw:years", self.years, {"rid": "BIGINT", "kind": "VARCHAR", "attr": "VARCHAR",
                                                  "src_row": "BIGINT", "year_text": "VARCHAR",
                                                  "text": "VARCHAR", "members": "VARCHAR[]"})
        self._load(con, "raw:profiles", self.profiles, {"pid": "BIGINT", "src_row": "BIGINT", "source": "VARCHAR"})
        con.execute("CREATE OR REPLACE TEMP TABLE \"raw:values_sorted\" AS SELECT * FROM \"raw:values\" ORDER BY kind, rid")
        for kind, table in self.layout.kinds.items():
            records = self.records[kind]
            records["problems"] = [problems or None for problems in records["problems"]]
            self._load(con, f"rec:{kind}", records, record_types)
            pivots = []
            for attribute in table.attributes:
                column = "members" if attribute.type.base == "set" else "text"
                pivots.append(f"first(v.{column}) FILTER (WHERE v.attr = {literal(attribute.name)}) AS {quote(attribute.name)}")
            select = ", ".join(["r.rid", "first(r.pid) AS pid", "first(r.src_row) AS src_row",
                                "first(r.parent_rid) AS parent_rid", "first(r.pos) AS pos", "first(r.id) AS id",
                                "first(r.problems) AS problems"] + pivots)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(raw_table(kind))} AS SELECT {select} "
                        f"FROM {quote('rec:' + kind)} AS r LEFT JOIN \"raw:values_sorted\" AS v "
                        f"ON v.rid = r.rid AND v.kind = {literal(kind)} GROUP BY r.rid")
            for attribute in table.per_year:
                value = "members" if attribute.type.base == "set" else "text AS value"
                con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(raw_year_table(attribute))} AS "
                            f"SELECT rid, src_row, year_text, {value} FROM \"raw:years\" "
                            f"WHERE kind = {literal(kind)} AND attr = {literal(attribute.name)}")


class ProfileFlattener:
    """A parsed profile (JSON or YAML data) → raw records, with the structural checks of
    ProfileLoader (shape, unknown and duplicate fields)."""

    def __init__(self, rule_base: RuleBase, sink: RawSink):
        self.rule_base = rule_base
        self.sink = sink
        self.roots = rule_base.root_kinds
        self.fields = {}
        for kind in rule_base.kinds:
            attributes = {a.name: a for a in rule_base.attributes_of(kind)}
            self.fields[kind] = (attributes, set(rule_base.children(kind)))

    def profile(self, data, pid: int, src_row: int) -> None:
        if not isinstance(data, dict) or len(data) != 1:
            self.sink.profile_errors.append((pid, src_row, "", "E301", "bad-profile-shape",
                                             "a profile is a mapping with one key: the subject kind"))
            return
        (kind, body), = data.items()
        if kind not in self.roots:
            hint = did_you_mean(str(kind), self.roots) or f"use one of: {', '.join(self.roots)}"
            self.sink.profile_errors.append((pid, src_row, kind, "E301", "unknown-field",
                                             f"`{kind}` is not a subject kind a profile can start with; {hint}"))
            return
        self.record(kind, body, pid, src_row, None, 1)

    def record(self, kind, body, pid, src_row, parent_rid, pos) -> None:
        problems = []
        if not isinstance(body, dict):
            self.sink.record(kind, pid, src_row, parent_rid, pos, None,
                             [f"{kind}||E304|wrong-type|a `{kind}` record is a mapping of fields"])
            return
        if isinstance(body, _Dup):
            problems += [f"{k}||E308|duplicate-field|`{k}` is given twice" for k in body.duplicates]
        raw_id = None
        for key in ID_KEYS:
            if key in body:
                text = _text(body[key])
                if text is None or not text.strip():
                    problems.append("id||E304|wrong-type|an `id` is a non-empty text or number")
                    raw_id = ""
                else:
                    raw_id = text
        attributes, children = self.fields[kind]
        rid = self.sink.record(kind, pid, src_row, parent_rid, pos, raw_id, problems)
        for key, value in body.items():
            if key in ID_KEYS:
                continue
            if key in children:
                items = [value] if isinstance(value, dict) else value
                if not isinstance(items, list):
                    problems.append(f"{key}||E304|wrong-type|`{key}` holds a list of records")
                    continue
                for index, item in enumerate(items):
                    self.record(key, item, pid, src_row, rid, index + 1)
            elif key in attributes:
                self.attribute(kind, attributes[key], value, rid, src_row, problems)
            else:
                options = list(attributes) + sorted(children) + list(ID_KEYS)
                hint = did_you_mean(str(key), options) or "see `policylog schema`"
                problems.append(f"{key}||E301|unknown-field|`{kind}` has no field `{key}`; {hint}")

    def attribute(self, kind, attribute, value, rid, src_row, problems) -> None:
        name = attribute.name
        if attribute.per_year:
            if not isinstance(value, dict):
                problems.append(f"{name}||E304|wrong-type|`{attribute.qualified}` is recorded per year")
                return
            for year, item in value.items():
                if attribute.type.base == "set":
                    members = item if isinstance(item, list) else [item]
                    texts = [_text(m) for m in members]
                    if any(t is None for t in texts):
                        problems.append(f"{name}||E304|not-a-member|a set member is a single value")
                        continue
                    self.sink.year(rid, kind, name, src_row, year, None, texts)
                else:
                    text = _text(item)
                    if text is None:
                        problems.append(f"{name}||E304|wrong-type|`{attribute.qualified}` takes a single value")
                        continue
                    self.sink.year(rid, kind, name, src_row, year, text)
            return
        if attribute.type.base == "set":
            members = value if isinstance(value, list) else [value]
            texts = [_text(m) for m in members]
            if any(t is None for t in texts):
                problems.append(f"{name}||E304|not-a-member|a set member is a single value")
                return
            self.sink.value(rid, kind, name, None, texts)
            return
        text = _text(value)
        if text is None:
            shape = "list" if isinstance(value, list) else "mapping"
            problems.append(f"{name}||E304|wrong-type|`{attribute.qualified}` takes a single value, not a {shape}")
            return
        self.sink.value(rid, kind, name, text)


def read_jsonl(path: Path, rule_base: RuleBase, sink: RawSink, progress=None) -> None:
    flattener = ProfileFlattener(rule_base, sink)
    source = str(path)
    pid = 0
    with open(path, "rb") as stream:
        for line_no, raw in enumerate(stream, 1):
            if progress is not None and line_no % 10000 == 0:
                progress(line_no)
            if not raw.strip():
                continue
            pid += 1
            sink.profile(pid, line_no, source)
            try:
                line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
                data = json.loads(line, object_pairs_hook=_pairs, parse_int=str, parse_float=str)
            except UnicodeDecodeError:
                sink.profile_errors.append((pid, line_no, "", "E307", "not-utf8", "the line is not valid UTF-8"))
                continue
            except ValueError as exc:
                sink.profile_errors.append((pid, line_no, "", "E300", "profile-syntax",
                                            f"not valid JSON: {getattr(exc, 'msg', exc)}"))
                continue
            flattener.profile(data, pid, line_no)


def _node_data(node):
    """A composed YAML node as plain data with scalar texts, as ProfileLoader reads it."""
    if isinstance(node, yaml.MappingNode):
        return _pairs([(str(k.value) if isinstance(k, yaml.ScalarNode) else "", _node_data(v))
                       for k, v in node.value])
    if isinstance(node, yaml.SequenceNode):
        return [_node_data(v) for v in node.value]
    return str(node.value)


def read_profile_dir(path: Path, rule_base: RuleBase, sink: RawSink, progress=None) -> None:
    flattener = ProfileFlattener(rule_base, sink)
    files = [path] if not path.is_dir() else \
        sorted(p for p in path.iterdir() if p.suffix.lower() in PROFILE_SUFFIXES and p.is_file())
    for pid, file in enumerate(files, 1):
        if progress is not None and pid % 1000 == 0:
            progress(pid)
        sink.profile(pid, 1, str(file))
        try:
            text = file.read_bytes().decode("utf-8-sig")
            ProfileLoader(rule_base, str(file)).load_text(text)
        except UnicodeDecodeError:
            sink.profile_errors.append((pid, 1, "", "E307", "not-utf8", "profile is not valid UTF-8"))
            continue
        except PolicylogError as exc:
            for d in exc.diagnostics:
                row = d.span.line if d.span is not None else 1
                sink.profile_errors.append((pid, row, "", d.code, d.name, d.message))
            continue
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        flattener.profile(_node_data(node), pid, 1)


# ---- tables ----------------------------------------------------------------------------------

_HEADER = re.compile(r"^(?P<name>[^\[\]()（）]+?)\s*(?:\[(?P<year>[^\]]+)\])?\s*(?:[(（](?P<unit>[^)）]+)[)）])?\s*$")


@dataclass
class Column:
    source: str  # the header as written
    role: str  # id | parent | attribute
    attribute: object = None
    year: str | None = None
    unit: str | None = None


def map_columns(rule_base: RuleBase, kind: str, headers: list[str], file: str) -> list[Column]:
    attributes = {a.name: a for a in rule_base.attributes_of(kind)}
    parent = rule_base.kinds[kind].parent
    parent_names = {parent, "parent", f"{parent}_id", f"{parent}id", f"{parent}编号"} if parent else set()
    columns, problems = [], []
    for header in headers:
        if header in ID_KEYS:
            columns.append(Column(header, "id"))
            continue
        if header in parent_names:
            columns.append(Column(header, "parent"))
            continue
        match = _HEADER.match(header)
        attribute = attributes.get(match.group("name").strip()) if match else None
        if attribute is None:
            hint = did_you_mean(header, list(attributes) + list(ID_KEYS)) or "see docs/screening.md"
            problems.append(error("E340", "unknown-column", f"`{file}`: `{kind}` has no field `{header}`",
                                  None, help=hint))
            continue
        year = match.group("year")
        if bool(year) != attribute.per_year:
            problems.append(error("E340", "unknown-column", f"`{file}`: column `{header}` "
                                  + ("needs a year, e.g. `" + attribute.name + "[2025]`" if attribute.per_year
                                     else "is not recorded per year"), None))
            continue
        columns.append(Column(header, "attribute", attribute, year, match.group("unit")))
    if not any(c.role == "id" for c in columns) and parent is None:
        problems.append(error("E340", "missing-column", f"`{file}`: the `{kind}` table needs an `id` column", None))
    if parent is not None and not any(c.role == "parent" for c in columns):
        problems.append(error("E340", "missing-column", f"`{file}`: the `{kind}` table needs a `{parent}` "
                              "column with the id of each row's parent", None))
    if problems:
        raise PolicylogError(problems)
    return columns


def _text_expr(column: Column, col_type: str) -> str:
    ref = "s." + quote(column.source)
    text = f"CAST({ref} AS VARCHAR)"
    if col_type.upper().startswith("BOOLEAN"):
        text = f"CASE WHEN {ref} THEN 'true' WHEN NOT {ref} THEN 'false' END"
    text = f"NULLIF({text}, '')"
    if column.unit:
        text = f"({text} || {literal(column.unit)})"
    return text


def _set_expr(column: Column, col_type: str) -> str:
    ref = "s." + quote(column.source)
    if col_type.endswith("[]"):
        return f"CAST({ref} AS VARCHAR[])"
    return (f"CASE WHEN trim(CAST({ref} AS VARCHAR)) <> '' THEN list_filter(list_transform("
            f"string_split_regex(CAST({ref} AS VARCHAR), {literal(SET_SEPARATORS)}), lambda m: trim(m)), "
            f"lambda m: m <> '') END")


def table_scan(path: Path) -> str:
    if path.suffix.lower() == ".csv":
        return f"read_csv({literal(str(path))}, all_varchar = true, header = true)"
    return f"read_parquet({literal(str(path))})"


def scan_source(scan: str) -> str:
    """The file a `table_scan` reads, as written (its SQL literal doubles every `'`)."""
    return scan[scan.index("'") + 1:scan.rindex("'")].replace("''", "'")


def find_tables(path: Path, rule_base: RuleBase) -> tuple[list[str], dict[str, str]]:
    """(root kinds, kind → table scan) for a CSV/Parquet file or a directory of kind tables.

    A directory may hold several root tables (`企业.parquet` beside `园区.parquet`), each with
    its children; a single file is one root table (named after its kind, else the first root
    kind) with its children beside it."""
    roots = rule_base.root_kinds
    scans: dict[str, str] = {}
    if path.is_dir():
        for file in sorted(path.iterdir()):
            if file.suffix.lower() in TABLE_SUFFIXES and file.stem in rule_base.kinds:
                if file.stem in scans:  # 企业.csv and 企业.parquet: which one is the register?
                    raise PolicylogError([error("E342", "two-tables", f"`{path}` holds two tables of "
                                                f"`{file.stem}`", None, help="keep one of them")])
                scans[file.stem] = table_scan(file)
        present_roots = [k for k in roots if k in scans]
        if not present_roots:
            raise PolicylogError([error("E342", "no-root-table", f"`{path}` holds no table of "
                                        f"{' or '.join(roots)}", None,
                                        help="name the files after subject kinds, e.g. `企业.csv`, `项目.csv`")])
        return present_roots, scans
    stem, suffix = path.stem, path.suffix.lower()
    root = stem if stem in roots else roots[0]
    scans[root] = table_scan(path)
    for kind in rule_base.children(root):
        for candidate in (path.with_name(f"{stem}.{kind}{suffix}"), path.with_name(f"{kind}{suffix}")):
            if candidate.exists() and candidate != path:
                scans[kind] = table_scan(candidate)
                break
    return [root], scans


def attach_database(con, path: Path, rule_base: RuleBase) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """(root kinds, kind → table, kind → source label) for a DuckDB database of kind tables."""
    try:
        con.execute(f"ATTACH {literal(str(path))} AS register (READ_ONLY)")
    except Exception as exc:  # duckdb.Error: not a database, locked, unreadable
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise PolicylogError([error("E307", "unreadable-file", f"cannot open `{path}` as a DuckDB "
                                    f"database: {reason}", None)]) from None
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'register'").fetchall()}
    roots = [k for k in rule_base.root_kinds if k in tables]
    if not roots:
        raise PolicylogError([error("E342", "no-root-table", f"`{path}` has no table named after "
                                    f"a subject kind ({', '.join(rule_base.root_kinds)})", None)])
    scans = {k: f"register.main.{quote(k)}" for k in rule_base.kinds if k in tables}
    sources = {k: f"{path}:{k}" for k in scans}
    return roots, scans, sources


def numbered_source(con, kind: str, scan: str) -> str:
    """The scan as a relation with `src_row`, the 1-based row in its file. A Parquet file is read
    in place (its own row numbers); anything else is copied once into a numbered table."""
    if scan.startswith("read_parquet(") and scan.endswith(")"):
        return (f"(SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS src_row "
                f"FROM {scan[:-1]}, file_row_number = true))")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {quote('src:' + kind)} AS "
                f"SELECT row_number() OVER () AS src_row, * FROM {scan}")
    return quote("src:" + kind)


# A profile's id (`pid`) is its row in its root table; the rows of the second root table (parks
# beside enterprises) count from ROOT_PID_STRIDE, the third from twice that, so pids never meet.
ROOT_PID_STRIDE = 10**12
CHILD_RID_BASE = 100000000000  # a child row's record id: base + its row (root records: their pid)


def read_tables(con, rule_base: RuleBase, layout: StoreLayout, roots: list[str], scans: dict[str, str],
                sources: dict[str, str]) -> dict[str, set[str]]:
    """CSV/Parquet/DuckDB tables → raw:K views of text (root kinds and their children); returns
    the attributes (one value per record) that have a column, by kind.

    Nothing wide is copied: `raw:K` is a view over the file (a CSV is numbered into one table
    first); only narrow keys are stored: the root ids (`ids:K`) and, per child row, its profile
    and position (`keys:K`)."""
    orphaned = [k for k in scans if k not in roots and rule_base.kinds[k].parent in rule_base.root_kinds
                and rule_base.kinds[k].parent not in roots]
    if orphaned:
        parent = rule_base.kinds[orphaned[0]].parent
        raise PolicylogError([error("E342", "no-root-table", f"the `{orphaned[0]}` table needs a table of "
                                    f"`{parent}` beside it", None, help=f"add `{parent}.csv` (or .parquet)")])
    unsupported = [k for k in scans if k not in roots and rule_base.kinds[k].parent not in roots]
    if unsupported:
        raise PolicylogError([error("E343", "nested-table", f"tables of `{unsupported[0]}` (a record "
                                    "of a record) are not supported", None,
                                    help="use JSON lines for deeper records")])
    for kind in layout.kinds:
        if kind not in scans:
            scans[kind] = None  # type: ignore[assignment]
    con.execute("CREATE OR REPLACE TEMP TABLE \"raw:profiles\" (pid BIGINT, src_row BIGINT, source VARCHAR)")
    present: dict[str, set[str]] = {}
    order = {kind: i for i, kind in enumerate(roots)}
    for kind, scan in sorted(scans.items(), key=lambda item: order.get(item[0], len(roots))):
        table = layout.kinds[kind]
        offset = order.get(kind, 0) * ROOT_PID_STRIDE
        attribute_columns = []
        if scan is None:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote('src:' + kind)} AS SELECT 0::BIGINT AS src_row WHERE FALSE")
            src = quote("src:" + kind)
            columns, types = [], {}
        else:
            src = numbered_source(con, kind, scan)
            described = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
            types = {row[0]: row[1] for row in described if row[0] != "src_row"}
            columns = map_columns(rule_base, kind, list(types), sources.get(kind, kind))
        id_col = next((c for c in columns if c.role == "id"), None)
        parent_col = next((c for c in columns if c.role == "parent"), None)
        id_expr = f"NULLIF(trim(CAST(s.{quote(id_col.source)} AS VARCHAR)), '')" if id_col else "CAST(NULL AS VARCHAR)"
        select = {a.name: ("CAST(NULL AS VARCHAR[])" if a.type.base == "set" else "CAST(NULL AS VARCHAR)")
                  for a in table.attributes}
        present[kind] = {c.attribute.name for c in columns if c.role == "attribute" and not c.attribute.per_year}
        for column in columns:
            if column.role == "attribute" and not column.attribute.per_year:
                col_type = types[column.source]
                select[column.attribute.name] = (_set_expr(column, col_type) if column.attribute.type.base == "set"
                                                 else _text_expr(column, col_type))
            attribute_columns.append(column)
        attrs = ", ".join(f"{expr} AS {quote(name)}" for name, expr in select.items())
        attrs = (", " + attrs) if attrs else ""
        if table.parent is None:
            pid = f"{offset} + s.src_row" if offset else "s.src_row"
            con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(raw_table(kind))} AS SELECT {pid} AS rid, "
                        f"{pid} AS pid, s.src_row, CAST(NULL AS BIGINT) AS parent_rid, 1 AS pos, {id_expr} AS id, "
                        f"CAST(NULL AS VARCHAR[]) AS problems{attrs} FROM {src} AS s")
            con.execute(f"INSERT INTO \"raw:profiles\" SELECT {pid}, s.src_row, {literal(sources.get(kind, kind))} "
                        f"FROM {src} AS s")
            root_id = f"trim(CAST(s.{quote(id_col.source)} AS VARCHAR))" if id_col else "CAST(NULL AS VARCHAR)"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote('ids:' + kind)} AS SELECT {root_id} AS id, "
                        f"min({pid}) AS rid FROM {src} AS s GROUP BY 1")
        else:
            root = table.parent
            # a deeper kind (设备 of 项目) has no table here: its empty rows join no parent
            parents = (quote('ids:' + root) if root in rule_base.root_kinds
                       else "(SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS BIGINT) AS rid WHERE FALSE)")
            parent_expr = f"trim(CAST(s.{quote(parent_col.source)} AS VARCHAR))" if parent_col else "CAST(NULL AS VARCHAR)"
            orphan = (f"CASE WHEN r.rid IS NULL THEN ['parent|' || coalesce(s.parent, '') || "
                      f"'|E341|orphan-row|no `{root}` has the id `' || coalesce(s.parent, '') || '`'] END")
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote('keys:' + kind)} AS SELECT s.src_row, r.rid AS pid, "
                        f"row_number() OVER (PARTITION BY r.rid ORDER BY s.src_row) AS pos, {orphan} AS problems "
                        f"FROM (SELECT s.src_row, {parent_expr} AS parent FROM {src} AS s) AS s "
                        f"LEFT JOIN {parents} AS r ON r.id = s.parent")
            con.execute(f"CREATE OR REPLACE TEMP VIEW {quote(raw_table(kind))} AS SELECT "
                        f"{CHILD_RID_BASE} + s.src_row AS rid, k.pid, s.src_row, k.pid AS parent_rid, k.pos, {id_expr} AS id, "
                        f"k.problems{attrs} FROM {src} AS s JOIN {quote('keys:' + kind)} AS k ON k.src_row = s.src_row")
        # per-year columns → long raw tables
        for attribute in table.per_year:
            parts = []
            for column in attribute_columns:
                if column.attribute is not attribute:
                    continue
                col_type = types[column.source]
                rid = (f"{offset} + s.src_row" if offset else "s.src_row") if table.parent is None \
                    else f"{CHILD_RID_BASE} + s.src_row"
                if attribute.type.base == "set":
                    parts.append(f"SELECT {rid} AS rid, s.src_row, {literal(column.year)} AS year_text, "
                                 f"{_set_expr(column, col_type)} AS members FROM {src} AS s "
                                 f"WHERE NULLIF(CAST(s.{quote(column.source)} AS VARCHAR), '') IS NOT NULL")
                else:
                    parts.append(f"SELECT {rid} AS rid, s.src_row, {literal(column.year)} AS year_text, "
                                 f"{_text_expr(column, col_type)} AS value FROM {src} AS s "
                                 f"WHERE NULLIF(CAST(s.{quote(column.source)} AS VARCHAR), '') IS NOT NULL")
            if not parts:
                value = "CAST(NULL AS VARCHAR[]) AS members" if attribute.type.base == "set" else "CAST(NULL AS VARCHAR) AS value"
                parts.append(f"SELECT 0::BIGINT AS rid, 0::BIGINT AS src_row, '' AS year_text, {value} WHERE FALSE")
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(raw_year_table(attribute))} AS "
                        + " UNION ALL ".join(parts))
    return present
