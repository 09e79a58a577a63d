"""Datalog IR → SQL over the typed store (store.py).

The same `Program` pyDatalog runs is compiled here, rule by rule:

- a provision's records are the join of its subject chain (`企业 ⋈ 项目` on pid: a profile has
  one root record, so a child of the root kind belongs to it by pid alone; deeper levels join on
  parent too);
- each `fire@…#k` rule becomes one boolean over that row: an attribute atom on a wide column is
  the column itself (`s1."年节水量" IS NOT NULL`, its value bound to the column), a per-year atom
  a LEFT JOIN on (pid, id, year), a set atom `list_contains`, a comparison a comparison;
- `exists K (…)` (a subject atom with a fresh variable and the literals depending on it) becomes
  a correlated `EXISTS (SELECT 1 FROM K …)`;
- a `neg@…` literal becomes `NOT (…)` over the union of the auxiliary rule bodies, compiled with
  only the head variables shared with the outer rule (as in Datalog);
- amounts are computed from the values the firing bound, in DECIMAL arithmetic whose scale is
  tracked statically, so every result is exact (division is refused: DuckDB would answer a
  DOUBLE); caps are LEAST, tiers CASE, ranges a (low, high) pair;
- near misses (every check group of an alternative but one holds) are counted in the same pass:
  one bit per check group is a column of the provision's row (per-year values through the
  row's own LEFT JOINs), and the rows that did not fire are grouped by the failing group into
  `near` rows of the awards table (`reason`, `misses`);
- every distinct condition is computed once per row (alternatives after the DNF repeat each
  other's checks, and identical `exists` subqueries are compiled to identical SQL);
- stacking (`not cumulative`, `total cap`) runs as window functions in the order of
  `engine.qualify.apply_stacking`, on `stacked`: only the awards of provisions some stacking
  rule names, and within a step only the rows of its group are ranked and rewritten.

The SQL is written in DuckDB's dialect; `transpile` turns it into Spark SQL or Trino with sqlglot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ...dsl import ast
from ...dsl.checker import RuleBase
from ...dsl.diagnostics import PolicylogError, error
from ...dsl.printer import print_expr
from ..ir import (Arith, Atom, Check, CompiledProvision, Comparison, Const, Literal, Negation,
                  Program, Rule, Term, Var)
from .store import MONEY_SCALE, MONEY_TYPE, NUMBER_SCALE, StoreLayout, literal, quote

DIALECTS = ("duckdb", "spark", "trino")


class SqlUnsupported(PolicylogError):
    pass


def unsupported(message: str, span=None) -> SqlUnsupported:
    return SqlUnsupported([error("E250", "unsupported-in-sql", message, span,
                                 help="evaluate this rule base with `policylog qualify` (pyDatalog)")])


def decimal_literal(value: Decimal) -> tuple[str, int]:
    """An exact DECIMAL constant and its scale."""
    scale = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
    return f"CAST({literal(f'{value:f}')} AS DECIMAL(38,{scale}))", scale


def const_sql(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_literal(value)[0]
    if isinstance(value, str):
        return literal(value)
    raise unsupported(f"constant {value!r}")


# ---- scopes ----------------------------------------------------------------------------------

@dataclass
class Binding:
    expr: str
    alias: str | None = None  # a subject variable: the alias of its row
    kind: str | None = None
    type: str = "other"  # "dec" (a quantity, DECIMAL), "int" (a year or whole number), "other"
    scale: int = 0  # decimal places a "dec" value can have


WORK_TYPE = MONEY_TYPE  # every decimal is brought to DECIMAL(38,12) before values meet: DuckDB
# silently drops decimal places when it unifies two DECIMAL(38, s) types of different scale.


def as_work(sql: str) -> str:
    return f"CAST({sql} AS {WORK_TYPE})"


@dataclass
class Source:
    alias: str
    table: str
    condition: str  # ON (top scope) or WHERE (subquery) condition
    left: bool = False


@dataclass
class Scope:
    """Where variables are bound: the provision's row, or a subquery under it."""

    pid: str
    parent: "Scope | None" = None
    top: bool = False
    vars: dict[str, Binding] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    lookups: dict[tuple, str] = field(default_factory=dict)

    def get(self, name: str) -> Binding | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return None


def _term_vars(term: Term):
    match term:
        case Var(name=name):
            yield name
        case Arith(left=left, right=right):
            yield from _term_vars(left)
            yield from _term_vars(right)


def _literal_vars(lit: Literal):
    match lit:
        case Atom(args=args):
            for arg in args:
                yield from _term_vars(arg)
        case Comparison(left=left, right=right):
            yield from _term_vars(left)
            yield from _term_vars(right)
        case Negation(atom=atom):
            yield from _literal_vars(atom)


