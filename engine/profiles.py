"""Profiles: one subject (an enterprise, a park …) with its records, read from YAML or JSON.

    企业:
      id: 示例乳业
      申报年度: 2026
      地区: [革命老区]
      营业收入: {2024: 1800万元, 2025: 2100万元}
      项目:
        - id: 节水改造
          年节水量: 6万吨

Every value is checked against the rule base's declarations: a quantity carries its unit and is
converted exactly to the base unit; an unknown field gets "did you mean"; every fact remembers the
file, line and column it came from, so a trace can point at it. YAML aliases are refused (they
are how "billion laughs" documents explode), and size, depth and count limits are enforced.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from ..dsl.checker import Attribute, RuleBase, did_you_mean
from ..dsl.diagnostics import Diagnostic, PolicylogError, SourceCache, Span, error
from ..dsl.units import MAX_DIGITS, format_number, significant_digits
from .ir import attribute_predicate, subject_predicate

MAX_PROFILE_BYTES = 5_000_000
MAX_DEPTH = 16
MAX_RECORDS = 10_000
MAX_FACTS = 200_000
MIN_YEAR, MAX_YEAR = 1949, 2100
MAX_MAGNITUDE = Decimal(10) ** 18  # 10^18 元 is far beyond any budget; larger is a typo

ID_KEYS = ("id", "编号")


@dataclass(frozen=True, slots=True)
class Fact:
    predicate: str
    args: tuple
    span: Span | None
    text: str  # the value as written in the profile

    @property
    def key(self) -> tuple:
        return (self.predicate, self.args)


@dataclass
class Record:
    kind: str
    id: str
    parent: "Record | None"
    span: Span | None
    values: dict[str, object] = field(default_factory=dict)  # attribute -> base value(s)


@dataclass
class Profile:
    file: str
    root: Record
    records: list[Record]
    facts: list[Fact]

    def fact_index(self) -> dict[tuple, Fact]:
        return {f.key: f for f in self.facts}

    def record(self, kind: str, record_id: str) -> Record | None:
        for record in self.records:
            if record.kind == kind and record.id == record_id:
                return record
        return None


class _NoAliasLoader(yaml.SafeLoader):
    """Composes YAML nodes (keeping positions) and refuses anchors and aliases."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _ProfileError("E309", "yaml-alias", "YAML aliases (`*name`) are not allowed in "
                                "profiles", event.start_mark, "write each value out in full")
        return super().compose_node(parent, index)


class _ProfileError(Exception):
    def __init__(self, code, name, message, mark, help=None):
        self.code, self.name, self.message, self.mark, self.help = code, name, message, mark, help


_NUMBER_RE = re.compile(r"^\s*([+-]?)([0-9][0-9,]*(?:\.[0-9]+)?)\s*(.*?)\s*$", re.S)


def parse_quantity_text(text: str) -> tuple[Decimal, str | None] | None:
    """`1,000万元` → (1000, 万元); `６万吨` (full-width) → (6, 万吨); None if not a number."""
    normalized = unicodedata.normalize("NFKC", text)
    match = _NUMBER_RE.match(normalized)
    if not match:
        return None
    sign, number, unit = match.groups()
    if "," in number and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", number):
        return None
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    return (-value if sign == "-" else value), (unit or None)


