"""One profile out of a register, as `policylog screen` read it, for `qualify`/`explain --row N`.

An awards row names its profile by `profile_source` and `profile_row`. A JSON-lines register is
read back line by line; a table register (CSV, Parquet, a DuckDB database) goes through the same
readers as `screen` (`read_tables`: header units, set separators, per-year columns, parent ids)
and the text of that one profile's cells is put back into the shape of a profile file, which
the ordinary profile loader then checks. So `explain` sees the values `screen` saw, and checks
them with the rules every profile is checked with.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from ...dsl.checker import RuleBase
from ...dsl.diagnostics import PolicylogError, error
from ..profiles import ID_KEYS
from .readers import _text, attach_database, find_tables, read_tables, scan_source
from .screen import input_kind
from .store import StoreLayout, quote
from .validate import raw_table, raw_year_table


def _no_row(path: Path, row: int, what: str) -> PolicylogError:
    return PolicylogError([error("E345", "no-such-row", f"`{path}` has no {what} {row}", None,
                                 help="give the `profile_row` of an awards row written by `policylog screen`")])


def profile_text_from_register(path: Path, rule_base: RuleBase, row: int) -> tuple[str, str]:
    """(profile text, a name for it in messages) for the profile at `row` of the register."""
    if row < 1:
        raise _no_row(path, row, "row")
    root_kind = None
    if not path.exists():
        # `screen` labels a DuckDB table `register.duckdb:企业`; accept the label as written
        head, _, root_kind = str(path).rpartition(":")
        if head and root_kind in rule_base.root_kinds and Path(head).exists():
            path = Path(head)
        else:
            raise PolicylogError([error("E307", "unreadable-file", f"no file or directory `{path}`", None)])
    kind = input_kind(path)
    if kind == "profiles" and not path.is_dir():  # one profile file: a register of one
        if row != 1:
            raise _no_row(path, row, "profile")
        try:
            return path.read_bytes().decode("utf-8-sig"), str(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicylogError([error("E307", "unreadable-file", f"cannot read `{path}`: "
                                        f"{getattr(exc, 'strerror', None) or exc}", None)]) from None
    if kind == "profiles":
        raise PolicylogError([error("E344", "not-a-register", f"`{path}` holds profile files, one per "
                                    "profile; `--row` is for a JSON-lines file or a table register", None,
                                    help="give the profile file itself (the awards row's `profile_source`)")])
    if kind == "jsonl":
        return _jsonl_line(path, rule_base, row), f"{path} (line {row})"
    return _table_profile(path, rule_base, row, kind, root_kind), f"{path} (row {row})"


def _jsonl_line(path: Path, rule_base: RuleBase, row: int) -> str:
    """Line `row`, refused where `screen` rejects it on its own rules: not UTF-8 (E307), not JSON
    (E300: the profile loader would read YAML), a root without an id (E330), an id an earlier
    line's root of the same kind has (E331)."""
    earlier: dict[tuple[str, str], int] = {}
    try:
        with open(path, "rb") as stream:
            for line_no, raw in enumerate(stream, 1):
                if line_no < row:
                    key = _root_key(raw, rule_base)
                    if key is not None:
                        earlier.setdefault(key, line_no)
                    continue
                if not raw.strip():
                    raise _no_row(path, row, "profile on line")
                try:  # as `screen` reads it
                    text = raw.decode("utf-8-sig" if row == 1 else "utf-8")
                    data = json.loads(text, parse_int=str, parse_float=str)
                except UnicodeDecodeError:
                    raise PolicylogError([error("E307", "not-utf8", f"`{path}` line {row} is not "
                                                "valid UTF-8", None)]) from None
                except ValueError as exc:
                    raise PolicylogError([error("E300", "profile-syntax", f"`{path}` line {row} is not "
                                                f"valid JSON: {getattr(exc, 'msg', exc)}", None)]) from None
                key = _root_key(raw, rule_base, data)
                if key is None and _is_root_record(data, rule_base):
                    raise PolicylogError([error("E330", "missing-id", f"`{path}` line {row}: a root record "
                                                "in a register needs an `id`", None,
                                                help="`policylog screen` rejects this line")])
                if key is not None and key in earlier:
                    raise PolicylogError([error("E331", "duplicate-root", f"`{path}` line {row}: the id "
                                                f"`{key[1]}` is already used by line {earlier[key]}", None,
                                                help="`policylog screen` screens the first and rejects this one")])
                return text
    except OSError as exc:
        raise PolicylogError([error("E307", "unreadable-file", f"cannot read `{path}`: "
                                    f"{exc.strerror or exc}", None)]) from None
    raise _no_row(path, row, "line")


