"""Property: printing an AST and parsing it again gives the same AST."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from policylog.dsl import ast
from policylog.dsl.parser import parse_text
from policylog.dsl.printer import print_expr, print_module

names = st.sampled_from(["年节水量", "投资额", "实际完成投资", "制造业", "x", "等级"])
kinds = st.sampled_from(["企业", "项目", "认定"])
units = st.sampled_from([None, "万元", "元", "吨", "万吨", "%", "元/吨", "吨标准煤"])


@st.composite
def quantities(draw):
    value = Decimal(draw(st.integers(min_value=0, max_value=10**9))) / (10 ** draw(st.integers(0, 3)))
    unit = draw(units)
    text = f"{value:f}" + (unit or "")
    return ast.Quantity(Decimal(f"{value:f}"), unit, text)


references = st.builds(lambda k, a: ast.Reference(k, a), kinds, names)
numeric_leaves = st.one_of(quantities(), references)


def numeric(children):
    return st.one_of(
        st.builds(ast.BinaryOp, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(lambda c: ast.Negate(c), children),
        st.builds(lambda a, b: ast.Call("min", (a, b)), children, children),
    )


numbers = st.recursive(numeric_leaves, numeric, max_leaves=6)

atoms = st.one_of(
    st.builds(ast.Compare, st.sampled_from([">=", "<=", ">", "<", "=", "!="]), numbers, numbers),
    references,
    st.builds(lambda r, m: ast.Member(r, tuple(m)), references,
              st.lists(st.sampled_from(["先进级", "卓越级", "领航级"]), min_size=1, max_size=3, unique=True)),
    st.builds(lambda r: ast.Has(r, "革命老区"), references),
    st.builds(ast.BoolLiteral, st.booleans()),
)


def conditions(children):
    return st.one_of(
        st.builds(lambda xs: ast.And(tuple(xs)), st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda xs: ast.Or(tuple(xs)), st.lists(children, min_size=2, max_size=3)),
        st.builds(lambda c: ast.Not(c), children),
        st.builds(lambda k, c: ast.Exists(k, c), kinds, children),
    )


booleans = st.recursive(atoms, conditions, max_leaves=8)


def _canonical(expr):
    """Flatten nested And/Or the way the parser does (a and (b and c) prints as a and b and c)."""
    match expr:
        case ast.And(operands=ops) | ast.Or(operands=ops):
            flat = []
            for op in ops:
                op = _canonical(op)
                if type(op) is type(expr):
                    flat.extend(op.operands)
                else:
                    flat.append(op)
            return type(expr)(tuple(flat))
        case ast.Not(operand=o):
            return ast.Not(_canonical(o))
        case ast.Exists(kind=k, body=b):
            return ast.Exists(k, _canonical(b))
        case _:
            return expr


def _provision(condition, amount):
    return ast.Provision("p.1", None, "项目", (ast.When(None, condition, ()),),
                         ast.Amount("exact", amount), (), (), None, (), ())


@given(booleans, numbers)
def test_print_then_parse_is_identity(condition, amount):
    condition = _canonical(condition)
    policy = ast.Policy("p", "t", 2026, None, (), (), (
        ast.Clause("p.1", "t", "x", (_provision(condition, amount),), (), (), ()),), (), ())
    module = ast.Module("m", (policy,))
    text = print_module(module)
    reparsed = parse_text(text, "m")
    assert reparsed.items == module.items, text


@given(numbers)
def test_print_expr_is_stable(expr):
    text = print_expr(expr)
    module = parse_text(f"policy p {{ clause p.1 {{ title \"t\" text \"x\" provision p.1 {{ amount {text} }} }} }}", "m")
    again = module.items[0].clauses[0].provisions[0].amount.value
    assert print_expr(again) == text