_OPS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class BodyCompiler:
    """Compiles rule bodies (lists of IR literals) into SQL booleans."""

    def __init__(self, rule_base: RuleBase, program: Program, layout: StoreLayout):
        self.rule_base = rule_base
        self.program = program
        self.layout = layout
        self.neg_rules: dict[str, list[Rule]] = {}
        for rule in program.rules:
            if rule.head.predicate.startswith("neg@"):
                self.neg_rules.setdefault(rule.head.predicate, []).append(rule)
        self.counter = 0
        self.memo: dict[tuple, str] = {}

    def alias(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- terms
    def term(self, term: Term, scope: Scope) -> str:
        return self.typed(term, scope).expr

    def typed(self, term: Term, scope: Scope) -> Binding:
        """A term as SQL with its type; decimals come out as DECIMAL(38,12)."""
        match term:
            case Var(name=name):
                binding = scope.get(name)
                if binding is None:
                    raise unsupported(f"variable `{name}` is used before it is bound")
                if binding.type == "dec":
                    return Binding(as_work(binding.expr), type="dec", scale=binding.scale)
                return binding
            case Const(value=value):
                if isinstance(value, Decimal) and not isinstance(value, bool):
                    sql, scale = decimal_literal(value)
                    if scale > MONEY_SCALE:
                        raise unsupported(f"the constant {value} has more than {MONEY_SCALE} decimal places")
                    return Binding(as_work(sql), type="dec", scale=scale)
                if isinstance(value, int) and not isinstance(value, bool):
                    return Binding(str(value), type="int")
                return Binding(const_sql(value))
            case Arith(op=op, left=left, right=right):
                if op == "/":
                    raise unsupported("division in a condition (DuckDB would compare a DOUBLE)")
                lhs, rhs = self.typed(left, scope), self.typed(right, scope)
                if lhs.type != "dec" and rhs.type != "dec":
                    return Binding(f"({lhs.expr} {op} {rhs.expr})", type="int")
                return Binding(*_decimal_op(op, _dec(lhs), _dec(rhs)))
        raise AssertionError(term)

    # -- bodies
    def conjuncts(self, literals: list[Literal], scope: Scope) -> list[str]:
        """The literals as SQL conditions in `scope`; `exists` groups become EXISTS subqueries."""
        groups = self._partition(literals, scope)
        out: list[str] = []
        for index, lit in enumerate(literals):
            if groups[index] is None:
                condition = self.literal(lit, scope)
                if condition != "TRUE":
                    out.append(condition)
        seen = []
        for index, group in enumerate(groups):
            if group is not None and group not in seen:
                seen.append(group)
                members = [literals[i] for i, g in enumerate(groups) if g == group]
                out.append(self.subquery(members, scope))
        return out

    def _partition(self, literals: list[Literal], scope: Scope) -> list[int | None]:
        """Which literals belong to an `exists` group: those reaching a fresh record variable."""
        parent: dict[int, int] = {}

        def find(g: int) -> int:
            while parent[g] != g:
                g = parent[g]
            return g

        var_group: dict[str, int] = {}
        bound = set()
        assigned: list[int | None] = []
        for lit in literals:
            names = list(dict.fromkeys(_literal_vars(lit)))
            if isinstance(lit, Atom) and "@" not in lit.predicate and lit.args \
                    and isinstance(lit.args[0], Var) and scope.get(lit.args[0].name) is None \
                    and lit.args[0].name not in bound and lit.args[0].name not in var_group:
                g = len(parent)
                parent[g] = g
                for other in names[1:]:
                    if other in var_group:
                        parent[find(var_group[other])] = g
                var_group[lit.args[0].name] = g
                assigned.append(g)
                continue
            touched = {find(var_group[n]) for n in names if n in var_group}
            if not touched:
                assigned.append(None)
                bound.update(n for n in names if scope.get(n) is None)
                continue
            root = min(touched)
            for g in touched:
                parent[g] = root
            for n in names:
                if scope.get(n) is None and n not in bound:
                    var_group.setdefault(n, root)
            assigned.append(root)
        return [None if g is None else find(g) for g in assigned]

    def subquery(self, literals: list[Literal], parent_scope: Scope,
                 preset: dict[str, Binding] | None = None, isolated: bool = False) -> str:
        """EXISTS over the literals, or the plain condition when they need no table.

        The same literals over the same outer bindings give the same text (memoised), so the
        alternatives of a provision, which repeat each other's checks after the DNF, share
        their subqueries (see SqlCompiler.provision_sql)."""
        scope = Scope(parent_scope.pid, parent=None if isolated else parent_scope,
                      vars=dict(preset or {}))
        names = sorted({name for lit in literals for name in _literal_vars(lit)})
        outer = tuple((name, (b.expr, b.alias, b.kind, b.type, b.scale))
                      for name in names if (b := scope.get(name)) is not None)
        key = (repr(tuple(literals)), isolated, parent_scope.pid, outer)
        if key not in self.memo:
            self.memo[key] = self._subquery(literals, scope)
        return self.memo[key]

    def _subquery(self, literals: list[Literal], scope: Scope) -> str:
        rest, own = [], []
        for lit in literals:  # this subquery's own records are its FROM items
            if isinstance(lit, Atom) and "@" not in lit.predicate and isinstance(lit.args[0], Var) \
                    and scope.get(lit.args[0].name) is None:
                own.append(self.subject_atom(lit, scope))
            else:
                rest.append(lit)
        conditions = [c for c in own if c != "TRUE"] + self.conjuncts(rest, scope)
        conditions = [s.condition for s in scope.sources if s.condition] + conditions
        where = " AND ".join(f"({c})" for c in conditions) or "TRUE"
        if not scope.sources:
            return f"COALESCE({where}, FALSE)"
        tables = ", ".join(f"{quote(s.table)} AS {s.alias}" for s in scope.sources)
        return f"EXISTS (SELECT 1 FROM {tables} WHERE {where})"

    def literal(self, lit: Literal, scope: Scope) -> str:
        match lit:
            case Atom(predicate=predicate) if "@" not in predicate:
                return self.subject_atom(lit, scope)
            case Atom():
                return self.attribute_atom(lit, scope)
            case Comparison(op=op, left=left, right=right):
                if op == "==" and isinstance(left, Var) and scope.get(left.name) is None:
                    value = self.typed(right, scope)
                    scope.vars[left.name] = Binding(value.expr, type=value.type, scale=value.scale)
                    return "TRUE"
                lhs = self.typed(left, scope)
                if op == "in":
                    assert isinstance(right, Const)
                    values = ", ".join(const_sql(v) for v in right.value)
                    return f"{lhs.expr} IN ({values})"
                rhs = self.typed(right, scope)
                if (lhs.type == "dec") != (rhs.type == "dec"):
                    lhs, rhs = _dec(lhs), _dec(rhs)
                return f"{lhs.expr} {_OPS[op]} {rhs.expr}"
            case Negation(atom=atom):
                return self.negation(atom, scope)
        raise AssertionError(lit)

    def subject_atom(self, atom: Atom, scope: Scope) -> str:
        kind = atom.predicate
        if kind not in self.layout.kinds:
            return "FALSE"
        record = atom.args[0]
        assert isinstance(record, Var)
        binding = scope.get(record.name)
        if binding is not None:
            return "TRUE" if binding.kind == kind else "FALSE"
        alias = self.alias("r")
        conditions = [f"{alias}.pid = {scope.pid}"]
        if len(atom.args) > 1 and not self._is_root_record(atom.args[1], scope):
            conditions.append(f"{alias}.parent = {self.term(atom.args[1], scope)}")
        scope.sources.append(Source(alias, kind, " AND ".join(conditions)))
        scope.vars[record.name] = Binding(f"{alias}.id", alias, kind)
        return "TRUE"

    def _is_root_record(self, term: Term, scope: Scope) -> bool:
        """A variable bound to a record of a root kind: the profile's one root record, so the
        pid alone identifies it (store.py)."""
        if not isinstance(term, Var):
            return False
        binding = scope.get(term.name)
        return (binding is not None and binding.alias is not None and binding.kind in self.rule_base.kinds
                and self.rule_base.kinds[binding.kind].parent is None)

    def attribute_atom(self, atom: Atom, scope: Scope) -> str:
        kind, name = atom.predicate.split("@", 1)
        attribute = self.rule_base.attributes.get((kind, name))
        if attribute is None or len(atom.args) != 2 + attribute.per_year:
            return "FALSE"  # no fact can match: pyDatalog answers nothing too
        subject = atom.args[0]
        assert isinstance(subject, Var)
        binding = scope.get(subject.name)
        if binding is None or binding.alias is None:
            raise unsupported(f"`{atom.predicate}` on an unbound record")
        value = atom.args[-1]
        if attribute.per_year:
            year = self.term(atom.args[1], scope)
            table = self.layout.year_table(attribute)
            same_id = "" if self._is_root_record(subject, scope) else f"{{a}}.id = {binding.alias}.id AND "
            if attribute.type.base == "set":
                alias = self.alias("y")
                return (f"EXISTS (SELECT 1 FROM {quote(table)} AS {alias} WHERE {alias}.pid = "
                        f"{binding.alias}.pid AND {same_id.format(a=alias)}"
                        f"{alias}.year = {year} AND {alias}.member = {self.term(value, scope)})")
            key = (table, binding.alias, year)
            alias = self.lookup(scope, key, table, f"{{a}}.pid = {binding.alias}.pid AND {same_id}"
                                f"{{a}}.year = {year}")
            column, exists = f"{alias}.value", f"{alias}.id IS NOT NULL"
        elif attribute.type.base == "set":
            if not isinstance(value, Const):
                raise unsupported(f"`{atom.predicate}` with a variable member")
            return f"COALESCE(list_contains({binding.alias}.{quote(name)}, {const_sql(value.value)}), FALSE)"
        else:
            column = f"{binding.alias}.{quote(name)}"
            exists = f"{column} IS NOT NULL"
        if isinstance(value, Var) and scope.get(value.name) is None:
            kind_of = {"number": "dec", "year": "int"}.get(attribute.type.base, "other")
            scope.vars[value.name] = Binding(column, type=kind_of, scale=NUMBER_SCALE if kind_of == "dec" else 0)
            return exists
        return f"{exists} AND {column} = {self.term(value, scope)}"


    def lookup(self, scope: Scope, key: tuple, table: str, condition: str) -> str:
        """A per-year value: a LEFT JOIN in the provision's row, a join inside a subquery."""
        target = scope
        if key in target.lookups:
            return target.lookups[key]
        alias = self.alias("y")
        target.lookups[key] = alias
        target.sources.append(Source(alias, table, condition.format(a=alias), left=target.top))
        return alias

    def negation(self, atom: Atom, scope: Scope) -> str:
        rules = self.neg_rules.get(atom.predicate, [])
        if not rules:
            return "TRUE"
        alternatives = []
        for rule in rules:
            preset = {}
            for head_arg, outer in zip(rule.head.args, atom.args):
                assert isinstance(head_arg, Var) and isinstance(outer, Var)
                binding = scope.get(outer.name)
                if binding is None:
                    raise unsupported("a negation over an unbound variable")
                preset[head_arg.name] = binding
            alternatives.append(self.subquery(list(rule.body), scope, preset, isolated=True))
        return "NOT (" + " OR ".join(alternatives) + ")"


def _dec(binding: Binding) -> Binding:
    if binding.type == "dec":
        return binding
    if binding.type == "int":
        return Binding(as_work(binding.expr), type="dec", scale=0)
    raise unsupported(f"`{binding.expr}` is not a number")


def _decimal_op(op: str, lhs: Binding, rhs: Binding) -> tuple[str, None, None, str, int]:
    """Exact + - * on DECIMAL(38,12) operands whose real scales are known."""
    if op in "+-":
        return f"({lhs.expr} {op} {rhs.expr})", None, None, "dec", max(lhs.scale, rhs.scale)
    scale = lhs.scale + rhs.scale
    if scale > MONEY_SCALE:
        raise unsupported(f"a product needs more than {MONEY_SCALE} decimal places")
    product = (f"CAST({lhs.expr} AS DECIMAL(38,{lhs.scale})) * CAST({rhs.expr} AS DECIMAL(38,{rhs.scale}))")
    return as_work(product), None, None, "dec", scale


# ---- amounts ---------------------------------------------------------------------------------

@dataclass
class Dec:
    sql: str
    scale: int


class AmountCompiler:
    """An amount expression (AST, with references bound to firing columns) as exact DECIMAL SQL."""

    def __init__(self, rule_base: RuleBase, columns: dict[ast.Reference, str], provision: str):
        self.rule_base = rule_base
        self.columns = columns
        self.provision = provision

    def expr(self, node: ast.Expr) -> Dec:
        units = self.rule_base.units
        match node:
            case ast.Quantity(value=value, unit=unit):
                sql, scale = decimal_literal(units.to_base(value, unit))
                if scale > MONEY_SCALE:
                    raise unsupported(f"`{print_expr(node)}` has more than {MONEY_SCALE} decimal places", node.span)
                return Dec(as_work(sql), scale)
            case ast.Reference():
                column = self.columns[node]
                attribute = self.rule_base.attributes[(node.kind, node.attribute)]
                if attribute.type.base == "year":
                    return Dec(as_work(column), 0)
                return Dec(as_work(column), NUMBER_SCALE)
            case ast.Negate(operand=operand):
                inner = self.expr(operand)
                return Dec(f"(-{inner.sql})", inner.scale)
            case ast.BinaryOp(op=op, left=left, right=right):
                lhs, rhs = self.expr(left), self.expr(right)
                if op in "+-*":
                    try:
                        sql, _, _, _, scale = _decimal_op(op, Binding(lhs.sql, type="dec", scale=lhs.scale),
                                                          Binding(rhs.sql, type="dec", scale=rhs.scale))
                    except SqlUnsupported:
                        raise unsupported(f"`{print_expr(node)}` in `{self.provision}` needs more "
                                          f"than {MONEY_SCALE} decimal places", node.span) from None
                    return Dec(sql, scale)
                raise unsupported(f"division in the amount of `{self.provision}` (DuckDB divides "
                                  "decimals in DOUBLE)", node.span)
            case ast.Call(function=function, args=args):
                values = [self.expr(a) for a in args]
                pick = "LEAST" if function in ("min", "较小值") else "GREATEST"
                return Dec(f"{pick}({', '.join(v.sql for v in values)})", max(v.scale for v in values))
        raise unsupported(f"`{print_expr(node)}` is not an amount", getattr(node, "span", None))

    def amount(self, provision: ast.Provision) -> tuple[str, str, int]:
        """(low, high, scale): the amount after caps, as compute_amount computes it."""
        amount = provision.amount
        assert amount is not None
        match amount.form:
            case "tiers":
                key = self.columns[amount.tier_key]
                tiers = [(t.key, self.expr(t.amount)) for t in amount.tiers]
                scale = max(d.scale for _, d in tiers)
                value = "CASE " + " ".join(f"WHEN {key} = {literal(k)} THEN {d.sql}" for k, d in tiers) + " END"
                low = high = value
            case "exact":
                d = self.expr(amount.value)
                low = high = d.sql
                scale = d.scale
            case "up_to":
                d = self.expr(amount.value)
                low, high, scale = as_work("0"), d.sql, d.scale
            case "at_least":
                d = self.expr(amount.value)
                low, high, scale = d.sql, "NULL", d.scale
            case _:
                raise AssertionError(amount.form)
        if provision.caps:
            caps = [self.expr(c) for c in provision.caps]
            scale = max([scale] + [c.scale for c in caps])
            smallest = caps[0].sql if len(caps) == 1 else f"LEAST({', '.join(c.sql for c in caps)})"
            high = smallest if high == "NULL" else f"LEAST({high}, {smallest})"
            low = f"LEAST({low}, {smallest})"
        # A negative result pays nothing (compute_amount's last step): either end below zero is
        # raised to zero (`up to` a negative amount is 0 … 0, not 0 … −x).
        zero = as_work("0")
        low_sql = f"GREATEST({low}, {zero})"
        high_sql = "NULL" if high == "NULL" else f"GREATEST({high}, {zero})"
        return low_sql, high_sql, scale


# ---- the whole screening query ---------------------------------------------------------------

@dataclass
class CompiledSql:
    """The screening SQL: one SELECT per provision, then the stacking steps, in order."""

    provisions: list[tuple[str, str]]  # (provision id, SELECT of its awards and near misses)
    awards: str  # CREATE TABLE awards AS … UNION ALL …
    stacking: list[tuple[str, str]]  # (description, statement): the awards stacking rules apply to, then each rule
    final: str  # CREATE TABLE screened: the awards with names, paths and payer columns
    near_misses: str  # SELECT provision, reason, near_misses
    payers: tuple[str, ...]
    chains: dict[str, tuple[str, ...]] = field(default_factory=dict)  # provision → kinds of its records
    empty_awards: str = ""  # the awards table with no row

    def statements(self, kinds: set[str] | None = None) -> list[str]:
        """The statements in order; with `kinds` (the kinds that have records), the awards
        statement leaves out the provisions over a kind without records: they award nothing."""
        return [self.awards_statement(kinds)] + [s for _, s in self.stacking] + [self.final]

    def awards_statement(self, kinds: set[str] | None = None) -> str:
        if kinds is None:
            return self.awards
        selects = [sql for provision, sql in self.provisions if set(self.chains.get(provision, ())) <= kinds]
        union = "\nUNION ALL\n".join(selects) if selects else self.empty_awards
        return f"CREATE OR REPLACE TABLE awards AS\n{union}"


def award_columns(columns: tuple[str, ...], **replacements: str) -> str:
    """The award columns in order, some replaced by expressions."""
    return ", ".join(f"{replacements[c]} AS {c}" if c in replacements else c for c in columns)


class SqlCompiler:
    def __init__(self, rule_base: RuleBase, program: Program):
        self.rule_base = rule_base
        self.program = program
        self.layout = StoreLayout(rule_base)
        self.body = BodyCompiler(rule_base, program, self.layout)
        self.index = {p.provision: i for i, p in enumerate(program.provisions)}
        # every record of a subject chain gets a column k1 (the root) … kN in the awards table
        self.depth = max([len(p.scope) for p in program.provisions] or [1])
        self.award_columns = ("pid", "prov_idx", "subject_id", *(f"k{i + 1}" for i in range(self.depth)),
                              "alternative", "low", "high", "status", "excluded_by", "adjusted", "reason", "misses")
        self.share_scale = max([decimal_literal(share)[1] for info in rule_base.provisions.values()
                                for _, share in rule_base.payer_shares(info)] or [0])

    # -- one provision
    def chain_scope(self, compiled: CompiledProvision) -> tuple[Scope, str]:
        kinds = [kind for kind, _ in compiled.scope]
        scope = Scope("s0.pid", top=True)
        from_parts = []
        for position, (kind, var) in enumerate(compiled.scope):
            alias = f"s{position}"
            scope.vars[var] = Binding(f"{alias}.id", alias, kind)
            if position == 0:
                from_parts.append(f"{quote(kind)} AS {alias}")
            elif self.rule_base.kinds[kinds[position - 1]].parent is None:
                # a profile has one root record: its children are the pid's rows (store.py)
                from_parts.append(f"JOIN {quote(kind)} AS {alias} ON {alias}.pid = s0.pid")
            else:
                from_parts.append(f"JOIN {quote(kind)} AS {alias} ON {alias}.pid = s0.pid AND "
                                  f"{alias}.parent = s{position - 1}.id")
        return scope, " ".join(from_parts)

    def _body(self, compiled: CompiledProvision, rule: Rule) -> list[Literal]:
        chain_vars = {var for _, var in compiled.scope}
        return [lit for lit in rule.body if not (isinstance(lit, Atom) and "@" not in lit.predicate
                                                and isinstance(lit.args[0], Var)
                                                and lit.args[0].name in chain_vars)]

    @staticmethod
    def _from(base: str, scope: Scope) -> str:
        joins = [f"LEFT JOIN {quote(s.table)} AS {s.alias} ON {s.condition}" for s in scope.sources
                 if s.left]
        return " ".join([base] + joins)

    def provision_sql(self, compiled: CompiledProvision) -> str:
        """One pass over the provision's records: its awards, and its near misses counted by
        reason (rows with status `near`, `reason` and `misses`)."""
        info = self.rule_base.provisions[compiled.provision]
        scope, base = self.chain_scope(compiled)
        # Every distinct condition is one column of the inner row (c0, c1, …): the alternatives
        # after the DNF repeat each other's checks, and a check (an EXISTS above all) is then
        # planned and evaluated once.
        conditions: dict[str, str] = {}

        def column(sql: str) -> str:
            return conditions.setdefault(sql, f"c{len(conditions)}")

        def conjunction(parts: list[str]) -> str:
            return "COALESCE(" + (" AND ".join(column(p) for p in parts) or "TRUE") + ", FALSE)"

        fired = []
        first_vars: dict[str, Binding] | None = None
        for alt in compiled.alternatives:
            alt_scope = Scope(scope.pid, top=True, vars=dict(scope.vars), sources=scope.sources,
                              lookups=scope.lookups)
            parts = self.body.conjuncts(self._body(compiled, alt.rule), alt_scope)
            if any(not s.left for s in alt_scope.sources):
                raise unsupported(f"`{compiled.provision}` needs a table inside its main row")
            fired.append(conjunction(parts))
            if first_vars is None:
                first_vars = alt_scope.vars
        n = len(compiled.scope)
        idx = self.index[compiled.provision]
        keys_out = ["pid"] + [f"k{i + 1}" for i in range(n)]
        inner = ["s0.pid AS pid"] + [f"s{i}.id AS k{i + 1}" for i in range(n)]
        outer = keys_out + [f"{f} AS f{i}" for i, f in enumerate(fired)]
        columns: dict[ast.Reference, str] = {}
        if info.provision.amount is not None and first_vars is not None:
            for position, (ref, var) in enumerate(compiled.reference_vars):
                inner.append(f"{first_vars[var].expr} AS v{position}")
                outer.append(f"v{position}")
                columns[ref] = f"v{position}"
        near_bits = self.near_miss_bits(compiled, scope)
        if near_bits is not None:
            bits, reason = near_bits
            outer += [f"{conjunction(parts)} AS {name}" for name, parts in bits]
        inner += [f"{sql} AS {name}" for sql, name in conditions.items()]
        if info.provision.amount is not None:
            low, high, scale = AmountCompiler(self.rule_base, columns, compiled.provision).amount(info.provision)
            if scale + self.share_scale > MONEY_SCALE:
                raise unsupported(f"the amount of `{compiled.provision}` needs more than "
                                  f"{MONEY_SCALE} decimal places", info.provision.span)
            low, high = f"CAST({low} AS {MONEY_TYPE})", f"CAST({high} AS {MONEY_TYPE})"
            status = "'paid'"
        else:
            low = high = f"CAST(NULL AS {MONEY_TYPE})"
            status = "'informational'"
        alternative = "CASE " + " ".join(f"WHEN f{i} THEN {i}" for i in range(len(fired))) + " END"
        where = " OR ".join(f"f{i}" for i in range(len(fired))) or "FALSE"
        keys = {f"k{i + 1}": (f"k{i + 1}" if i < n else "CAST(NULL AS VARCHAR)") for i in range(self.depth)}
        award = ("SELECT " + award_columns(
            self.award_columns, prov_idx=str(idx), subject_id=f"k{n}", **keys, alternative=alternative,
            low=low, high=high, status=status, excluded_by="CAST(NULL AS INTEGER)", adjusted="FALSE",
            reason="CAST(NULL AS VARCHAR)", misses="CAST(NULL AS BIGINT)"))
        rows = (f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)}\n"
                f"  FROM {self._from(base, scope)}) AS checks")
        if near_bits is None:
            return f"{award}\nFROM ({rows}) AS firing\nWHERE {where}"
        name = f"firing{idx}"
        nulls = {c: f"CAST(NULL AS {t})" for c, t in (("pid", "BIGINT"), ("subject_id", "VARCHAR"),
                                                      ("alternative", "INTEGER"), ("low", MONEY_TYPE),
                                                      ("high", MONEY_TYPE), ("excluded_by", "INTEGER"))}
        nulls.update({f"k{i + 1}": "CAST(NULL AS VARCHAR)" for i in range(self.depth)})
        near = ("SELECT " + award_columns(self.award_columns, prov_idx=str(idx), status="'near'", adjusted="FALSE",
                                          reason="reason", misses="count(*)", **nulls)
                + f" FROM (SELECT {reason} AS reason FROM {name} WHERE NOT ({where})) AS misses "
                f"WHERE reason IS NOT NULL GROUP BY reason")
        return (f"SELECT * FROM (WITH {name} AS MATERIALIZED ({rows})\n"
                f"{award} FROM {name} WHERE {where}\nUNION ALL\n{near})")

    # -- near misses: every check but one holds
    def near_miss_bits(self, compiled: CompiledProvision, scope: Scope) -> tuple[list[tuple[str, list[str]]], str] | None:
        """([(column, conditions)], reason): one bit per check group of each alternative (the
        conjunction of its conditions), evaluated on the provision's records, and SQL over those
        columns naming the one failing group of the first alternative that misses by one (NULL
        if none does)."""
        alt_units = []
        for alt in compiled.alternatives:
            units = _units(alt.checks, {var for _, var in compiled.scope})
            if len(units) < 2:
                continue
            bits = []
            for checks in units:
                literals = []
                for check in checks:
                    for lit in check.literals:
                        if lit not in literals:
                            literals.append(lit)
                literals = [l for l in literals if not (isinstance(l, Atom) and "@" not in l.predicate
                                                       and isinstance(l.args[0], Var)
                                                       and scope.get(l.args[0].name) is not None)]
                bits.append((self._bit(literals, scope), _describe(checks)))
            alt_units.append(bits)
        if not alt_units:
            return None
        columns, cases, k = [], [], 0
        for bits in alt_units:
            names = []
            for parts, _ in bits:
                columns.append((f"b{k}", parts))
                names.append(f"b{k}")
                k += 1
            failing = " + ".join(f"(NOT {n})::INTEGER" for n in names)
            which = "CASE " + " ".join(f"WHEN NOT {n} THEN {literal(text)}"
                                       for n, (_, text) in zip(names, bits)) + " END"
            cases.append(f"WHEN {failing} = 1 THEN {which}")
        return columns, f"CASE {' '.join(cases)} END"

    def _bit(self, literals: list[Literal], scope: Scope) -> list[str]:
        """A check group as conditions on the provision's row: per-year values through the row's
        LEFT JOINs (shared with the firing), `exists` groups as EXISTS subqueries."""
        bit_scope = Scope(scope.pid, top=True, vars=dict(scope.vars), sources=scope.sources,
                          lookups=scope.lookups)
        before = len(scope.sources)
        conditions = self.body.conjuncts(literals, bit_scope)
        if any(not s.left for s in scope.sources[before:]):  # a record inside the row: not here
            dropped = {s.alias for s in scope.sources[before:]}
            del scope.sources[before:]
            for key in [k for k, alias in scope.lookups.items() if alias in dropped]:
                del scope.lookups[key]
            return [self.body.subquery(literals, scope)]
        return conditions

    # -- stacking: on the table `stacked`, the awards of the provisions some stacking rule names
    def _key_expr(self, provisions: set[str], kind_of: dict[str, str]) -> str:
        cases = []
        for provision_id in sorted(provisions):
            if provision_id not in self.index:
                continue
            chain = self.layout.chain(self.rule_base.provisions[provision_id].subject)
            if kind_of[provision_id] in chain:
                cases.append(f"WHEN {self.index[provision_id]} THEN k{chain.index(kind_of[provision_id]) + 1}")
        return "CASE prov_idx " + " ".join(cases) + " END" if cases else "NULL"

    def _members(self, provisions) -> str:
        return ", ".join(str(self.index[p]) for p in sorted(provisions) if p in self.index) or "NULL"

    def _rewrite(self, in_group: str, changed: str) -> str:
        """`stacked` again: the rows outside the group as they are, the group's rows changed."""
        return (f"CREATE OR REPLACE TABLE stacked AS\n"
                f"SELECT * FROM stacked WHERE NOT {in_group}\nUNION ALL\n{changed}")

    def not_cumulative_sql(self, group: ast.NotCumulative) -> str:
        members = {p for p in group.provisions if p in self.rule_base.provisions}
        kinds = {self.rule_base.provisions[p].subject for p in members}
        shared = None
        for kind in kinds:
            chain = self.rule_base.ancestors(kind)
            shared = chain if shared is None else [k for k in shared if k in chain]
        target = {p: (shared[0] if shared else self.layout.chain(self.rule_base.provisions[p].subject)[0])
                  for p in members}
        key = self._key_expr(members, target)
        in_group = f"(status = 'paid' AND prov_idx IN ({self._members(members)}))"
        rank = "CASE WHEN high IS NULL OR high = 0 THEN low ELSE high END"
        window = f"PARTITION BY pid, {key} ORDER BY {rank} DESC, low DESC, prov_idx, subject_id"
        changed = ("SELECT " + award_columns(
            self.award_columns,
            status="CASE WHEN rn > 1 THEN 'excluded' ELSE status END",
            excluded_by="CASE WHEN rn > 1 THEN best ELSE excluded_by END") + "\n"
            f"FROM (SELECT *, row_number() OVER w AS rn, first_value(prov_idx) OVER w AS best\n"
            f"  FROM stacked WHERE {in_group} WINDOW w AS ({window})) AS ranked")
        return self._rewrite(in_group, changed)

    def total_cap_sql(self, cap: ast.TotalCap) -> str:
        members = {p for p in cap.provisions if p in self.rule_base.provisions}
        limit = self.rule_base.units.to_base(cap.limit.value, cap.limit.unit) \
            if isinstance(cap.limit, ast.Quantity) else None
        if limit is None:
            raise unsupported("a total cap that is not a plain amount", cap.span)
        limit_sql = f"CAST({decimal_literal(limit)[0]} AS {MONEY_TYPE})"
        key = self._key_expr(members, {p: cap.per_kind for p in members})
        in_cap = f"(status = 'paid' AND prov_idx IN ({self._members(members)}))"
        group = f"PARTITION BY pid, {key}"
        before = f"({group} ORDER BY prov_idx, subject_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
        changed = (
            "SELECT " + award_columns(
                self.award_columns,
                low="CASE WHEN applies THEN LEAST(low, granted) ELSE low END",
                high="CASE WHEN applies THEN granted ELSE high END",
                adjusted="adjusted OR (applies AND (LEAST(low, granted) <> low OR high IS DISTINCT FROM granted))") + "\n"
            f"FROM (SELECT *, CASE WHEN high IS NULL THEN remaining ELSE LEAST(high, remaining) END AS granted\n"
            f"FROM (SELECT *, any_open OR sum_high > {limit_sql} AS applies,\n"
            f"    CASE WHEN open_before THEN CAST(0 AS {MONEY_TYPE}) "
            f"ELSE GREATEST({limit_sql} - high_before, CAST(0 AS {MONEY_TYPE})) END AS remaining\n"
            f"FROM (SELECT *,\n"
            f"    bool_or(high IS NULL) OVER ({group}) AS any_open,\n"
            f"    sum(high) OVER ({group}) AS sum_high,\n"
            f"    coalesce(bool_or(high IS NULL) OVER {before}, FALSE) AS open_before,\n"
            f"    coalesce(sum(high) OVER {before}, 0) AS high_before\n"
            f"  FROM stacked WHERE {in_cap}) AS g) AS c) AS d")
        return self._rewrite(in_cap, changed)

    # -- everything
    def compile(self) -> CompiledSql:
        provisions = [(c.provision, self.provision_sql(c)) for c in self.program.provisions]
        empty = {c: "NULL" for c in self.award_columns}
        empty.update(pid="0::BIGINT", prov_idx="0", subject_id="''", alternative="0", status="''",
                     low=f"CAST(NULL AS {MONEY_TYPE})", high=f"CAST(NULL AS {MONEY_TYPE})",
                     excluded_by="CAST(NULL AS INTEGER)", adjusted="FALSE", reason="CAST(NULL AS VARCHAR)",
                     misses="CAST(NULL AS BIGINT)", **{f"k{i + 1}": "CAST(NULL AS VARCHAR)" for i in range(self.depth)})
        empty_awards = "SELECT * FROM (SELECT " + award_columns(self.award_columns, **empty) + ") WHERE FALSE"
        union = "\nUNION ALL\n".join(sql for _, sql in provisions) if provisions else empty_awards
        awards = f"CREATE OR REPLACE TABLE awards AS\n{union}"
        steps, members = [], set()
        for policy in self.rule_base.policies.values():
            for group in policy.not_cumulative:
                if any(p in self.index for p in group.provisions):
                    steps.append((f"not cumulative {', '.join(group.provisions)}",
                                  self.not_cumulative_sql(group)))
                    members |= {p for p in group.provisions if p in self.index}
            for clause in policy.clauses:
                for cap in clause.total_caps:
                    if any(p in self.index for p in cap.provisions):
                        steps.append((f"total cap {print_expr(cap.limit)} per {cap.per_kind} over "
                                      f"{', '.join(cap.provisions)}", self.total_cap_sql(cap)))
                        members |= {p for p in cap.provisions if p in self.index}
        stacking = []
        if steps:
            stacking.append(("the awards stacking rules apply to",
                             f"CREATE OR REPLACE TABLE stacked AS SELECT * FROM awards "
                             f"WHERE status <> 'near' AND prov_idx IN ({self._members(members)})"))
            stacking += steps
            source = (f"(SELECT * FROM awards WHERE status <> 'near' AND prov_idx NOT IN ({self._members(members)})\n"
                      f"  UNION ALL SELECT * FROM stacked)")
        else:
            source = "(SELECT * FROM awards WHERE status <> 'near')"
        payers = tuple(self.rule_base.payers)
        payer_columns = []
        for payer in payers:
            for side in ("low", "high"):
                payer_columns.append(f"CAST(CAST(a.{side} AS DECIMAL(38,{MONEY_SCALE - self.share_scale})) * "
                                     f"m.{quote('share_' + payer)} AS {MONEY_TYPE}) AS {quote(f'payer_{payer}_{side}')}")
        meta = self.provision_table(payers)
        path = " || ".join(["m.p1 || a.k1"] + [f"coalesce(m.p{i + 1} || a.k{i + 1}, '')" for i in range(1, self.depth)])
        final = (f"CREATE OR REPLACE TABLE screened AS\n"
                 f"SELECT a.pid, m.provision, m.clause, m.policy, m.subject_kind, a.subject_id,\n"
                 f"  a.k1 AS root_id, m.root_kind, {path} AS subject_path,\n"
                 f"  a.alternative, a.status, a.low AS amount_low, a.high AS amount_high, x.provision AS excluded_by, "
                 f"a.adjusted" + "".join(f",\n  {c}" for c in payer_columns) +
                 f"\nFROM {source} AS a\nJOIN ({meta}) AS m ON m.prov_idx = a.prov_idx\n"
                 f"LEFT JOIN ({meta}) AS x ON x.prov_idx = a.excluded_by")
        near = (f"SELECT m.provision, a.reason, sum(a.misses) AS near_misses FROM awards AS a "
                f"JOIN ({meta}) AS m ON m.prov_idx = a.prov_idx WHERE a.status = 'near' "
                f"GROUP BY a.prov_idx, m.provision, a.reason ORDER BY a.prov_idx, a.reason")
        chains = {c.provision: tuple(kind for kind, _ in c.scope) for c in self.program.provisions}
        return CompiledSql(provisions, awards, stacking, final, near, payers, chains, empty_awards)

    def provision_table(self, payers: tuple[str, ...] = ()) -> str:
        """One row per provision: its index, names, the kinds of its chain (`p1` '企业:',
        `p2` ' / 项目:' …, for the subject path) and each payer's share."""
        names = ["prov_idx", "provision", "clause", "policy", "subject_kind", "root_kind"]
        names += [f"p{i + 1}" for i in range(self.depth)] + [f"share_{p}" for p in payers]
        share_type = f"DECIMAL(38,{self.share_scale})"
        rows = []
        for compiled in self.program.provisions:
            info = self.rule_base.provisions[compiled.provision]
            kinds = [k for k, _ in compiled.scope]
            prefixes = [literal(("" if i == 0 else " / ") + k + ":") for i, k in enumerate(kinds)]
            prefixes += ["CAST(NULL AS VARCHAR)"] * (self.depth - len(kinds))
            shares = dict(self.rule_base.payer_shares(info))
            values = [str(self.index[compiled.provision]), literal(compiled.provision), literal(info.clause.id),
                      literal(info.policy.id), literal(compiled.subject_kind), literal(kinds[0])] + prefixes
            values += [f"CAST({literal(f'{shares[p]:f}')} AS {share_type})" if p in shares
                       else f"CAST(NULL AS {share_type})" for p in payers]
            rows.append("(" + ", ".join(values) + ")")
        if not rows:
            return ("SELECT " + ", ".join(f"NULL AS {quote(n)}" for n in names) + " WHERE FALSE")
        return (f"SELECT * FROM (VALUES {', '.join(rows)}) AS t({', '.join(quote(n) for n in names)})")