def _is_root_record(data, rule_base: RuleBase) -> bool:
    return isinstance(data, dict) and len(data) == 1 and next(iter(data)) in rule_base.root_kinds \
        and isinstance(next(iter(data.values())), dict)


def _root_key(raw: bytes, rule_base: RuleBase, data=None) -> tuple[str, str] | None:
    """(root kind, id) of a JSON line's profile, or None when it has none."""
    if data is None:
        try:
            data = json.loads(raw, parse_int=str, parse_float=str)
        except ValueError:
            return None
    if not _is_root_record(data, rule_base):
        return None
    kind, body = next(iter(data.items()))
    for key in ID_KEYS:
        if key in body:
            text = _text(body[key])
            # white space around an id is not part of it (as in `qualify` and `screen`)
            return (kind, text.strip()) if text is not None and text.strip() else None
    return None


def _table_profile(path: Path, rule_base: RuleBase, row: int, kind: str, root: str | None) -> str:
    layout = StoreLayout(rule_base)
    con = duckdb.connect()
    try:
        if kind == "tables":
            roots, scans = find_tables(path, rule_base)
            sources = {k: scan_source(scan) for k, scan in scans.items()}
        else:
            roots, scans, sources = attach_database(con, path, rule_base)
        if root is None:
            if len(roots) > 1:  # rows are numbered per root table: which one?
                raise PolicylogError([error("E344", "which-table", f"`{path}` holds tables of "
                                            f"{' and '.join(roots)}: row {row} of which?", None,
                                            help="give the awards row's `profile_source` (the root table itself)")])
            root = roots[0]
        elif root not in roots:
            raise PolicylogError([error("E342", "no-root-table", f"`{path}` has no `{root}` table", None)])
        # that root table and its children only: its row numbers are then the profiles' ids
        scans = {k: v for k, v in scans.items() if k == root or rule_base.kinds[k].parent == root}
        read_tables(con, rule_base, layout, [root], scans, sources)
        records = _records(con, layout, root, f"pid = {int(row)}")
        if not records:
            raise _no_row(path, row, f"`{root}` row")
        profile = records[0]
        _check_root_id(con, path, root, row, profile)
        for child in rule_base.children(root):
            children = _records(con, layout, child, f"pid = {int(row)}")
            if children:
                profile[child] = children
        return json.dumps({root: profile}, ensure_ascii=False, indent=2) + "\n"
    finally:
        con.close()


def _check_root_id(con, path: Path, root: str, row: int, profile: dict) -> None:
    """`screen`'s own rules for a table register: a root row has an id (E330), unique in the
    register (E331: the later row is rejected)."""
    root_id = profile.get("id")
    if root_id is None:
        raise PolicylogError([error("E330", "missing-id", f"`{path}` row {row}: the `{root}` has no `id`",
                                    None, help="`policylog screen` rejects this row")])
    first = con.execute(f"SELECT rid FROM {quote('ids:' + root)} WHERE id = ?", [root_id]).fetchone()
    if first is not None and first[0] != row:
        raise PolicylogError([error("E331", "duplicate-root", f"`{path}` row {row}: the id `{root_id}` is "
                                    f"also that of row {first[0]}", None,
                                    help="`policylog screen` screens the first row and rejects this one")])


def _records(con, layout: StoreLayout, kind: str, where: str) -> list[dict]:
    """The records of `kind` matching `where`, as profile mappings of text values."""
    table = layout.kinds[kind]
    names = [a.name for a in table.attributes]
    columns = ", ".join(["rid", "id"] + [quote(n) for n in names])
    rows = con.execute(f"SELECT {columns} FROM {quote(raw_table(kind))} WHERE {where} "
                       f"ORDER BY pos").fetchall()
    records = []
    by_rid: dict[int, dict] = {}
    for rid, record_id, *values in rows:
        record: dict = {} if record_id is None else {"id": record_id}
        for name, value in zip(names, values):
            if value is not None:
                record[name] = value
        records.append(record)
        by_rid[rid] = record
    for attribute in table.per_year:
        value = "members" if attribute.type.base == "set" else "value"
        rids = ", ".join(str(int(rid)) for rid in by_rid) or "NULL"
        for rid, year, text in con.execute(
                f"SELECT rid, year_text, {value} FROM {quote(raw_year_table(attribute))} "
                f"WHERE rid IN ({rids}) ORDER BY src_row").fetchall():
            if text is None:
                continue
            values = by_rid[rid].setdefault(attribute.name, {})
            if year in values:  # as `screen` does (E308): the profile cannot say which one holds
                raise PolicylogError([error("E308", "duplicate-year", f"`{attribute.qualified}` gives the "
                                            f"year {year} twice", None)])
            values[year] = text
    return records
