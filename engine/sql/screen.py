"""Screening: load a register, validate it, run the compiled SQL, write awards, errors, summary.

    screener = Screener(rule_base)
    result = screener.screen(Path("register.jsonl"))
    screener.write(Path("awards.parquet"), "parquet")

Everything runs in one in-process DuckDB connection (no server). Each awarded row carries the
profile's source and row (line) number, the provision and the subject, so `policylog qualify` on
that one profile reproduces it.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import duckdb

from ...dsl.checker import RuleBase
from ...dsl.diagnostics import PolicylogError, error
from ..compiler import compile_rule_base
from .compiler import CompiledSql, SqlCompiler
from .readers import (PROFILE_SUFFIXES, TABLE_SUFFIXES, ProfileFlattener, RawSink, attach_database,
                      find_tables, read_jsonl, read_profile_dir, read_tables, scan_source)
from .store import StoreLayout, literal, quote
from .validate import ERROR_COLUMNS, Validator

FORMATS = ("parquet", "csv", "jsonl")


@dataclass
class ScreenSummary:
    read: int = 0
    screened: int = 0
    rejected: int = 0
    granted: int = 0
    orphan_rows: int = 0
    errors: int = 0
    awards: dict[str, int] = field(default_factory=dict)  # by status
    totals: dict[str, dict[str, dict[str, str | None]]] = field(default_factory=dict)
    near_misses: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"profiles": {"read": self.read, "screened": self.screened, "rejected": self.rejected,
                             "granted": self.granted},
                "orphan_rows": self.orphan_rows, "errors": self.errors, "awards": self.awards,
                "totals": self.totals, "near_misses": self.near_misses,
                "seconds": {k: round(v, 3) for k, v in self.timings.items()}}


def decimal_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _first_line_is_json(path: Path) -> bool:
    try:
        with open(path, "rb") as stream:
            for raw in stream:
                if raw.strip():
                    json.loads(raw)
                    return True
    except (OSError, ValueError):  # ValueError: not JSON, or not UTF-8
        return False
    return True


def input_kind(path: Path) -> str:
    if path.is_dir():
        if any(p.suffix.lower() in PROFILE_SUFFIXES for p in path.iterdir()):
            return "profiles"
        return "tables"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in TABLE_SUFFIXES:
        return "tables"
    if suffix in (".duckdb", ".db"):
        return "duckdb"
    if suffix == ".json":  # JSON lines named .json, or one profile file (pretty-printed)
        return "jsonl" if _first_line_is_json(path) else "profiles"
    if suffix in PROFILE_SUFFIXES:
        return "profiles"  # one profile file: a register of one
    raise PolicylogError([error("E344", "unknown-input", f"cannot tell what `{path}` holds", None,
                                help="give a .jsonl file, a directory of profiles, a .csv/.parquet "
                                     "table or a .duckdb database")])


class Screener:
    """A rule base compiled to SQL, with its own DuckDB connection."""

    def __init__(self, rule_base: RuleBase, policies: set[str] | None = None,
                 progress: Callable[[str], None] | None = None, threads: int | None = None):
        self.rule_base = rule_base
        self.program = compile_rule_base(rule_base, policies)
        self.layout = StoreLayout(rule_base)
        self.compiled: CompiledSql = SqlCompiler(rule_base, self.program).compile()
        self.progress = progress or (lambda message: None)
        self.threads = threads
        self.con = self._connect()
        self.summary = ScreenSummary()

    def _connect(self):
        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = true")
        if self.threads:
            con.execute(f"SET threads = {int(self.threads)}")
        return con

    def fresh(self) -> "Screener":
        """A screener with the same compiled SQL and a new, empty database (compiling a large
        rule base is paid once when many registers are screened one after another)."""
        other = copy.copy(self)
        other.con = self._connect()
        other.summary = ScreenSummary()
        return other

    # -- loading
    def load(self, path: Path) -> None:
        started = time.perf_counter()
        con = self.con
        for table in self.layout.kinds.values():  # the kinds' tables come from validation
            for statement in self.layout.year_statements(table):
                con.execute(statement)
        con.execute("CREATE OR REPLACE TABLE errors (" + ", ".join(
            f"{c} {'BIGINT' if c in ('pid', 'row') else 'VARCHAR'}" for c in ERROR_COLUMNS) + ")")
        kind = input_kind(path)
        sources: dict[str, str] = {}
        sink = None
        self.progress(f"reading {path}")
        if kind in ("jsonl", "profiles"):
            sink = RawSink(self.layout)
            reader = read_jsonl if kind == "jsonl" else read_profile_dir
            reader(path, self.rule_base, sink, lambda n: self.progress(f"reading {path}: {n:,} profiles"))
            sink.flush(con)
            present = sink.present()
            sources = {k: str(path) for k in self.layout.kinds}
        elif kind == "tables":
            roots, scans = find_tables(path, self.rule_base)
            sources = {k: scan_source(scan) for k, scan in scans.items()}
            present = read_tables(con, self.rule_base, self.layout, roots, scans, sources)
        else:
            roots, scans, sources = attach_database(con, path, self.rule_base)
            present = read_tables(con, self.rule_base, self.layout, roots, scans, sources)
        self.summary.timings["read"] = time.perf_counter() - started
        started = time.perf_counter()
        self.progress("validating")
        validator = Validator(self.rule_base, self.layout, present)
        # errors found while reading (not JSON, wrong shape) come first
        if sink is not None and sink.profile_errors:
            con.executemany("INSERT INTO errors VALUES (?, ?, ?, ?, NULL, '', '', ?, ?, ?)",
                            [(pid, sources.get(next(iter(sources)), ""), row, kind_, code, name, message)
                             for pid, row, kind_, code, name, message in sink.profile_errors])
        validator.run(con, sources)
        con.execute(
            "CREATE OR REPLACE TABLE profiles AS SELECT p.pid, p.source, p.src_row AS row, "
            "p.pid IN (SELECT pid FROM invalid) AS rejected FROM \"raw:profiles\" AS p")
        self._drop_temporaries(keep={"invalid"})
        self.summary.timings["validate"] = time.perf_counter() - started

    def _drop_temporaries(self, keep: set[str]) -> None:
        """Free the memory of the raw, checked and key tables once the store is built."""
        con = self.con
        for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall():
            con.execute(f"DROP VIEW IF EXISTS temp.{quote(name)}")
        for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall():
            if name not in keep:
                con.execute(f"DROP TABLE IF EXISTS temp.{quote(name)}")

    # -- screening
    def run(self) -> ScreenSummary:
        started = time.perf_counter()
        con = self.con
        self.progress("screening")
        kinds = {kind for kind in self.layout.kinds
                 if con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {quote('data:' + kind)} LIMIT 1)").fetchone()[0]}
        for statement in self.compiled.statements(kinds):
            con.execute(statement)
        self.summary.timings["screen"] = time.perf_counter() - started
        started = time.perf_counter()
        self._summarise()
        for table in ("awards", "stacked"):  # the near misses are counted; `screened` remains
            con.execute(f"DROP TABLE IF EXISTS {table}")
        self.summary.timings["summary"] = time.perf_counter() - started
        return self.summary

    def near_misses(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for provision, reason, count in self.con.execute(self.compiled.near_misses).fetchall():
            found.setdefault(provision, {})[reason] = int(count)
        return found

    def _summarise(self) -> None:
        con, s = self.con, self.summary
        s.read, s.rejected = con.execute("SELECT count(*), count(*) FILTER (WHERE rejected) FROM profiles").fetchone()
        s.screened = s.read - s.rejected
        s.granted = con.execute("SELECT count(DISTINCT pid) FROM screened WHERE status = 'paid'").fetchone()[0]
        s.errors, s.orphan_rows = con.execute(
            "SELECT count(*), count(DISTINCT source || ':' || row) FILTER (WHERE pid IS NULL) FROM errors").fetchone()
        s.awards = dict(con.execute("SELECT status, count(*) FROM screened GROUP BY 1 ORDER BY 1").fetchall())
        totals: dict[str, dict] = {}
        for key in ("provision", "clause", "policy"):
            rows = con.execute(
                f"SELECT {key}, count(*), sum(amount_low), CASE WHEN count(amount_high) = count(*) "
                f"THEN sum(amount_high) END FROM screened WHERE status = 'paid' GROUP BY 1 ORDER BY 1").fetchall()
            totals[key] = {name: {"awards": n, "low_yuan": decimal_text(low), "high_yuan": decimal_text(high)}
                           for name, n, low, high in rows}
        payers = {}
        for payer in self.compiled.payers:
            low_col, high_col = quote(f"payer_{payer}_low"), quote(f"payer_{payer}_high")
            n, low, high = con.execute(
                f"SELECT count({low_col}), sum({low_col}), CASE WHEN count({high_col}) = count({low_col}) "
                f"THEN sum({high_col}) END FROM screened WHERE status = 'paid'").fetchone()
            payers[payer] = {"awards": n, "low_yuan": decimal_text(low or Decimal(0)),
                             "high_yuan": decimal_text(high) if n else "0"}
        totals["payer"] = payers
        s.totals = totals
        s.near_misses = self.near_misses()

    # -- output
    def output_query(self, fmt: str) -> str:
        money = ["amount_low", "amount_high"] + [f"payer_{p}_{side}" for p in self.compiled.payers
                                                  for side in ("low", "high")]

        def shown(column: str) -> str:
            ref = f"s.{quote(column)}"
            if fmt == "parquet":
                return f"{ref} AS {quote(column)}"
            text = f"CAST({ref} AS VARCHAR)"
            return (f"CASE WHEN strpos({text}, '.') > 0 THEN rtrim(rtrim({text}, '0'), '.') ELSE {text} END "
                    f"AS {quote(column)}")

        columns = ["p.source AS profile_source", "p.row AS profile_row", "s.root_kind", "s.root_id", "s.policy",
                   "s.clause", "s.provision", "s.subject_kind", "s.subject_id", "s.subject_path", "s.alternative",
                   "s.status"] + [shown(c) for c in money] + ["s.excluded_by", "s.adjusted AS capped"]
        return (f"SELECT {', '.join(columns)} FROM screened AS s JOIN profiles AS p ON p.pid = s.pid "
                f"ORDER BY s.pid, s.provision, s.subject_id")

    def write(self, out: Path, fmt: str, errors_path: Path | None = None) -> None:
        started = time.perf_counter()
        self.progress(f"writing {out}")
        options = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER true",
                   "jsonl": "FORMAT json"}[fmt]
        self.con.execute(f"COPY ({self.output_query(fmt)}) TO {literal(str(out))} ({options})")
        if errors_path is not None:
            self.con.execute(f"COPY (SELECT source, row, kind, record, field, value, code, name, message "
                             f"FROM errors ORDER BY pid NULLS LAST, source, row, kind, field) "
                             f"TO {literal(str(errors_path))} (FORMAT csv, HEADER true)")
        self.summary.timings["write"] = time.perf_counter() - started

    def rows(self) -> list[dict]:
        cursor = self.con.execute(self.output_query("parquet"))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def errors(self) -> list[dict]:
        cursor = self.con.execute("SELECT * FROM errors ORDER BY pid, row")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def screen(self, path: Path) -> ScreenSummary:
        self.load(path)
        return self.run()

    def close(self) -> None:
        self.con.close()


__all__ = ["Screener", "ScreenSummary", "FORMATS", "ProfileFlattener"]
