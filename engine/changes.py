"""Changed profiles: one attribute of one record set to a new value, for what-if questions.

A `Change` names its target the way a user writes it on the command line,

    项目[节水改造一期].年节水量=6万吨      年节水量=6万吨      企业.营业收入[2025]=2100万元

and its value is read by the profile loader's own rules (units, enumerations, years), so a
what-if value is checked exactly like a profile value. `apply_changes` returns a new `Profile`;
the original is never modified.

    >>> from decimal import Decimal
    >>> change = Change("项目", "P", "年节水量", None, Decimal(60000), "6万吨", "4万吨")
    >>> change.describe()
    '项目[P].年节水量 from 4万吨 to 6万吨'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

import yaml

from ..dsl.checker import Attribute, RuleBase, did_you_mean
from ..dsl.diagnostics import PolicylogError, Span, error
from .ir import attribute_predicate
from .profiles import Fact, Profile, ProfileLoader, Record, compose_yaml

# KIND[RECORD].ATTRIBUTE[YEAR]=VALUE, every part but ATTRIBUTE and VALUE optional.
_ASSIGNMENT = re.compile(r"""^\s*(?:(?P<kind>[^\s.\[\]=]+)(?:\[(?P<record>[^\]]+)\])?\.)?
                              (?P<attribute>[^\s.\[\]=]+)(?:\[(?P<year>[^\]]+)\])?
                              \s*=\s*(?P<value>.*?)\s*$""", re.X | re.S)


@dataclass(frozen=True, slots=True)
class Change:
    """Set `kind[record].attribute[year]` to `value` (base units; a tuple of members for a set)."""

    kind: str
    record: str
    attribute: str
    year: int | None
    value: object
    text: str  # the new value as written
    old_text: str | None  # the value it replaces, as written; None when the profile lacks it

    @property
    def target(self) -> str:
        year = f"[{self.year}]" if self.year is not None else ""
        return f"{self.kind}[{self.record}].{self.attribute}{year}"

    @property
    def assignment(self) -> str:
        """The change as `policylog whatif --set` takes it."""
        return f"{self.target}={self.text}"

    def describe(self) -> str:
        if self.old_text is None:
            return f"{self.target} set to {self.text} (not recorded in the profile)"
        return f"{self.target} from {self.old_text} to {self.text}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "record": self.record, "attribute": self.attribute,
                "year": self.year, "from": self.old_text, "to": self.text,
                "set": self.assignment, "text": self.describe()}


def _bad(code: str, name: str, message: str, source: str, help: str | None = None,
         where: tuple[int, int] | None = None) -> PolicylogError:
    """An error about an assignment; `where` is the (start, end) of the part at fault."""
    start, end = where if where is not None else (0, 1)
    span = Span(source, 1, start + 1, 1, max(end, start + 1) + 1)
    return PolicylogError([error(code, name, message, span, help=help)])


def current_text(profile: Profile, kind: str, record: str, attribute: str,
                 year: int | None) -> str | None:
    """The value the profile records, as written; None when it records none."""
    owner = profile.record(kind, record)
    if owner is None or attribute not in owner.values:
        return None
    value = owner.values[attribute]
    if isinstance(value, dict):
        if year not in value:
            return None
        value = value[year]
    predicate = attribute_predicate(kind, attribute)
    prefix = (record,) if year is None else (record, year)
    texts = [f.text for f in profile.facts
             if f.predicate == predicate and f.args[:len(prefix)] == prefix]
    if isinstance(value, tuple):
        return "[" + ", ".join(texts) + "]"
    return texts[0] if texts else str(value)


def parse_assignment(text: str, rule_base: RuleBase, profile: Profile,
                     source: str = "--set") -> Change:
    """`项目[节水改造一期].年节水量=6万吨` → a checked `Change`; errors name what is wrong."""
    match = _ASSIGNMENT.match(text)
    if not match or not match["value"]:
        raise _bad("E320", "bad-assignment", f"`{text}` is not an assignment", source,
                   "write `项目.年节水量=6万吨`, or `项目[节水改造一期].年节水量=6万吨`",
                   (0, len(text)))
    target = (match.start("kind") if match["kind"] else match.start("attribute"), match.end("attribute"))
    owner = next((r for r in profile.records if r.id == match["kind"]), None)
    if match["kind"] and match["kind"] not in rule_base.kinds and owner is not None:
        raise _bad("E321", "unknown-target", f"no subject kind `{match['kind']}`", source,
                   f"`{owner.id}` is a `{owner.kind}` record: write "
                   f"`{owner.kind}[{owner.id}].{match['attribute']}=…`", target)
    attribute = _attribute(match["kind"], match["attribute"], rule_base, source, target)
    record = _record(attribute, match["record"], profile, source, target)
    year = None
    if attribute.per_year:
        if match["year"] is None or not match["year"].strip().isdigit():
            raise _bad("E320", "bad-assignment", f"`{attribute.qualified}` is recorded per year; say "
                       "which", source, f"write `{attribute.qualified}[2025]={match['value']}`", target)
        year = int(match["year"])
    elif match["year"] is not None:
        raise _bad("E320", "bad-assignment", f"`{attribute.qualified}` is not recorded per year",
                   source, "drop the `[…]`", (match.start("year") - 1, match.end("year") + 1))
    # Padding the value to its column makes the loader's diagnostics point into the assignment.
    value = parse_value(attribute, " " * match.start("value") + match["value"], rule_base, source)
    return Change(attribute.kind, record.id, attribute.name, year, value, match["value"],
                  current_text(profile, attribute.kind, record.id, attribute.name, year))


def _attribute(kind: str | None, name: str, rule_base: RuleBase, source: str,
               where: tuple[int, int]) -> Attribute:
    if kind is not None:
        if kind not in rule_base.kinds:
            raise _bad("E321", "unknown-target", f"no subject kind `{kind}`", source,
                       did_you_mean(kind, rule_base.kinds), where=where)
        attribute = rule_base.attributes.get((kind, name))
        if attribute is None:
            raise _bad("E321", "unknown-target", f"`{kind}` has no attribute `{name}`", source,
                       did_you_mean(name, [a.name for a in rule_base.attributes_of(kind)]), where=where)
        return attribute
    matches = [a for (_, n), a in rule_base.attributes.items() if n == name]
    if not matches:
        raise _bad("E321", "unknown-target", f"no attribute `{name}`", source,
                   did_you_mean(name, {n for _, n in rule_base.attributes}), where=where)
    if len(matches) > 1:
        raise _bad("E322", "ambiguous-target", f"`{name}` is an attribute of several kinds", source,
                   "write one of " + ", ".join(f"`{a.qualified}`" for a in matches), where=where)
    return matches[0]


def _record(attribute: Attribute, wanted: str | None, profile: Profile, source: str,
            where: tuple[int, int]) -> Record:
    records = [r for r in profile.records if r.kind == attribute.kind]
    if wanted is not None:
        for record in records:
            if record.id == wanted.strip():
                return record
        raise _bad("E321", "unknown-target", f"the profile has no `{attribute.kind}` record "
                   f"`{wanted}`", source, did_you_mean(wanted, [r.id for r in records])
                   or (f"its `{attribute.kind}` records: " + ", ".join(r.id for r in records)
                       if records else None), where=where)
    if len(records) == 1:
        return records[0]
    if not records:
        raise _bad("E321", "unknown-target", f"the profile has no `{attribute.kind}` record",
                   source, f"add one to the profile under `{attribute.kind}:`", where=where)
    raise _bad("E322", "ambiguous-target", f"the profile has {len(records)} `{attribute.kind}` "
               "records; say which", source,
               f"write `{attribute.kind}[{records[0].id}].{attribute.name}=…`; records: "
               + ", ".join(r.id for r in records), where=where)


def parse_value(attribute: Attribute, text: str, rule_base: RuleBase, source: str = "--set"):
    """A value read by the profile loader's rules: units converted, members checked."""
    loader = ProfileLoader(rule_base, source)
    node = compose_yaml(text, source) if text.strip() else None
    if node is None:
        raise _bad("E320", "bad-assignment", "the value is empty", source)
    if attribute.type.base == "set":
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        value = tuple(m for m in (loader.parse_member(attribute, i) for i in items) if m)
    else:
        value = loader.parse_value(attribute, node)
    if loader.diagnostics:
        raise PolicylogError(loader.diagnostics)
    return value


