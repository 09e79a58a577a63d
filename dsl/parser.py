"""Text → AST: the lark LALR parser and the transformer that builds frozen AST nodes.

    >>> module = parse_text('unit 万元 = 10000元', 'example.policy')
    >>> module.items[0].name
    '万元'
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast
from .diagnostics import Diagnostic, PolicylogError, Span, error, source_lines
from .units import MAX_DIGITS, significant_digits

MAX_RULE_FILE_BYTES = 2_000_000  # a policy list is a few hundred lines; this leaves room for 100×
# Levels of the syntax tree (module, policy, clause, provision, condition …): a real condition
# needs about ten; the checker, compiler and printer recurse over it.
MAX_NESTING = 100

_KEYWORDS = {
    "DIMENSION", "BASE", "UNIT", "SUBJECT", "OF", "ENUM", "ATTRIBUTE", "PAYER", "PER_YEAR", "BOOL",
    "INTEGER", "DECIMAL", "TEXT", "YEAR", "SET", "POLICY", "TITLE", "STATUS", "SUPERSEDES",
    "DEFAULT_PAYER", "NOT_CUMULATIVE", "ALLOW", "CLAUSE", "NOTE", "TOTAL_CAP", "PER", "OVER",
    "PROVISION", "FOR", "WHEN", "UNLESS", "THEN", "AMOUNT", "UP_TO", "AT_LEAST", "BY", "CAP",
    "INFORMATIONAL", "OR", "AND", "NOT", "IN", "HAS", "EXISTS", "TRUE", "FALSE",
}

# Human names for tokens in "expected …" messages.
_TOKEN_NAMES = {
    "NAME": "a name", "ID": "an id like `nmg2026.1.1`", "STRING": "a quoted string",
    "QUANTITY": "a quantity like `1000万元`", "INT": "a whole number", "COMPARE": "a comparison",
    "_LBRACE": "`{`", "_RBRACE": "`}`", "_LPAR": "`(`", "_RPAR": "`)`", "_COLON": "`:`",
    "_COMMA": "`,`", "_DOT": "`.`", "_EQ": "`=`", "_LSQB": "`[`", "_RSQB": "`]`", "_SEP": "`;`",
    "$END": "end of file", "MINUS": "`-`", "ADD_OP": "`+` or `-`", "MUL_OP": "`*` or `/`",
}


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("policy.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=True)


def _span(file: str, meta) -> Span | None:
    if getattr(meta, "empty", False) or not hasattr(meta, "line"):
        return None
    return Span(file, meta.line, meta.column, meta.end_line, meta.end_column)


def _token_span(file: str, token: Token) -> Span:
    return Span(file, token.line, token.column, token.end_line or token.line,
                token.end_column or token.column + len(token))


def unescape_string(token_text: str) -> str:
    """The value of a STRING token: quotes removed, `\\"`, `\\\\` and `\\n` escapes resolved."""
    body = token_text[3:-3] if token_text.startswith('"""') else token_text[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body,
                  flags=re.S)


_QUANTITY_RE = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]+)?)(.*)$", re.S)


