"""Grammar-aware generation of valid rule bases, with profiles to run them on.

`programs()` draws a vocabulary (dimensions, units, subjects, enumerations, attributes, payers)
and policies whose conditions and amounts are well typed over it, then writes them out with
either keyword spelling, ASCII or full-width punctuation, random spacing, comments and line
ends. Such a program must check without errors, compile, print and parse back to the same AST,
and answer any profile of its vocabulary.

`profiles_for()` draws records for a program's vocabulary, writes each value in one of the ways a
person would (`1,000万元`, `１２万吨`, `是`, `2025年`), and remembers the value the loader must
read, in base units, so the tests can check the loader and, through `reference.py`, the answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import strategies as st

MONEY = "金额"

# Keyword spellings: (English, Chinese); the writer picks one per occurrence.
KW = {
    "dimension": ("dimension", "量纲"), "base": ("base", "基本单位"), "unit": ("unit", "单位"),
    "subject": ("subject", "主体"), "of": ("of", "归属"), "enum": ("enum", "枚举"),
    "attribute": ("attribute", "属性"), "payer": ("payer", "承担"), "per year": ("per year", "按年"),
    "bool": ("bool", "布尔"), "integer": ("integer", "整数"), "decimal": ("decimal", "数值"),
    "text": ("text", "文本"), "year": ("year", "年份"), "set": ("set", "集合"),
    "policy": ("policy", "政策"), "title": ("title", "标题"), "status": ("status", "状态"),
    "supersedes": ("supersedes", "取代"), "default payer": ("default payer", "默认承担"),
    "not cumulative": ("not cumulative", "不重复享受"), "allow": ("allow", "允许"),
    "clause": ("clause", "条款"), "note": ("note", "解释"), "total cap": ("total cap", "合计上限"),
    "per": ("per", "每"), "over": ("over", "涵盖"), "provision": ("provision", "规定"),
    "for": ("for", "对象"), "when": ("when", "条件"), "unless": ("unless", "除非"),
    "then": ("then", "则"), "amount": ("amount", "金额"), "up to": ("up to", "最高"),
    "at least": ("at least", "不低于"), "by": ("by", "按"), "cap": ("cap", "上限"),
    "informational": ("informational", "仅说明"), "or": ("or", "或"), "and": ("and", "且"),
    "not": ("not", "非"), "in": ("in", "属于"), "has": ("has", "包含"), "exists": ("exists", "存在"),
    "true": ("true", "是"), "false": ("false", "否"),
}
CLAUSE_TEXT_KW = ("text", "文本", "原文")
RESERVED = {spelling for pair in KW.values() for spelling in pair} | set(CLAUSE_TEXT_KW) | {
    "per", "year", "default", "cumulative", "total", "up", "to", "at", "least", "min", "max", "较小值", "较大值"}

# Name material: CJK words from the policy lists, ASCII words, and shapes that have tripped
# Datalog engines (a leading capital or underscore reads as a variable in pyDatalog).
STEMS = ["企业", "项目", "认定", "标准", "人员", "园区", "集群", "产品", "投资额", "营业收入", "节水量",
         "降碳量", "等级", "类型", "地区", "级别", "角色", "年份值", "首次", "名称", "收购量", "费用",
         "rev", "invest", "level", "kind", "region", "Company", "Project", "X", "True", "False", "None",
         "_x", "_pyD_query", "eval", "exec", "__import__", "os", "système", "ǅ", "ａｂｃ", "Ⅻ", "ℌ", "ⅰ"]


def _name_ok(name: str) -> bool:
    return name.isidentifier() and name not in RESERVED and not name[0].isdigit()


@st.composite
def names(draw, taken: set[str], stems=STEMS) -> str:
    """A fresh NAME token: unique within the program, never a keyword."""
    stem = draw(st.sampled_from(stems))
    name = stem
    while not _name_ok(name) or name in taken:
        name = f"{stem}{len(taken)}{draw(st.sampled_from(['', '甲', '_', 'ｂ']))}"
    taken.add(name)
    return name


# ---- the vocabulary ---------------------------------------------------------------------------

@dataclass
class Unit:
    name: str
    dims: tuple  # sorted ((dimension, exponent), …)
    scale: Decimal  # in the dimension's base unit
    declared: bool = True  # False for "%", which every rule base knows


@dataclass
class Attr:
    kind: str
    name: str
    base: str  # bool number text year enum set
    spec: str  # integer | decimal for numbers
    unit: str | None = None
    dims: tuple = ()
    enum: str | None = None
    per_year: bool = False

    @property
    def qualified(self) -> str:
        return f"{self.kind}.{self.name}"


@dataclass
class Vocabulary:
    dimensions: list[tuple[str, str]] = field(default_factory=list)  # (dimension, base unit)
    units: list[Unit] = field(default_factory=list)  # base units first, then declared ones
    unit_decls: list[tuple[str, Decimal, str]] = field(default_factory=list)  # name = factor × of
    kinds: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # name, parent, desc
    enums: dict[str, list[str]] = field(default_factory=dict)
    attributes: list[Attr] = field(default_factory=list)
    payers: list[str] = field(default_factory=list)

    def parent(self, kind: str) -> str | None:
        return next(p for k, p, _ in self.kinds if k == kind)

    def chain(self, kind: str) -> list[str]:
        """The kind and its ancestors, root last."""
        out = []
        while kind is not None:
            out.append(kind)
            kind = self.parent(kind)
        return out

    def children(self, kind: str) -> list[str]:
        return [k for k, p, _ in self.kinds if p == kind]

    def roots(self) -> list[str]:
        return [k for k, p, _ in self.kinds if p is None]

    def attrs(self, kinds, *, base: str | None = None, dims=None, per_year: bool | None = None):
        return [a for a in self.attributes if a.kind in kinds and (base is None or a.base == base)
                and (dims is None or a.dims == dims) and (per_year is None or a.per_year == per_year)]

    def units_of(self, dims) -> list[Unit]:
        return [u for u in self.units if u.dims == dims]

    def money_units(self) -> list[Unit]:
        return self.units_of(((MONEY, 1),))


def decimal_text(value: Decimal) -> str:
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@st.composite
def vocabularies(draw) -> Vocabulary:
    taken: set[str] = set()
    v = Vocabulary()
    # Dimensions: money is always there (amounts are money); one to three more.
    dimension_names = [MONEY] + [draw(names(taken, ["质量", "能耗", "面积", "人数", "mass", "area"]))
                                 for _ in range(draw(st.integers(1, 3)))]
    for dimension in dimension_names:
        base = "元" if dimension == MONEY else draw(names(taken, ["吨", "吨标准煤", "平方米", "人", "kg", "t"]))
        taken.add(base)
        v.dimensions.append((dimension, base))
        v.units.append(Unit(base, ((dimension, 1),), Decimal(1)))
    for _ in range(draw(st.integers(0, 4))):
        of = draw(st.sampled_from(v.units))
        factor = draw(st.sampled_from([Decimal(10), Decimal(1000), Decimal(10000), Decimal("0.001"),
                                       Decimal("0.5"), Decimal(7), Decimal("1E+8")]))
        name = draw(names(taken, ["万元", "亿元", "万吨", "千克", "万人", "k", "M"]))
        v.unit_decls.append((name, factor, of.name))
        v.units.append(Unit(name, of.dims, factor * of.scale))
    v.units.append(Unit("%", (), Decimal("0.01"), declared=False))
    # Subjects: one or two roots, children below them (at most three levels).
    for _ in range(draw(st.integers(1, 2))):
        v.kinds.append((draw(names(taken)), None, draw(st.none() | texts())))
    for _ in range(draw(st.integers(0, 4))):
        parent = draw(st.sampled_from([k for k, _, _ in v.kinds]))
        if len(v.chain(parent)) < 3:
            v.kinds.append((draw(names(taken)), parent, draw(st.none() | texts())))
    for _ in range(draw(st.integers(1, 3))):
        members = [draw(names(taken)) for _ in range(draw(st.integers(1, 4)))]
        v.enums[draw(names(taken))] = members
    # Attributes: every kind gets a few, of every type.
    for kind, _, _ in v.kinds:
        for _ in range(draw(st.integers(1, 6))):
            base = draw(st.sampled_from(["bool", "number", "number", "text", "year", "enum", "set"]))
            attr = Attr(kind, draw(names(taken)), base, spec="")
            if base == "number":
                attr.spec = draw(st.sampled_from(["integer", "decimal"]))
                unit = draw(st.none() | st.sampled_from([u for u in v.units if u.declared]))
                attr.unit = unit.name if unit else None
                attr.dims = unit.dims if unit else ()
            if base in ("enum", "set"):
                attr.enum = draw(st.sampled_from(sorted(v.enums)))
            attr.per_year = draw(st.booleans()) if base != "year" else False
            v.attributes.append(attr)
    v.payers = [draw(names(taken, ["自治区", "盟市", "旗县", "state"])) for _ in range(draw(st.integers(1, 3)))]
    return v


# ---- text pieces ------------------------------------------------------------------------------

def texts(min_size: int = 0):
    """What a quoted string may hold (the writer escapes it)."""
    return st.text(st.characters(blacklist_categories=("Cs",)), min_size=min_size, max_size=30) | \
        st.sampled_from(["对符合条件的企业给予奖补", "（一）支持设备更新。", 'a "quoted" word', "back\\slash",
                         "line one\nline two", '"""', "{{7*7}}", "${7*7}", "__import__('os')"])


