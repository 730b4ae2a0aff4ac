"""Text normalisation, units and the parsing of printed figures into exact Decimals."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from enum import StrEnum

UNIT_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1_000),
    "万元": Decimal(10_000),
    "亿元": Decimal(100_000_000),
    # counts are kept as counts
    "户": Decimal(1),
    "个": Decimal(1),
    "笔": Decimal(1),
    "人": Decimal(1),
}
_UNIT_SUFFIX = re.compile(r"^(?P<label>.*?)\((?:单位[:：]?)?(?P<unit>" + "|".join(UNIT_FACTORS) + r")\)$")
_STATED = re.compile(r"单位[:：](" + "|".join(sorted(UNIT_FACTORS, key=len, reverse=True)) + ")")
_PLAIN = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


class SignStyle(StrEnum):
    """How a report prints negative figures."""

    PARENTHESES = "parentheses"  # (1,234.56)
    MINUS = "minus"  # -1,234.56


class NumberFormatError(ValueError):
    """A printed figure that is not a number in the report's conventions."""


def normalise(text: str) -> str:
    """Text as compared: full-width folded to half-width (NFKC), every kind of space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def split_unit(text: str) -> tuple[str, str | None]:
    """`客户数（户）` -> (`客户数`, `户`); the unit is None when the text names none."""
    flat = normalise(text)
    match = _UNIT_SUFFIX.match(flat)
    if match is None:
        return flat, None
    return match.group("label"), match.group("unit")


def stated_unit(text: str) -> str | None:
    """The unit an information line states: `单位：元` -> `元`."""
    match = _STATED.search(normalise(text))
    return match.group(1) if match else None


def unit_in(text: str) -> str | None:
    """The unit a header names, e.g. `存款与资产（万元）` or `单位：元`."""
    _, unit = split_unit(text)
    return unit or stated_unit(text)


def parse_figure(raw: object, signs: frozenset[SignStyle]) -> Decimal | None:
    """The exact value of a printed or stored figure in its unit; None for an empty cell.

    Numbers stored as numbers keep their shortest decimal form (`repr`), so 86818.93 stays
    86818.93 and never becomes a binary fraction. Raises NumberFormatError otherwise."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise NumberFormatError(f"a true/false value is not a figure: {raw!r}")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw))
    if isinstance(raw, Decimal):
        return raw
    if not isinstance(raw, str):
        raise NumberFormatError(f"not a figure: {raw!r}")
    text = normalise(raw)
    if text == "":
        return None
    negative = False
    if text.startswith("(") and text.endswith(")"):
        if SignStyle.PARENTHESES not in signs:
            raise NumberFormatError(f"{raw!r}: negatives in parentheses are not this report's convention")
        text, negative = text[1:-1], True
    elif text.startswith("-"):
        if SignStyle.MINUS not in signs:
            raise NumberFormatError(f"{raw!r}: a minus sign is not this report's convention")
        text, negative = text[1:], True
    if not _PLAIN.match(text):
        raise NumberFormatError(f"{raw!r} is not a number")
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as error:  # pragma: no cover - the pattern above admits only digits
        raise NumberFormatError(f"{raw!r} is not a number") from error
    return -value if negative else value


def to_yuan(value: Decimal, unit: str) -> Decimal:
    """A value in `unit` converted to 元 (counts unchanged), exactly."""
    return value * UNIT_FACTORS[unit]


def places_of(raw: str) -> int:
    """Decimal places printed in a figure's text: `1,234.56` -> 2."""
    text = normalise(raw).strip("()")
    return len(text.split(".", 1)[1]) if "." in text else 0


def rounding_tolerance(unit: str, places: int) -> Decimal:
    """Half of the last printed digit, in 元: 0.01 万元 shown -> 50 元."""
    return UNIT_FACTORS[unit] * Decimal(1).scaleb(-places) / 2