class ProfileLoader:
    def __init__(self, rule_base: RuleBase, file: str, sources: SourceCache | None = None):
        self.rule_base = rule_base
        self.file = file
        self.sources = sources
        self.diagnostics: list[Diagnostic] = []
        self.end: tuple[int, int] | None = None  # where the text ends, when read from text
        self.records: list[Record] = []
        self.record_keys: set[tuple[str, str]] = set()  # (kind, id): a scan of records is quadratic
        self.facts: list[Fact] = []

    def span(self, node) -> Span:
        start, end = node.start_mark, node.end_mark
        if self.end is not None and (start.line + 1, start.column + 1) > self.end:
            return Span.point(self.file, *self.end)  # an empty document: its node is past the text
        if end.line != start.line:  # a block value: point at its first line only
            return Span(self.file, start.line + 1, start.column + 1, start.line + 1, start.column + 2)
        return Span(self.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def err(self, code, name, message, node, help=None):
        self.diagnostics.append(error(code, name, message, self.span(node) if node is not None else
                                      Span.point(self.file, 1, 1), help=help))

    # -- entry
    def load_text(self, text: str) -> Profile:
        if self.sources is not None:
            self.sources.add(self.file, text)
        if len(text.encode("utf-8", "surrogatepass")) > MAX_PROFILE_BYTES:
            raise PolicylogError([error("E310", "profile-too-large",
                                        f"profile is larger than {MAX_PROFILE_BYTES:,} bytes",
                                        Span.point(self.file, 1, 1),
                                        help="screen large registers with `policylog screen`")])
        self.end = end_of_text(text)
        return self.load_node(compose_yaml(text, self.file))

    def load_node(self, node) -> Profile:
        """A profile from a composed YAML node: a whole file's, or one embedded in a rule test."""
        if node is None:
            raise PolicylogError([error("E311", "empty-profile", "the profile is empty",
                                        Span.point(self.file, 1, 1),
                                        help=f"start with the subject, e.g. `{self._root_names()[0]}:`")])
        root = self.read_root(node)
        if self.diagnostics:
            raise PolicylogError(self.diagnostics)
        return Profile(self.file, root, self.records, self.facts)

    def _root_names(self) -> list[str]:
        return self.rule_base.root_kinds or ["企业"]

    def read_root(self, node) -> Record | None:
        if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
            self.err("E301", "bad-profile-shape", "a profile is a mapping with one key: the "
                     "subject kind", node, f"e.g. `{self._root_names()[0]}:` followed by its fields")
            raise PolicylogError(self.diagnostics)
        key_node, value_node = node.value[0]
        kind = self.scalar(key_node)
        if kind not in self.rule_base.kinds or self.rule_base.kinds[kind].parent is not None:
            self.err("E301", "unknown-field", f"`{kind}` is not a subject kind a profile can start "
                     "with", key_node, did_you_mean(str(kind), self._root_names())
                     or f"use one of: {', '.join(self._root_names())}")
            raise PolicylogError(self.diagnostics)
        return self.read_record(kind, value_node, None, depth=1, index=0)

    @staticmethod
    def scalar(node) -> str:
        return str(node.value) if isinstance(node, yaml.ScalarNode) else ""

    def read_record(self, kind: str, node, parent: Record | None, depth: int, index: int) -> Record | None:
        if depth > MAX_DEPTH:
            self.err("E312", "too-deep", f"records nest deeper than {MAX_DEPTH} levels", node)
            return None
        if not isinstance(node, yaml.MappingNode):
            self.err("E304", "wrong-type", f"a `{kind}` record is a mapping of fields", node,
                     "write `field: value` lines under it")
            return None
        if len(self.records) >= MAX_RECORDS:
            self.err("E313", "too-many-records", f"more than {MAX_RECORDS:,} records", node)
            return None
        record_id = None
        for key_node, value_node in node.value:
            if self.scalar(key_node) in ID_KEYS:
                if not isinstance(value_node, yaml.ScalarNode) or not str(value_node.value).strip():
                    self.err("E304", "wrong-type", "an `id` is a non-empty text or number", value_node)
                else:
                    record_id = str(value_node.value).strip()
        if record_id is None:
            record_id = f"{kind}#{index + 1}" if parent is not None else kind
        if (kind, record_id) in self.record_keys:
            self.err("E308", "duplicate-id", f"two `{kind}` records have the id `{record_id}`",
                     node, "give each record its own `id`")
            return None
        self.record_keys.add((kind, record_id))
        record = Record(kind, record_id, parent, self.span(node))
        self.records.append(record)
        args = (record_id,) if parent is None else (record_id, parent.id)
        self.add_fact(subject_predicate(kind), args, node, record_id)

        children = set(self.rule_base.children(kind))
        attributes = {a.name: a for a in self.rule_base.attributes_of(kind)}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            if key in ID_KEYS:
                continue
            if key in seen:
                self.err("E308", "duplicate-field", f"`{key}` is given twice", key_node)
                continue
            seen.add(key)
            if key in children:
                self.read_children(key, value_node, record, depth)
            elif key in attributes:
                self.read_attribute(attributes[key], value_node, record)
            else:
                options = list(attributes) + sorted(children) + list(ID_KEYS)
                hint = did_you_mean(key, options)
                self.err("E301", "unknown-field", f"`{kind}` has no field `{key}`", key_node,
                         hint or f"declared fields: {', '.join(options[:12])}"
                         + ("…" if len(options) > 12 else ""))
        return record

    def read_children(self, kind: str, node, parent: Record, depth: int) -> None:
        if isinstance(node, yaml.MappingNode):
            items = [node]
        elif isinstance(node, yaml.SequenceNode):
            items = node.value
        else:
            self.err("E304", "wrong-type", f"`{kind}` holds a list of records", node,
                     f"write `- id: …` items under `{kind}:`")
            return
        for index, item in enumerate(items):
            self.read_record(kind, item, parent, depth + 1, index)

    def add_fact(self, predicate: str, args: tuple, node, text: str) -> None:
        if len(self.facts) >= MAX_FACTS:
            if len(self.facts) == MAX_FACTS:
                self.err("E313", "too-many-facts", f"more than {MAX_FACTS:,} facts", node)
                self.facts.append(Fact("", (), None, ""))  # marks the limit as reported
            return
        self.facts.append(Fact(predicate, args, self.span(node), text))

    def read_attribute(self, attribute: Attribute, node, record: Record) -> None:
        predicate = attribute_predicate(attribute.kind, attribute.name)
        if attribute.per_year:
            if not isinstance(node, yaml.MappingNode):
                self.err("E304", "wrong-type", f"`{attribute.qualified}` is recorded per year",
                         node, f"write it as a mapping, e.g. `{attribute.name}: {{2025: …}}`")
                return
            by_year = {}
            for year_node, value_node in node.value:
                year = self.parse_year(year_node)
                if year is None:
                    continue
                if year in by_year:  # `2025` and `2025年` name the same year
                    self.err("E308", "duplicate-field", f"`{attribute.qualified}` gives the year "
                             f"{year} twice", year_node, "keep one value per year")
                    continue
                if attribute.type.base == "set":  # a set per year: {2025: [示范园区]}
                    items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                    members = tuple(m for m in (self.parse_member(attribute, i) for i in items) if m)
                    for member, item in zip(members, items):
                        self.add_fact(predicate, (record.id, year, member), item, member)
                    by_year[year] = members
                    continue
                value = self.parse_value(attribute, value_node)
                if value is not None:
                    by_year[year] = value
                    self.add_fact(predicate, (record.id, year, value), value_node,
                                  self.scalar(value_node))
            record.values[attribute.name] = by_year
            return
        if attribute.type.base == "set":
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            members = []
            for item in items:
                member = self.parse_member(attribute, item)
                if member is not None:
                    members.append(member)
                    self.add_fact(predicate, (record.id, member), item, member)
            record.values[attribute.name] = tuple(members)
            return
        value = self.parse_value(attribute, node)
        if value is not None:
            record.values[attribute.name] = value
            self.add_fact(predicate, (record.id, value), node, self.scalar(node))

    def parse_year(self, node) -> int | None:
        text = unicodedata.normalize("NFKC", self.scalar(node)).strip().removesuffix("年")
        # isdigit() also admits digits int() refuses (`𐩀`) and numbers too long for int()
        if not (text.isascii() and text.isdigit() and len(text) <= 4) \
                or not (MIN_YEAR <= int(text) <= MAX_YEAR):
            self.err("E304", "wrong-type", f"`{self.scalar(node)}` is not a year", node,
                     f"write a year between {MIN_YEAR} and {MAX_YEAR}, e.g. `2025`")
            return None
        return int(text)

    def parse_member(self, attribute: Attribute, node) -> str | None:
        text = self.scalar(node).strip() if isinstance(node, yaml.ScalarNode) else None
        enum = self.rule_base.enums[attribute.type.enum]
        if text is None or text not in enum.members:
            self.err("E304", "not-a-member", f"`{text}` is not a `{enum.name}` value", node,
                     did_you_mean(text or "", enum.members) or f"use one of: {', '.join(enum.members)}")
            return None
        return text

    def parse_value(self, attribute: Attribute, node):
        if not isinstance(node, yaml.ScalarNode):
            self.err("E304", "wrong-type", f"`{attribute.qualified}` takes a single value, not a "
                     f"{'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}", node)
            return None
        text = str(node.value)
        type_ = attribute.type
        match type_.base:
            case "bool":
                lowered = text.strip().lower()
                if lowered in ("true", "yes", "是", "y"):
                    return True
                if lowered in ("false", "no", "否", "n"):
                    return False
                self.err("E304", "wrong-type", f"`{attribute.qualified}` is true or false, not "
                         f"`{text}`", node, "write `true` or `false` (是 / 否)")
                return None
            case "text":
                return text
            case "year":
                return self.parse_year(node)
            case "enum":
                return self.parse_member(attribute, node)
            case "number":
                return self.parse_number(attribute, node, text)
        self.err("E304", "wrong-type", f"cannot read `{attribute.qualified}`", node)
        return None

    def parse_number(self, attribute: Attribute, node, text: str) -> Decimal | None:
        parsed = parse_quantity_text(text)
        units = self.rule_base.units
        example = f"`{attribute.name}: 5{attribute.declared_unit or ''}`"
        if parsed is None:
            self.err("E304", "wrong-type", f"`{attribute.qualified}` is a number, not `{text}`",
                     node, f"write it like {example}")
            return None
        value, unit = parsed
        if significant_digits(value) > MAX_DIGITS:  # its conversion to the base unit would round
            self.err("E314", "too-many-digits", f"`{text[:40]}{'…' if len(text) > 40 else ''}` has more than {MAX_DIGITS} "
                     "significant digits", node, "round it to the precision the records keep")
            return None
        if unit is None and attribute.type.dims:
            self.err("E303", "missing-unit", f"`{attribute.qualified}` needs a unit: `{text}` of what?",
                     node, f"write it with its unit, e.g. `{format_number(value)}{attribute.declared_unit}`")
            return None
        if unit is not None and units.resolve(unit) is None:
            # NFKC, which reads `６万吨` as 6万吨, also rewrites a unit declared with full-width
            # letters (`吨ｂ` → `吨b`); such a unit is found under its name as written.
            written = text.strip()[-len(unit):]
            if unicodedata.normalize("NFKC", written) == unit and units.resolve(written) is not None:
                unit = written
        info = units.resolve(unit)
        if info is None:
            self.err("E302", "unknown-unit", f"unknown unit `{unit}` in `{text}`", node,
                     did_you_mean(unit or "", [u.name for u in units.units_of(attribute.type.dims)])
                     or f"use {units.describe(attribute.type.dims)}")
            return None
        if info.dims != attribute.type.dims:
            self.err("E302", "unit-mismatch", f"`{attribute.qualified}` is in "
                     f"{units.describe(attribute.type.dims)}, but `{text}` is in "
                     f"{units.describe(info.dims)}", node,
                     f"write it like {example}")
            return None
        if value < 0:
            self.err("E305", "negative-value", f"`{attribute.qualified}` cannot be negative",
                     node, "a quantity here is an amount or volume, never below zero")
            return None
        base = units.to_base(value, unit)
        if base >= MAX_MAGNITUDE:
            self.err("E306", "value-too-large", f"`{text}` is implausibly large for "
                     f"`{attribute.qualified}`", node, "check the unit and the number of zeros")
            return None
        if attribute.decl.type.base == "integer" and base != base.to_integral_value():
            self.err("E304", "wrong-type", f"`{attribute.qualified}` is a whole number", node)
            return None
        return base


def compose_yaml(text: str, file: str):
    """YAML text → node tree with positions (None for an empty document); aliases refused."""
    def point(mark) -> Span:  # a mark at the end of the stream is after the last line break
        return Span.point(file, *min((mark.line + 1, mark.column + 1), end_of_text(text)))

    try:
        return _join_surrogate_pairs(yaml.compose(text, Loader=_NoAliasLoader))
    except _ProfileError as exc:
        raise PolicylogError([error(exc.code, exc.name, exc.message, point(exc.mark),
                                    help=exc.help)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = point(mark) if mark else None
        raise PolicylogError([error("E300", "profile-syntax", f"not valid YAML or JSON: "
                                    f"{exc.problem or exc.context}", span)]) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise PolicylogError([error("E300", "profile-syntax", f"not valid YAML or JSON: "
                                    f"{type(exc).__name__}", Span.point(file, 1, 1))]) from None


_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def end_of_text(text: str) -> tuple[int, int]:
    """(line, column) of the text's last character + 1, counting lines as YAML does."""
    lines = _YAML_LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return len(lines), len(lines[-1]) + 1


_SURROGATE = re.compile("[\ud800-\udfff]")


def _join_surrogate_pairs(root):
    """Scalars with `\\ud840\\udc00`-style escapes (json.dumps writes `𠀀` so by default) hold
    the character itself, not two lone surrogates that match nothing and cannot be printed."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if _SURROGATE.search(node.value):
                node.value = node.value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return root


def load_profile(path: str | Path, rule_base: RuleBase, sources: SourceCache | None = None) -> Profile:
    path = Path(path)
    try:
        with path.open("rb") as stream:  # never more than the limit: `/dev/zero` has no end
            raw = stream.read(MAX_PROFILE_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path (from a file, say)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PolicylogError([error("E307", "unreadable-file",
                                    f"cannot read profile `{path}`: {reason}", None)]) from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise PolicylogError([error("E310", "profile-too-large",
                                    f"profile is larger than {MAX_PROFILE_BYTES:,} bytes",
                                    Span.point(str(path), 1, 1))])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PolicylogError([error("E307", "not-utf8", "profile is not valid UTF-8",
                                    Span.point(str(path), 1, 1), help="save it as UTF-8")]) from None
    return ProfileLoader(rule_base, str(path), sources).load_text(text)


def load_profile_text(text: str, rule_base: RuleBase, file: str = "<profile>",
                      sources: SourceCache | None = None) -> Profile:
    return ProfileLoader(rule_base, file, sources).load_text(text)