def split_quantity(text: str) -> tuple[Decimal, str | None]:
    """`1,000万元` → (Decimal(1000), "万元"); `20%` → (20, "%"); `3` → (3, None)."""
    match = _QUANTITY_RE.match(text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    number, unit = match.groups()
    if "," in number and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", number):
        raise ValueError(f"misplaced thousands separator in {text!r}")
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ValueError(f"not a number: {text!r}") from exc
    if significant_digits(value) > MAX_DIGITS:
        raise ValueError(f"`{text[:40]}{'…' if len(text) > 40 else ''}` has more than {MAX_DIGITS} significant digits")
    return value, (unit or None)


class _BadQuantity(Exception):
    def __init__(self, message: str, span: Span):
        self.message, self.span = message, span


@v_args(meta=True)
class _ToAst(Transformer):
    def __init__(self, file: str):
        super().__init__()
        self.file = file

    # -- helpers
    def _s(self, meta) -> Span | None:
        return _span(self.file, meta)

    @staticmethod
    def _plain(children):
        """Children without keyword tokens and without absent optional parts."""
        return [c for c in children
                if c is not None and not (isinstance(c, Token) and c.type in _KEYWORDS)]

    # -- tokens
    def STRING(self, token):
        return token.update(value=unescape_string(str(token)))

    # -- vocabulary
    def start(self, meta, children):
        return ast.Module(self.file, tuple(self._plain(children)), self._s(meta))

    def dimension_decl(self, meta, children):
        name, base = self._plain(children)
        return ast.DimensionDecl(str(name), str(base), self._s(meta))

    def unit_decl(self, meta, children):
        name, quantity = self._plain(children)
        return ast.UnitDecl(str(name), self._quantity(quantity), self._s(meta))

    def subject_decl(self, meta, children):
        _kw, name, _of, parent, description = children
        return ast.SubjectDecl(str(name), str(parent) if parent else None,
                               str(description) if description else None, self._s(meta))

    def enum_decl(self, meta, children):
        parts = self._plain(children)
        name, rest = parts[0], parts[1:]
        description = None
        if rest and rest[-1].type == "STRING":
            description = str(rest.pop())
        return ast.EnumDecl(str(name), tuple(str(m) for m in rest), description, self._s(meta))

    def attribute_decl(self, meta, children):
        _kw, kind, name, type_spec, per_year, description = children
        return ast.AttributeDecl(str(kind), str(name), type_spec, per_year is not None,
                                 str(description) if description else None, self._s(meta))

    def bool_type(self, meta, children):
        return ast.TypeSpec("bool", span=self._s(meta))

    def integer_type(self, meta, children):
        unit = children[1]
        return ast.TypeSpec("integer", unit=str(unit) if unit else None, span=self._s(meta))

    def decimal_type(self, meta, children):
        unit = children[1]
        return ast.TypeSpec("decimal", unit=str(unit) if unit else None, span=self._s(meta))

    def text_type(self, meta, children):
        return ast.TypeSpec("text", span=self._s(meta))

    def year_type(self, meta, children):
        return ast.TypeSpec("year", span=self._s(meta))

    def set_type(self, meta, children):
        return ast.TypeSpec("set", enum=str(children[-1]), span=self._s(meta))

    def enum_type(self, meta, children):
        return ast.TypeSpec("enum", enum=str(children[0]), span=self._s(meta))

    def payer_decl(self, meta, children):
        _kw, name, description = children
        return ast.PayerDecl(str(name), str(description) if description else None, self._s(meta))

    # -- policies
    def policy(self, meta, children):
        parts = self._plain(children)
        policy_id, members = str(parts[0]), parts[1:]
        fields: dict[str, object] = {}
        clauses, not_cumulative, allows, supersedes = [], [], [], []
        payers: tuple = ()
        for member in members:
            if isinstance(member, ast.Clause):
                clauses.append(member)
            elif isinstance(member, ast.NotCumulative):
                not_cumulative.append(member)
            elif isinstance(member, ast.Allow):
                allows.append(member)
            elif isinstance(member, tuple) and member[0] == "supersedes":
                supersedes.extend(member[1])
            elif isinstance(member, tuple) and member[0] == "default_payer":
                payers = member[1]
            else:
                key, value = member
                fields[key] = value
        return ast.Policy(policy_id, fields.get("title"), fields.get("year"), fields.get("status"),
                          tuple(supersedes), payers, tuple(clauses), tuple(not_cumulative),
                          tuple(allows), self._s(meta))

    def policy_title(self, meta, children):
        return ("title", str(self._plain(children)[0]))

    def policy_year(self, meta, children):
        token = self._plain(children)[0]
        if len(token) > 4:  # and int() refuses more than 4,300 digits
            raise _BadQuantity(f"`{str(token)[:40]}` is not a year", _token_span(self.file, token))
        return ("year", int(token))

    def policy_status(self, meta, children):
        return ("status", str(self._plain(children)[0]))

    def supersedes(self, meta, children):
        ids = [str(c) for c in self._plain(children) if c.type == "ID"]
        return ("supersedes", tuple(ids))

    def default_payer(self, meta, children):
        return ("default_payer", tuple(self._plain(children)))

    def not_cumulative(self, meta, children):
        parts = self._plain(children)
        ids = tuple(str(c) for c in parts if c.type == "ID")
        reasons = [str(c) for c in parts if c.type == "STRING"]
        return ast.NotCumulative(ids, reasons[0] if reasons else None, self._s(meta))

    def allow(self, meta, children):
        parts = self._plain(children)
        check = str(parts[0])
        ids = tuple(str(c) for c in parts[1:] if c.type == "ID")
        reason = str(parts[-1])
        return ast.Allow(check, ids, reason, self._s(meta))

    def clause(self, meta, children):
        parts = self._plain(children)
        clause_id, members = str(parts[0]), parts[1:]
        title, text = None, None
        provisions, caps, notes, supersedes = [], [], [], []
        for member in members:
            match member:
                case ast.Provision():
                    provisions.append(member)
                case ast.TotalCap():
                    caps.append(member)
                case ("title", value):
                    title = value
                case ("text", value):
                    text = value
                case ("note", value):
                    notes.append(value)
                case ("supersedes", ids):
                    supersedes.extend(ids)
        return ast.Clause(clause_id, title or "", text or "", tuple(provisions), tuple(caps),
                          tuple(notes), tuple(supersedes), self._s(meta))

    def clause_title(self, meta, children):
        return ("title", str(self._plain(children)[0]))

    def clause_text(self, meta, children):
        return ("text", str(self._plain(children)[0]))

    def note(self, meta, children):
        return ("note", str(self._plain(children)[0]))

    def total_cap(self, meta, children):
        parts = self._plain(children)
        limit, kind = parts[0], str(parts[1])
        ids = tuple(str(c) for c in parts[2:])
        return ast.TotalCap(limit, kind, ids, self._s(meta))

    def provision(self, meta, children):
        _kw, provision_id, title, *members = children
        subject, amount, informational = None, None, None
        conditions, caps, payers, notes, supersedes = [], [], [], [], []
        for member in members:
            match member:
                case ast.When():
                    conditions.append(member)
                case ast.Amount():
                    amount = member
                case ("for", kind):
                    subject = kind
                case ("cap", exprs):
                    caps.extend(exprs)
                case ("payer", shares):
                    payers.extend(shares)
                case ("informational", text):
                    informational = text
                case ("note", text):
                    notes.append(text)
                case ("supersedes", ids):
                    supersedes.extend(ids)
        return ast.Provision(str(provision_id), str(title) if title else None, subject,
                             tuple(conditions), amount, tuple(caps), tuple(payers), informational,
                             tuple(notes), tuple(supersedes), self._s(meta))

    def for_subject(self, meta, children):
        return ("for", str(self._plain(children)[0]))

    def when(self, meta, children):
        _kw, label, condition, *exceptions = children
        return ast.When(str(label) if label else None, condition,
                        tuple(e for e in exceptions if e is not None), self._s(meta))

    def unless(self, meta, children):
        trigger, replacement = self._plain(children)
        return ast.Unless(trigger, replacement, self._s(meta))

    def amount_exact(self, meta, children):
        return ast.Amount("exact", self._plain(children)[0], span=self._s(meta))

    def amount_up_to(self, meta, children):
        return ast.Amount("up_to", self._plain(children)[0], span=self._s(meta))

    def amount_at_least(self, meta, children):
        return ast.Amount("at_least", self._plain(children)[0], span=self._s(meta))

    def amount_tiers(self, meta, children):
        parts = self._plain(children)
        return ast.Amount("tiers", None, parts[0], tuple(parts[1:]), span=self._s(meta))

    def tier(self, meta, children):
        key, amount = children
        return ast.Tier(str(key), amount, self._s(meta))

    def cap(self, meta, children):
        return ("cap", tuple(self._plain(children)))

    def payer(self, meta, children):
        return ("payer", tuple(self._plain(children)))

    def payer_share(self, meta, children):
        name, share = children
        return ast.PayerShare(str(name), self._quantity(share) if share else None, self._s(meta))

    def informational(self, meta, children):
        return ("informational", str(self._plain(children)[0]))

    # -- expressions
    def or_expr(self, meta, children):
        return ast.Or(tuple(self._plain(children)), self._s(meta))

    def and_expr(self, meta, children):
        return ast.And(tuple(self._plain(children)), self._s(meta))

    def not_expr(self, meta, children):
        return ast.Not(self._plain(children)[0], self._s(meta))

    def compare(self, meta, children):
        left, op, right = children
        op = {"≥": ">=", "≤": "<=", "≠": "!=", "==": "="}.get(str(op), str(op))
        return ast.Compare(op, left, right, self._s(meta))

    def member(self, meta, children):
        operand, *rest = self._plain(children)
        return ast.Member(operand, tuple(str(m) for m in rest), self._s(meta))

    def has(self, meta, children):
        operand, member = self._plain(children)
        return ast.Has(operand, str(member), self._s(meta))

    def _fold(self, meta, children):
        result = children[0]
        for op, right in zip(children[1::2], children[2::2]):
            symbol = "*" if str(op) == "×" else str(op)
            result = ast.BinaryOp(symbol, result, right, self._s(meta))
        return result

    sum_expr = _fold
    product = _fold

    def negate(self, meta, children):
        return ast.Negate(children[0], self._s(meta))

    def quantity(self, meta, children):
        (token,) = children
        return self._quantity(token)

    def _quantity(self, token: Token) -> ast.Quantity:
        span = _token_span(self.file, token)
        try:
            value, unit = split_quantity(str(token))
        except ValueError as exc:
            raise _BadQuantity(str(exc), span) from exc
        return ast.Quantity(value, unit, str(token), span)

    def QUANTITY(self, token):
        return token

    def reference(self, meta, children):
        kind, attribute, year = children
        return ast.Reference(str(kind), str(attribute), year, self._s(meta))

    def true(self, meta, children):
        return ast.BoolLiteral(True, self._s(meta))

    def false(self, meta, children):
        return ast.BoolLiteral(False, self._s(meta))

    def text(self, meta, children):
        return ast.TextLiteral(str(children[0]), self._s(meta))

    def symbol(self, meta, children):
        return ast.Symbol(str(children[0]), self._s(meta))

    def exists(self, meta, children):
        kind, body = self._plain(children)
        return ast.Exists(str(kind), body, self._s(meta))

    def call(self, meta, children):
        name, *args = children
        return ast.Call(str(name), tuple(args), self._s(meta))


def _expected_phrase(expected: set[str]) -> str:
    names = sorted({_TOKEN_NAMES.get(t, f"`{t.lower().replace('_', ' ')}`") for t in expected})
    if len(names) > 8:
        names = names[:8] + ["…"]
    return ", ".join(names)


def _syntax_diagnostic(exc: UnexpectedInput, file: str, text: str) -> Diagnostic:
    line, column = getattr(exc, "line", 1) or 1, getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        lines = source_lines(text)
        line, column = len(lines), len(lines[-1]) + 1
        return error("E001", "unexpected-end-of-file",
                     "the file ends in the middle of a block", Span.point(file, line, column),
                     help=f"expected {_expected_phrase(exc.expected)}; is a `}}` missing?")
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        span = _token_span(file, token)
        what = f"`{token}`" if str(token) else token.type
        help = f"expected {_expected_phrase(exc.expected)}"
        if token.type == "NAME" and {"QUANTITY"} & set(exc.expected):
            help += "; a quantity is written with its unit glued on, e.g. `5万吨`"
        return error("E002", "unexpected-token", f"unexpected {what} here", span, help=help)
    if isinstance(exc, UnexpectedCharacters):
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else ""
        allowed = getattr(exc, "allowed", None) or set()
        help = f"expected {_expected_phrase(allowed)}" if allowed else None
        if char in "“”‘’":
            help = "strings are written in ASCII double quotes: \"…\""
        return error("E003", "unexpected-character", f"unexpected character `{char}`",
                     Span.point(file, line, column), help=help)
    if isinstance(exc, UnexpectedEOF):
        lines = source_lines(text)
        return error("E001", "unexpected-end-of-file", "the file ends in the middle of a block",
                     Span.point(file, len(lines), len(lines[-1]) + 1))
    return error("E002", "syntax-error", str(exc).splitlines()[0], Span.point(file, line, column))


def parse_text(text: str, file: str = "<string>") -> ast.Module:
    """Parse one rule file; raise PolicylogError with a Diagnostic on a syntax error."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULE_FILE_BYTES:
        raise PolicylogError([error(
            "E004", "file-too-large", f"rule file is larger than {MAX_RULE_FILE_BYTES:,} bytes",
            Span.point(file, 1, 1), help="split the policy into several files in one directory")])
    if text.startswith("\ufeff"):
        text = text[1:]  # a byte-order mark from an editor; the lexer also ignores it elsewhere
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise PolicylogError([_syntax_diagnostic(exc, file, text)]) from None
    except RecursionError:
        raise PolicylogError([error("E005", "nesting-too-deep", "expressions nest too deeply",
                                    Span.point(file, 1, 1),
                                    help="split the condition into several `when` lines")]) from None
    too_deep = error("E005", "nesting-too-deep", "expressions nest too deeply", Span.point(file, 1, 1),
                     help="split the condition into several `when` lines")
    try:
        module = _ToAst(file).transform(tree)
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, _BadQuantity):
            raise PolicylogError([error("E006", "bad-quantity", inner.message, inner.span,
                                        help="write numbers like `1000万元` or `1,000万元`")]) from None
        if isinstance(inner, RecursionError):
            raise PolicylogError([too_deep]) from None
        raise
    except RecursionError:
        raise PolicylogError([too_deep]) from None
    deepest = _deeper_than(module, MAX_NESTING)
    if deepest is not None:
        raise PolicylogError([error(
            "E005", "nesting-too-deep", f"expressions nest more than {MAX_NESTING} levels deep",
            deepest.span or Span.point(file, 1, 1), help=too_deep.help)])
    return module


def _deeper_than(module: ast.Module, limit: int):
    """The first node nested deeper than `limit`, or None; iterative, so any depth is safe.

    `1元 + 1元 + …` folds into a left-nested tree as deep as the sum is long, and every later
    stage (checker, compiler, printer, amounts) recurses over it."""
    stack = [(module, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return node
        for name in getattr(node, "__slots__", ()):
            value = getattr(node, name)
            for child in (value if isinstance(value, tuple) else (value,)):
                if type(child).__module__ == ast.__name__:
                    stack.append((child, depth + 1))
    return None


def parse_file(path) -> tuple[ast.Module, str]:
    """Read and parse a rule file; returns the module and its text (for rendering diagnostics)."""
    from pathlib import Path

    path = Path(path)
    try:
        with path.open("rb") as stream:  # never more than the limit: `/dev/zero` has no end
            raw = stream.read(MAX_RULE_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path (from a file, say)
        reason = getattr(exc, "strerror", None) or str(exc)
        raise PolicylogError([error("E007", "unreadable-file", f"cannot read `{path}`: {reason}",
                                    None)]) from None
    if len(raw) > MAX_RULE_FILE_BYTES:
        raise PolicylogError([error(
            "E004", "file-too-large", f"rule file is larger than {MAX_RULE_FILE_BYTES:,} bytes",
            Span.point(str(path), 1, 1), help="split the policy into several files in one directory")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start].decode("utf-8", "replace")
        line = prefix.count("\n") + 1
        column = len(prefix) - (prefix.rfind("\n") + 1) + 1
        raise PolicylogError([error("E008", "not-utf8", "rule file is not valid UTF-8",
                                    Span.point(str(path), line, column),
                                    help="save the file as UTF-8")]) from None
    return parse_text(text, str(path)), text
