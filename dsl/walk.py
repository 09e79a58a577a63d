"""Read-only walks over AST expressions, shared by the compiler, the linter and explanations."""

from __future__ import annotations

from typing import Iterator, assert_never

from . import ast


def references(expr: ast.Expr, *, into_exists: bool = True) -> Iterator[ast.Reference]:
    """Every attribute reference in an expression, year indexes included (before their owner).

    With `into_exists=False` the body of an `exists` is not entered: its references belong to
    the record the `exists` binds, which explanations treat as checks of their own.
    """
    match expr:
        case ast.Reference(year=year):
            if year is not None:
                yield from references(year, into_exists=into_exists)
            yield expr
        case ast.BinaryOp(left=left, right=right) | ast.Compare(left=left, right=right):
            yield from references(left, into_exists=into_exists)
            yield from references(right, into_exists=into_exists)
        case ast.Negate(operand=operand) | ast.Not(operand=operand) | ast.Member(operand=operand) \
                | ast.Has(operand=operand):
            yield from references(operand, into_exists=into_exists)
        case ast.Call(args=args) | ast.And(operands=args) | ast.Or(operands=args):
            for arg in args:
                yield from references(arg, into_exists=into_exists)
        case ast.Exists(body=body):
            if into_exists:
                yield from references(body, into_exists=into_exists)
        case ast.Quantity() | ast.BoolLiteral() | ast.TextLiteral() | ast.Symbol():
            return
        case _:
            assert_never(expr)


def operands(expr: ast.Expr) -> Iterator[ast.Expr]:
    """The leaves of an arithmetic expression: references (their year indexes not entered),
    quantities and literals; anything that is not arithmetic is its own leaf."""
    match expr:
        case ast.BinaryOp(left=left, right=right):
            yield from operands(left)
            yield from operands(right)
        case ast.Negate(operand=operand):
            yield from operands(operand)
        case ast.Call(args=args):
            for arg in args:
                yield from operands(arg)
        case _:
            yield expr