def _units(checks: tuple[Check, ...], chain_vars: set[str]) -> list[list[Check]]:
    """Checks grouped so that each group can be evaluated alone: an `exists` binding with the
    checks that use its record."""
    units: list[list[Check]] = []
    owner: dict[str, int] = {}
    for check in checks:
        fresh = [lit.args[0].name for lit in check.literals
                 if isinstance(lit, Atom) and "@" not in lit.predicate and isinstance(lit.args[0], Var)
                 and lit.args[0].name not in chain_vars]
        used = {v for lit in check.literals for v in _literal_vars(lit)}
        joined = sorted({owner[v] for v in used if v in owner})
        if joined:
            index = joined[0]
            for other in joined[1:]:
                units[index].extend(units[other])
                units[other] = []
                for v, o in owner.items():
                    if o == other:
                        owner[v] = index
            units[index].append(check)
        else:
            index = len(units)
            units.append([check])
        for v in fresh:
            owner[v] = index
    return [u for u in units if u]


def _describe(checks: list[Check]) -> str:
    parts = []
    for check in checks:
        text = print_expr(check.condition) if check.condition is not None else check.description
        if check.role == "requires":
            text = check.description or f"needs {text}"
        if check.label:
            text = f"{check.label}: {text}"
        if text not in parts:
            parts.append(text)
    return "; ".join(parts)


def transpile(sql: str, dialect: str) -> str:
    """The DuckDB SQL in another dialect (Spark SQL, Trino), through sqlglot."""
    if dialect == "duckdb":
        return sql
    import sqlglot

    # Spark SQL and Trino have no MATERIALIZED hint on a CTE; they plan a CTE read twice themselves
    sql = sql.replace(" AS MATERIALIZED (", " AS (")

    return ";\n".join(sqlglot.transpile(sql, read="duckdb", write=dialect, pretty=True))
