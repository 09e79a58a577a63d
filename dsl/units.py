"""Units as declared in the rule files, and exact conversion to base units.

A unit has a scale (exact `Decimal`) relative to its dimension's base unit and a dimension
vector: `元/吨` is {金额: 1, 质量: -1}. Values are kept in base units (元, 吨, 吨标准煤), so
`1000万元` is Decimal(10000000) and comparisons need no conversion at run time.

    >>> table = UnitTable()
    >>> table.add_dimension("金额", "元"); table.add_unit("万元", Decimal(10000), "元")
    >>> table.resolve("万元").scale
    Decimal('10000')
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

Dims = tuple[tuple[str, int], ...]  # sorted (dimension, exponent) pairs; () is dimensionless

DIMENSIONLESS: Dims = ()

# Exact arithmetic: any rounding raises instead of silently losing a fen.
EXACT = decimal.Context(prec=60, traps=[decimal.Inexact, decimal.InvalidOperation,
                                        decimal.DivisionByZero, decimal.Overflow])

# A written number and a unit's scale have at most this many significant digits, so a value in
# its unit converts to the base unit exactly: the product of two needs at most 56 of EXACT's 60.
MAX_DIGITS = 28


def significant_digits(value: Decimal) -> int:
    """`1,000.50` has five (1 0 0 0 5): leading and trailing zeros do not count.

    Not `normalize()`, which rounds to the context's 28 digits first."""
    return max(len("".join(map(str, value.as_tuple().digits)).strip("0")), 1)


def combine(a: Dims, b: Dims, sign: int = 1) -> Dims:
    """The dimension of a product (sign=1) or quotient (sign=-1)."""
    exponents: dict[str, int] = dict(a)
    for name, exp in b:
        exponents[name] = exponents.get(name, 0) + sign * exp
    return tuple(sorted((n, e) for n, e in exponents.items() if e != 0))


@dataclass(frozen=True, slots=True)
class UnitInfo:
    name: str
    scale: Decimal
    dims: Dims


class UnitTable:
    def __init__(self) -> None:
        self._units: dict[str, UnitInfo] = {"%": UnitInfo("%", Decimal("0.01"), DIMENSIONLESS)}
        self.dimensions: dict[str, str] = {}  # dimension -> base unit
        self.base_of: dict[Dims, str] = {}  # dims -> base unit name, for display

    def add_dimension(self, dimension: str, base_unit: str) -> None:
        dims = ((dimension, 1),)
        self.dimensions[dimension] = base_unit
        self._units[base_unit] = UnitInfo(base_unit, Decimal(1), dims)
        self.base_of[dims] = base_unit

    def add_unit(self, name: str, factor: Decimal, of_unit: str) -> UnitInfo | None:
        """Declare `name = factor × of_unit`; returns None if `of_unit` is unknown.

        Raises ValueError when the scale needs more than MAX_DIGITS digits."""
        base = self.resolve(of_unit)
        if base is None:
            return None
        scale = EXACT.multiply(factor, base.scale)
        if significant_digits(scale) > MAX_DIGITS:
            raise ValueError(f"the scale of `{name}` needs more than {MAX_DIGITS} significant digits")
        info = UnitInfo(name, scale, base.dims)
        self._units[name] = info
        return info

    def known(self, name: str) -> bool:
        return name in self._units

    def names(self) -> list[str]:
        return sorted(self._units)

    def resolve(self, text: str | None) -> UnitInfo | None:
        """`万元` or a rate `元/吨`; None for an unknown unit. A bare number is dimensionless."""
        if text is None:
            return UnitInfo("", Decimal(1), DIMENSIONLESS)
        if text in self._units:
            return self._units[text]
        if "/" in text:
            top, _, bottom = text.partition("/")
            num, den = self._units.get(top), self._units.get(bottom)
            if num is None or den is None:
                return None
            # A rate whose scale has no short exact decimal (元 per a unit of 7吨) is refused:
            # every conversion through it would round.
            if not _divides(num.scale, den.scale) or \
                    significant_digits(EXACT.divide(num.scale, den.scale)) > MAX_DIGITS:
                return None
            return UnitInfo(text, EXACT.divide(num.scale, den.scale), combine(num.dims, den.dims, -1))
        return None

    def to_base(self, value: Decimal, unit: str | None) -> Decimal:
        info = self.resolve(unit)
        assert info is not None, unit
        return EXACT.multiply(value, info.scale)

    def describe(self, dims: Dims) -> str:
        """A readable name for a dimension vector, e.g. `元/吨` or `dimensionless`."""
        if not dims:
            return "a plain number"
        if dims in self.base_of:
            return f"`{self.base_of[dims]}`"
        top = [self.dimensions.get(n, n) for n, e in dims if e > 0 for _ in range(e)]
        bottom = [self.dimensions.get(n, n) for n, e in dims if e < 0 for _ in range(-e)]
        return "`" + ("·".join(top) or "1") + ("/" + "·".join(bottom) if bottom else "") + "`"

    def units_of(self, dims: Dims) -> list[UnitInfo]:
        return sorted((u for u in self._units.values() if u.dims == dims), key=lambda u: u.scale)


def _divides(a: Decimal, b: Decimal) -> bool:
    try:
        EXACT.divide(a, b)
        return True
    except decimal.Inexact:
        return False


MONEY_DIMENSION = "金额"


def format_number(value: Decimal) -> str:
    """`1234567.50` → `1,234,567.5`; never scientific notation."""
    value = value.normalize() if value == value.to_integral_value() else value
    text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_money(yuan: Decimal) -> str:
    """`6000000` → `600万元`; amounts under 1万 stay in 元."""
    if abs(yuan) >= 10000:
        return f"{format_number(EXACT.divide(yuan, Decimal(10000)) if _divides(yuan, Decimal(10000)) else yuan / Decimal(10000))}万元"
    return f"{format_number(yuan)}元"