def quote(text: str, triple: bool) -> str:
    """A STRING token for `text`: `\\` and `"` escaped, newlines kept only in triple quotes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if triple:
        return f'"""{escaped}"""'
    return '"' + escaped.replace("\n", "\\n") + '"'


class Writer:
    """Turns tokens into text with the drawn spelling, punctuation and spacing choices."""

    def __init__(self, draw):
        self.draw = draw
        self.chinese = draw(st.floats(0, 1))  # share of Chinese keyword spellings
        self.full_width = draw(st.floats(0, 1))  # share of full-width punctuation
        self.newline = draw(st.sampled_from(["\n", "\r\n"]))

    def kw(self, key: str) -> str:
        english, chinese = KW[key]
        return chinese if self.draw(st.floats(0, 1)) < self.chinese else english

    def text_kw(self) -> str:
        return self.draw(st.sampled_from(CLAUSE_TEXT_KW))

    def punct(self, ascii_form: str) -> str:
        wide = {":": ["："], ",": ["，", "、"], "(": ["（"], ")": ["）"], ";": ["；"]}[ascii_form]
        if self.draw(st.floats(0, 1)) < self.full_width:
            return self.draw(st.sampled_from(wide))
        return ascii_form

    def space(self) -> str:
        return self.draw(st.sampled_from([" ", " ", " ", "  ", "\t", "\u3000", " \u3000"]))

    def end(self, separator: bool = True) -> str:
        """The end of a declaration or member: maybe a `;`, maybe a comment, then a newline."""
        out = ""
        if separator and self.draw(st.integers(0, 5)) == 0:
            out += self.space() + self.punct(";")
        if self.draw(st.integers(0, 6)) == 0:
            out += self.space() + self.draw(st.sampled_from(["# ", "// "])) + \
                self.draw(st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=20))
        return out + self.newline

    def string(self, text: str) -> str:
        return quote(text, triple=self.draw(st.booleans()) or "\n" in text)

    def join(self, *parts: str) -> str:
        out = ""
        for part in parts:
            if part:
                out += (self.space() if out else "") + part
        return out


# ---- expressions ------------------------------------------------------------------------------

@dataclass
class Scope:
    vocab: Vocabulary
    kinds: list[str]  # bound kinds: the provision's subject chain, plus `exists` bindings


def _year_index(draw, w: Writer, scope: Scope) -> str:
    years = scope.vocab.attrs(scope.kinds, base="year", per_year=False)
    if years and draw(st.booleans()):
        year = draw(st.sampled_from(years))
        offset = draw(st.integers(0, 2))
        if offset:
            return f"{year.qualified}{w.space()}-{w.space()}{offset}"
        return year.qualified
    return str(draw(st.integers(2018, 2030)))


def reference(draw, w: Writer, scope: Scope, attr: Attr) -> str:
    if attr.per_year:
        return f"{attr.qualified}[{_year_index(draw, w, scope)}]"
    return attr.qualified


def quantity(draw, unit: Unit | None, *, positive: bool = False) -> str:
    """A quantity token: a number glued to its unit, sometimes with thousands separators."""
    value = draw(st.sampled_from([Decimal(0), Decimal(1), Decimal(5), Decimal(20), Decimal("0.5"),
                                  Decimal(1000), Decimal(12000), Decimal("2.75"), Decimal(10) ** 9]))
    if positive and value == 0:
        value = Decimal(3)
    text = decimal_text(value)
    if value >= 1000 and value == value.to_integral_value() and draw(st.booleans()):
        text = f"{int(value):,}"
    return text + (unit.name if unit else "")


def number_expr(draw, w: Writer, scope: Scope, dims: tuple, depth: int, *, money_ops: bool) -> str:
    """An expression of the given dimensions; `money_ops` allows `min`/`max` (amounts, caps)."""
    vocab = scope.vocab
    refs = vocab.attrs(scope.kinds, base="number", dims=dims)
    choices = ["quantity"] + (["ref", "ref"] if refs else [])
    if depth > 0:
        choices += ["sum", "scale", "paren", "negate"]
        if money_ops:
            choices += ["minmax", "divide"]
        if dims == ((MONEY, 1),):
            rate_refs = [a for a in vocab.attrs(scope.kinds, base="number")
                         if len(a.dims) == 1 and a.dims[0][1] == 1 and a.dims != dims]
            if rate_refs:
                choices.append("rate")
    choice = draw(st.sampled_from(choices))
    sub = lambda d=dims: number_expr(draw, w, scope, d, depth - 1, money_ops=money_ops)  # noqa: E731
    match choice:
        case "quantity":
            units = vocab.units_of(dims)
            unit = draw(st.sampled_from(units)) if units and dims else (
                draw(st.none() | st.just(next(u for u in vocab.units if u.name == "%"))) if not dims else None)
            if dims and not units:
                raise AssertionError(dims)
            return quantity(draw, unit)
        case "ref":
            return reference(draw, w, scope, draw(st.sampled_from(refs)))
        case "sum":
            return f"{sub()}{w.space()}{draw(st.sampled_from(['+', '-']))}{w.space()}{sub()}"
        case "scale":
            factor = draw(st.sampled_from(["20%", "50%", "2", "0.5", "10%"]))
            op = draw(st.sampled_from(["*", "×"]))
            left, right = (factor, f"({sub()})") if draw(st.booleans()) else (f"({sub()})", factor)
            return f"{left}{w.space()}{op}{w.space()}{right}"
        case "paren":
            return f"{w.punct('(')}{sub()}{w.punct(')')}"
        case "negate":
            return f"-({sub()})"
        case "minmax":
            function = draw(st.sampled_from(["min", "max", "较小值", "较大值"]))
            args = [sub() for _ in range(draw(st.integers(1, 3)))]
            return f"{function}({(w.punct(',') + w.space()).join(args)})"
        case "divide":
            return f"({sub()}){w.space()}/{w.space()}{draw(st.sampled_from(['2', '4', '3', '8']))}"
        case "rate":
            ref = draw(st.sampled_from(rate_refs))
            pairs = [(m, p) for m in vocab.money_units() for p in vocab.units_of(ref.dims) if _exact_rate(m, p)]
            if not pairs:
                return quantity(draw, draw(st.sampled_from(vocab.money_units())))
            money, per = draw(st.sampled_from(pairs))
            rate = f"{draw(st.sampled_from(['10', '100', '1000', '0.5']))}{money.name}/{per.name}"
            return f"{rate}{w.space()}*{w.space()}{reference(draw, w, scope, ref)}"
    raise AssertionError(choice)


def _exact_rate(money: Unit, per: Unit) -> bool:
    """Whether `money/per` has a short exact decimal scale (the checker refuses others, E115)."""
    from policylog.dsl.units import EXACT, MAX_DIGITS, significant_digits

    try:
        return significant_digits(EXACT.divide(money.scale, per.scale)) <= MAX_DIGITS
    except ArithmeticError:
        return False


def condition(draw, w: Writer, scope: Scope, depth: int) -> str:
    """A well-typed condition over the bound kinds."""
    vocab = scope.vocab
    atoms = ["literal"]
    for base in ("bool", "number", "year", "enum", "text", "set"):
        if vocab.attrs(scope.kinds, base=base):
            atoms.append(base)
    composite = ["not", "and", "or", "paren"] if depth > 0 else []
    existential = [c for k in scope.kinds for c in vocab.children(k) if c not in scope.kinds]
    if depth > 0 and existential:
        composite.append("exists")
    choice = draw(st.sampled_from(atoms + composite))
    sub = lambda s=scope: condition(draw, w, s, depth - 1)  # noqa: E731
    op = lambda ops: f"{w.space()}{draw(st.sampled_from(ops))}{w.space()}"  # noqa: E731
    match choice:
        case "literal":
            return w.kw(draw(st.sampled_from(["true", "false"])))
        case "bool":
            return reference(draw, w, scope, draw(st.sampled_from(vocab.attrs(scope.kinds, base="bool"))))
        case "number":
            attr = draw(st.sampled_from(vocab.attrs(scope.kinds, base="number")))
            left = reference(draw, w, scope, attr)
            if draw(st.integers(0, 3)) == 0:
                left = number_expr(draw, w, scope, attr.dims, 1, money_ops=False)
            right = number_expr(draw, w, scope, attr.dims, min(depth, 1), money_ops=False)
            return f"{left}{op(['>=', '<=', '>', '<', '=', '!=', '==', '≥', '≤', '≠'])}{right}"
        case "year":
            attr = draw(st.sampled_from(vocab.attrs(scope.kinds, base="year")))
            right = str(draw(st.integers(2015, 2030)))
            others = [a for a in vocab.attrs(scope.kinds, base="year") if not a.per_year]
            if others and draw(st.booleans()):
                right = draw(st.sampled_from(others)).qualified
            return f"{reference(draw, w, scope, attr)}{op(['>=', '<=', '>', '<', '=', '!='])}{right}"
        case "enum":
            attr = draw(st.sampled_from(vocab.attrs(scope.kinds, base="enum")))
            members = vocab.enums[attr.enum]
            ref = reference(draw, w, scope, attr)
            form = draw(st.sampled_from(["=", "!=", "in", "text", "flipped"]))
            member = draw(st.sampled_from(members))
            if form == "in":
                chosen = draw(st.lists(st.sampled_from(members), min_size=1, unique=True))
                listed = (w.punct(",") + w.space()).join(
                    quote(m, False) if draw(st.booleans()) else m for m in chosen)
                return f"{ref}{w.space()}{w.kw('in')}{w.space()}{{{listed}}}"
            if form == "text":
                return f"{ref}{op(['=', '!='])}{quote(member, False)}"
            if form == "flipped":
                return f"{member}{op(['=', '!='])}{ref}"
            return f"{ref}{w.space()}{form}{w.space()}{member}"
        case "text":
            attr = draw(st.sampled_from(vocab.attrs(scope.kinds, base="text")))
            values = st.sampled_from(["乌兰察布市", "", "True", "a b", "x"])
            if draw(st.booleans()):
                return f"{reference(draw, w, scope, attr)}{op(['=', '!='])}{quote(draw(values), False)}"
            listed = (w.punct(",") + w.space()).join(quote(x, False) for x in draw(st.lists(values, min_size=1)))
            return f"{reference(draw, w, scope, attr)}{w.space()}{w.kw('in')}{w.space()}{{{listed}}}"
        case "set":
            attr = draw(st.sampled_from(vocab.attrs(scope.kinds, base="set")))
            member = draw(st.sampled_from(vocab.enums[attr.enum]))
            return f"{reference(draw, w, scope, attr)}{w.space()}{w.kw('has')}{w.space()}" + (
                quote(member, False) if draw(st.booleans()) else member)
        case "not":
            return f"{w.kw('not')}{w.space()}{w.punct('(')}{sub()}{w.punct(')')}"
        case "and" | "or":
            parts = [sub() for _ in range(draw(st.integers(2, 3)))]
            joined = f"{w.space()}{w.kw(choice)}{w.space()}".join(f"{w.punct('(')}{p}{w.punct(')')}" for p in parts)
            return joined
        case "paren":
            return f"{w.punct('(')}{sub()}{w.punct(')')}"
        case "exists":
            kind = draw(st.sampled_from(existential))
            inner = Scope(vocab, scope.kinds + [kind])
            return f"{w.kw('exists')}{w.space()}{kind}{w.space()}{w.punct('(')}{sub(inner)}{w.punct(')')}"
    raise AssertionError(choice)


# ---- programs ---------------------------------------------------------------------------------

@dataclass
class Program:
    vocab: Vocabulary
    files: dict[str, str]  # file name -> text
    provision_ids: list[str]


def _vocabulary_text(draw, w: Writer, v: Vocabulary) -> str:
    out = []
    for dimension, base in v.dimensions:
        out.append(w.join(w.kw("dimension"), dimension, w.kw("base"), base) + w.end())
    for name, factor, of in v.unit_decls:
        out.append(w.join(w.kw("unit"), name, "=", decimal_text(factor) + of) + w.end())
    for payer in v.payers:
        desc = draw(st.none() | texts())
        out.append(w.join(w.kw("payer"), payer, w.string(desc) if desc is not None else "") + w.end())
    for kind, parent, desc in v.kinds:
        out.append(w.join(w.kw("subject"), kind, (w.kw("of") + w.space() + parent) if parent else "",
                          w.string(desc) if desc is not None else "") + w.end())
    for enum, members in v.enums.items():
        listed = (w.punct(",") + w.space()).join(members)
        if draw(st.booleans()):
            listed += w.punct(",")
        out.append(w.join(w.kw("enum"), enum, "{", listed, "}") + w.end())
    for a in v.attributes:
        match a.base:
            case "number":
                type_text = w.join(w.kw(a.spec), a.unit or "")
            case "enum":
                type_text = a.enum
            case "set":
                type_text = w.join(w.kw("set"), w.kw("of"), a.enum)
            case other:
                type_text = w.kw(other)
        out.append(w.join(w.kw("attribute"), f"{a.kind}.{a.name}{w.punct(':')}", type_text,
                          w.kw("per year") if a.per_year else "") + w.end())
    return "".join(out)


def _payer_shares(draw, w: Writer, v: Vocabulary) -> str:
    payers = draw(st.lists(st.sampled_from(v.payers), min_size=1, max_size=3, unique=True))
    if len(payers) == 1 and draw(st.booleans()):
        return payers[0]
    shares = {1: ["100%"], 2: ["50%", "50%"], 3: ["20%", "30%", "50%"]}[len(payers)]
    return (w.punct(",") + w.space()).join(f"{p}{w.space()}{s}" for p, s in zip(payers, shares))


def _provision_text(draw, w: Writer, v: Vocabulary, pid: str, policy_has_payer: bool) -> str:
    kind = draw(st.sampled_from([k for k, _, _ in v.kinds]))
    explicit_for = kind != v.roots()[0] or draw(st.booleans())
    if not explicit_for:
        kind = v.roots()[0]  # a provision without `for` pays the first root kind
    scope = Scope(v, v.chain(kind))
    title = draw(st.none() | texts())
    lines = [w.join(w.kw("provision"), pid, w.string(title) if title is not None else "", "{") + w.newline]
    if explicit_for:
        lines.append(w.join(w.kw("for"), kind) + w.end())
    for index in range(draw(st.integers(0, 3))):
        label = f"门槛{index}{w.punct(':')}" if draw(st.integers(0, 3)) == 0 else ""
        text = w.join(w.kw("when"), label, condition(draw, w, scope, draw(st.integers(0, 2))))
        for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
            text = w.join(text, w.kw("unless"), condition(draw, w, scope, 1), w.kw("then"),
                          condition(draw, w, scope, 1))
        lines.append(text + w.end())
    money = ((MONEY, 1),)
    form = draw(st.sampled_from(["exact", "exact", "up to", "at least", "tiers", "informational"]))
    enum_refs = v.attrs(scope.kinds, base="enum")
    if form == "tiers" and not enum_refs:
        form = "exact"
    has_amount = form != "informational"
    match form:
        case "exact":
            lines.append(w.join(w.kw("amount"), number_expr(draw, w, scope, money, 2, money_ops=True)) + w.end())
        case "up to" | "at least":
            lines.append(w.join(w.kw("amount"), w.kw(form), number_expr(draw, w, scope, money, 2, money_ops=True)) + w.end())
        case "tiers":
            attr = draw(st.sampled_from(enum_refs))
            keys = draw(st.lists(st.sampled_from(v.enums[attr.enum]), min_size=1, unique=True))
            tiers = (w.punct(",") + w.space()).join(
                f"{quote(k, False) if draw(st.booleans()) else k}{w.punct(':')}{w.space()}"
                f"{number_expr(draw, w, scope, money, 1, money_ops=True)}" for k in keys)
            lines.append(w.join(w.kw("amount"), w.kw("by"), reference(draw, w, scope, attr), "{", tiers, "}") + w.end())
        case "informational":
            lines.append(w.join(w.kw("informational"), w.string(draw(texts())) ) + w.end())
    if has_amount and draw(st.booleans()):
        caps = [number_expr(draw, w, scope, money, 1, money_ops=True) for _ in range(draw(st.integers(1, 2)))]
        lines.append(w.join(w.kw("cap"), (w.punct(",") + w.space()).join(caps)) + w.end())
    if (has_amount and not policy_has_payer) or draw(st.integers(0, 3)) == 0:
        lines.append(w.join(w.kw("payer"), _payer_shares(draw, w, v)) + w.end())
    for _ in range(draw(st.integers(0, 1))):
        lines.append(w.join(w.kw("note"), w.string(draw(texts()))) + w.end())
    lines.append("}" + w.end(separator=False))
    return "".join(lines)


@st.composite
def programs(draw) -> Program:
    v = draw(vocabularies())
    w = Writer(draw)
    vocabulary_text = _vocabulary_text(draw, w, v)
    policy_texts, provision_ids = [], []
    taken_ids: set[str] = set()
    for _ in range(draw(st.integers(1, 2))):
        pid = draw(st.sampled_from(["nmg2026", "nmg2022", "p", "policy_x", "P2", "True", "x_1"]))
        while pid in taken_ids:
            pid += "b"
        taken_ids.add(pid)
        has_default = draw(st.booleans())
        lines = [w.join(w.kw("policy"), pid, "{") + w.newline]
        if draw(st.booleans()):
            lines.append(w.join(w.kw("title"), w.string(draw(texts()))) + w.end())
        if draw(st.booleans()):
            lines.append(w.join(w.kw("year"), str(draw(st.integers(1990, 2100)))) + w.end())
        if draw(st.booleans()):
            lines.append(w.join(w.kw("status"), draw(st.sampled_from(["征求意见稿", "印发", quote("draft", False)]))) + w.end())
        if has_default:
            lines.append(w.join(w.kw("default payer"), _payer_shares(draw, w, v)) + w.end())
        ids_in_policy = []
        clause_numbers = draw(st.lists(st.integers(1, 30), min_size=1, max_size=3, unique=True))
        clause_texts = []
        for number in clause_numbers:
            cid = f"{pid}.{number}"
            lettered = draw(st.integers(0, 2)) == 0
            pids = [f"{cid}{letter}" for letter in "abc"[:draw(st.integers(1, 3))]] if lettered else [cid]
            body = [w.join(w.kw("clause"), cid, "{") + w.newline,
                    w.join(w.kw("title"), w.string(draw(texts()))) + w.end(),
                    w.join(w.text_kw(), w.string(draw(texts(min_size=1).filter(str.strip)))) + w.end()]
            for provision_id in pids:
                body.append(_provision_text(draw, w, v, provision_id, has_default))
            if len(pids) > 1 and draw(st.booleans()):
                per = draw(st.sampled_from([k for k, _, _ in v.kinds]))
                body.append(w.join(w.kw("total cap"), quantity(draw, draw(st.sampled_from(v.money_units()))),
                                   w.kw("per"), per, w.kw("over"), (w.punct(",") + w.space()).join(pids)) + w.end())
            body.append("}" + w.end(separator=False))
            clause_texts.append("".join(body))
            ids_in_policy.extend(pids)
        if len(ids_in_policy) > 1 and draw(st.booleans()):
            group = draw(st.lists(st.sampled_from(ids_in_policy), min_size=2, unique=True))
            lines.append(w.join(w.kw("not cumulative"), (w.punct(",") + w.space()).join(group),
                                w.string(draw(texts())) if draw(st.booleans()) else "") + w.end())
        if draw(st.integers(0, 4)) == 0:
            lines.append(w.join(w.kw("allow"), draw(st.sampled_from(["tier-gap", "L301", "overlap-same-object"])),
                                draw(st.sampled_from(ids_in_policy)), w.string(draw(texts()))) + w.end())
        lines.extend(clause_texts)
        lines.append("}" + w.end(separator=False))
        policy_texts.append("".join(lines))
        provision_ids.extend(ids_in_policy)
    prefix = "\ufeff" if draw(st.integers(0, 9)) == 0 else ""
    if draw(st.booleans()):
        files = {"generated.policy": prefix + vocabulary_text + "".join(policy_texts)}
    else:
        files = {"vocabulary.policy": prefix + vocabulary_text}
        files.update({f"policy{i}.policy": text for i, text in enumerate(policy_texts)})
    return Program(v, files, provision_ids)


# ---- profiles for a program -------------------------------------------------------------------

@dataclass
class RecordSpec:
    kind: str
    id: str
    values: dict[str, object]  # attribute -> value in base units (per-year: {year: value})
    written: dict[str, object]  # attribute -> YAML/JSON-ready representation
    children: list["RecordSpec"] = field(default_factory=list)


BOOL_SPELLINGS = {True: ["true", "yes", "是", "Y", "True", "TRUE"], False: ["false", "no", "否", "n", "False"]}
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def _number_value(draw, v: Vocabulary, attr: Attr) -> tuple[Decimal, str]:
    """A value for a number attribute: (base value, text as written)."""
    units = [u for u in v.units_of(attr.dims) if attr.dims or u.name == "%"]
    unit = draw(st.sampled_from(units)) if attr.dims else draw(st.none() | st.sampled_from(units))
    if attr.spec == "integer":
        number = Decimal(draw(st.integers(0, 10 ** 6)))
        if unit is not None and (number * unit.scale) != (number * unit.scale).to_integral_value():
            unit = next(u for u in units if u.scale == 1) if attr.dims else None
    else:
        number = Decimal(draw(st.integers(0, 10 ** 7))) / Decimal(10) ** draw(st.integers(0, 3))
    if number * (unit.scale if unit else 1) >= 10 ** 15:  # keep clear of the loader's magnitude limit
        number, unit = Decimal(1), (next(u for u in units if u.scale == 1) if attr.dims else None)
    text = decimal_text(number)
    if number >= 1000 and number == number.to_integral_value() and draw(st.booleans()):
        text = f"{int(number):,}"
    if draw(st.integers(0, 5)) == 0:
        text = text.translate(FULL_WIDTH_DIGITS)
    space = draw(st.sampled_from(["", "", " "]))
    written = text + (space + unit.name if unit else "")
    return number * (unit.scale if unit else 1), written


def _value(draw, v: Vocabulary, attr: Attr) -> tuple[object, object]:
    """(value the loader must read, representation to write) for one (non-per-year) value."""
    match attr.base:
        case "bool":
            value = draw(st.booleans())
            return value, draw(st.sampled_from(BOOL_SPELLINGS[value]))
        case "number":
            return _number_value(draw, v, attr)
        case "text":
            value = draw(st.sampled_from(["乌兰察布市", "True", "x", "a b", "1,000万元", "null", "~"]) | st.text(
                st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12))
            return value, value
        case "year":
            year = draw(st.integers(1949, 2100))
            return year, draw(st.sampled_from([str(year), f"{year}年", str(year).translate(FULL_WIDTH_DIGITS)]))
        case "enum":
            member = draw(st.sampled_from(v.enums[attr.enum]))
            return member, member
        case "set":
            members = draw(st.lists(st.sampled_from(v.enums[attr.enum]), max_size=3, unique=True))
            return tuple(members), list(members)
    raise AssertionError(attr.base)


@st.composite
def record_specs(draw, v: Vocabulary, kind: str, depth: int = 0, index: int = 0) -> RecordSpec:
    record_id = draw(st.sampled_from(["甲", "节水改造一期", "True", "X", "1", f"r{index}", "a b", "_"]))
    record = RecordSpec(kind, record_id if depth == 0 else f"{record_id}-{index}", {}, {})
    attributes = v.attrs([kind])
    chosen = draw(st.sets(st.sampled_from([a.name for a in attributes]), max_size=12)) if attributes else set()
    for attr in attributes:
        if attr.name not in chosen:
            continue
        if attr.per_year:
            by_year, written = {}, {}
            for year in draw(st.lists(st.integers(2015, 2030), max_size=3, unique=True)):
                by_year[year], written[str(year)] = _value(draw, v, attr)
            record.values[attr.name], record.written[attr.name] = by_year, written
        else:
            record.values[attr.name], record.written[attr.name] = _value(draw, v, attr)
    if depth < 3:
        for child in v.children(kind):
            count = draw(st.integers(0, 2))
            record.children.extend(draw(record_specs(v, child, depth + 1, index * 10 + i + 1))
                                   for i in range(count))
    return record


def _plain(record: RecordSpec, v: Vocabulary) -> dict:
    out: dict[str, object] = {"id": record.id}
    out.update(record.written)
    for child in v.children(record.kind):
        items = [_plain(c, v) for c in record.children if c.kind == child]
        if items:
            out[child] = items
    return out


@dataclass
class GeneratedProfile:
    root: RecordSpec
    text: str
    format: str  # yaml | json

    def records(self):
        stack = [(self.root, None)]
        while stack:
            record, parent = stack.pop()
            yield record, parent
            stack.extend((child, record) for child in record.children)


def _yaml_scalar(value: object) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") \
        .replace("\x85", "\\x85")


def _yaml(node: object, indent: int) -> list[str]:
    pad = "  " * indent
    lines = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}{_yaml_scalar(key)}:")
                lines.extend(_yaml(value, indent + 1))
            elif isinstance(value, (dict, list)):
                lines.append(f"{pad}{_yaml_scalar(key)}: {'{}' if isinstance(value, dict) else '[]'}")
            else:
                lines.append(f"{pad}{_yaml_scalar(key)}: {_yaml_scalar(value)}")
    else:
        for item in node:
            if isinstance(item, dict):
                inner = _yaml(item, indent + 1)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            else:
                lines.append(f"{pad}- {_yaml_scalar(item)}")
    return lines


@st.composite
def profiles_for(draw, v: Vocabulary) -> GeneratedProfile:
    root_kind = draw(st.sampled_from(v.roots()))
    root = draw(record_specs(v, root_kind))
    document = {root_kind: _plain(root, v)}
    if draw(st.booleans()):
        text = json.dumps(document, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from([None, 2])))
        return GeneratedProfile(root, text, "json")
    return GeneratedProfile(root, "\n".join(_yaml(document, 0)) + "\n", "yaml")


def vocabulary_of(rule_base) -> Vocabulary:
    """The generator's view of a checked rule base, so profiles can be drawn for it too."""
    v = Vocabulary()
    for name in rule_base.units.names():
        info = rule_base.units.resolve(name)
        v.units.append(Unit(name, info.dims, info.scale, declared=name != "%"))
    v.kinds = [(name, decl.parent, None) for name, decl in rule_base.kinds.items()]
    v.enums = {name: list(decl.members) for name, decl in rule_base.enums.items()}
    for attribute in rule_base.attributes.values():
        base = attribute.type.base
        v.attributes.append(Attr(attribute.kind, attribute.name, base,
                                 spec=attribute.decl.type.base if base == "number" else "",
                                 unit=attribute.declared_unit, dims=attribute.type.dims,
                                 enum=attribute.type.enum, per_year=attribute.per_year))
    v.payers = list(rule_base.payers)
    return v
