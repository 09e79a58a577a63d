"""The typed store: how profiles are laid out in SQL tables.

One wide table per subject kind, one row per record, one column per attribute that has a single
value (a set attribute is a list column):

    "企业"(pid, id, "申报年度" INTEGER, "地区" VARCHAR[], "制造业" BOOLEAN, …)
    "项目"(pid, id, parent, "年节水量" DECIMAL(38,6), …)

and one long table per per-year attribute, named like its Datalog predicate:

    "企业@营业收入"(pid, id, year INTEGER, value DECIMAL(38,6))
    "园区@考核称号"(pid, id, year INTEGER, member VARCHAR)      -- a set per year

`pid` numbers the profile (the row or line of the register it came from); ids are unique per
kind within one profile, so (pid, id) is a record's key. A profile has exactly one record of a
root kind, so for a root record (and its children's `parent`, and its per-year rows) pid alone
is the key; the compiled SQL relies on this. Quantities are stored in base units
(元, 吨, 吨标准煤) as DECIMAL(38, 6): exact, no floating point.

`policylog screen` stores only the attributes a register gives: "data:项目" holds those columns,
and the view "项目" adds every other attribute as a typed NULL, so the compiled SQL sees the full
layout while memory holds only what was read (and DuckDB folds the NULL columns away).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...dsl.checker import Attribute, RuleBase
from ..ir import attribute_predicate

NUMBER_SCALE = 6  # decimal places kept for every quantity, in base units
NUMBER_TYPE = f"DECIMAL(38,{NUMBER_SCALE})"
MONEY_SCALE = 12  # decimal places of amounts and payer shares in results
MONEY_TYPE = f"DECIMAL(38,{MONEY_SCALE})"


def quote(name: str) -> str:
    """A SQL identifier, always quoted: names are Chinese and may clash with keywords."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_type(attribute: Attribute) -> str:
    match attribute.type.base:
        case "bool":
            return "BOOLEAN"
        case "year":
            return "INTEGER"
        case "number":
            return NUMBER_TYPE
        case "set":
            return "VARCHAR" if attribute.per_year else "VARCHAR[]"
        case _:  # text, enum
            return "VARCHAR"


@dataclass(frozen=True)
class KindTable:
    kind: str
    parent: str | None
    attributes: tuple[Attribute, ...]  # one value per record: wide columns
    per_year: tuple[Attribute, ...]  # long tables

    @property
    def name(self) -> str:
        return self.kind


class StoreLayout:
    """Tables and columns of the typed store for one rule base."""

    def __init__(self, rule_base: RuleBase):
        self.rule_base = rule_base
        self.kinds: dict[str, KindTable] = {}
        for kind, decl in rule_base.kinds.items():
            attributes = rule_base.attributes_of(kind)
            self.kinds[kind] = KindTable(kind, decl.parent,
                                         tuple(a for a in attributes if not a.per_year),
                                         tuple(a for a in attributes if a.per_year))

    @staticmethod
    def year_table(attribute: Attribute) -> str:
        return attribute_predicate(attribute.kind, attribute.name)

    def chain(self, kind: str) -> list[str]:
        """Root first, down to `kind`."""
        return list(reversed(self.rule_base.ancestors(kind)))

    def create_statements(self) -> list[str]:
        statements = []
        for table in self.kinds.values():
            columns = ["pid BIGINT NOT NULL", "id VARCHAR NOT NULL"]
            if table.parent is not None:
                columns.append("parent VARCHAR NOT NULL")
            columns += [f"{quote(a.name)} {sql_type(a)}" for a in table.attributes]
            statements.append(f"CREATE OR REPLACE TABLE {quote(table.name)} ({', '.join(columns)})")
            statements += self.year_statements(table)
        return statements

    def year_statements(self, table: KindTable) -> list[str]:
        statements = []
        for attribute in table.per_year:
            value = "member VARCHAR" if attribute.type.base == "set" else f"value {sql_type(attribute)}"
            statements.append(f"CREATE OR REPLACE TABLE {quote(self.year_table(attribute))} "
                              f"(pid BIGINT NOT NULL, id VARCHAR NOT NULL, year INTEGER NOT NULL, {value})")
        return statements