def apply_changes(profile: Profile, changes: Sequence[Change]) -> Profile:
    """A new profile with each change applied in order; facts it sets have no source span."""
    copies: dict[int, Record] = {}

    def copy(record: Record | None) -> Record | None:
        if record is None:
            return None
        if id(record) not in copies:
            copies[id(record)] = replace(record, parent=copy(record.parent), values={
                name: (dict(v) if isinstance(v, dict) else v) for name, v in record.values.items()})
        return copies[id(record)]

    records = [copy(r) for r in profile.records]
    facts = list(profile.facts)
    for change in changes:
        owner = next((r for r in records if r.kind == change.kind and r.id == change.record), None)
        if owner is None:
            raise KeyError(f"no `{change.kind}` record `{change.record}`")
        predicate = attribute_predicate(change.kind, change.attribute)
        prefix = (change.record,) if change.year is None else (change.record, change.year)
        facts = [f for f in facts
                 if not (f.predicate == predicate and f.args[:len(prefix)] == prefix)]
        members = change.value if isinstance(change.value, tuple) else (change.value,)
        for member in members:
            shown = member if isinstance(change.value, tuple) else change.text
            facts.append(Fact(predicate, prefix + (member,), None, str(shown)))
        if change.year is None:
            owner.values[change.attribute] = change.value
        else:
            by_year = owner.values.setdefault(change.attribute, {})
            by_year[change.year] = change.value
    return Profile(profile.file, copy(profile.root), records, facts)
