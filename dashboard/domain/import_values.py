"""Reading one cell of an imported file: text, whole numbers, money, dates, flags and codes.

Pure functions: a raw cell (a CSV string, or what openpyxl gives for an XLSX cell) in, a
clean value out, or :class:`ValueError` whose message says what was wrong in words a shop
manager understands ("'-3' is below the minimum of 0"). Blank cells never reach these
parsers; the caller decides what a blank means for each column.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from dashboard.domain.codes import LabelledCode

# Far beyond any real quantity, and inside a 32-bit integer column on every backend.
MAX_UNITS = 10_000_000
# Dates in a file must fall in these years.
MIN_YEAR, MAX_YEAR = 2000, 2100
# Prices and costs fit NUMERIC(12, 2).
MAX_MONEY = Decimal("1000000000")
MAX_NUMBER_TEXT = 32
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Tab and newline may sit inside a quoted CSV cell; other control characters are never data.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "x"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f"})
SHOWN = 40


def is_blank(raw: Any) -> bool:
    """Whether a cell holds nothing (None, or only spaces)."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def shown(raw: Any) -> str:
    """A cell as a short quoted text for a message."""
    text = cell_text(raw)
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")


def cell_text(raw: Any) -> str:
    """A cell as text: XLSX numbers that are whole lose their ``.0`` (a SKU typed as 12345 stays 12345)."""
    if type(raw) is str:  # nearly every cell: the fast path first
        return raw.strip()
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    return str(raw).strip()


def text(max_length: int) -> Callable[[Any], str]:
    """A parser for free text of at most ``max_length`` characters without control characters."""

    def parse(raw: Any) -> str:
        value = cell_text(raw)
        if len(value) > max_length:
            raise ValueError(f"longer than {max_length} characters ({len(value):,})")
        if CONTROL.search(value):
            raise ValueError("contains control characters")
        return value

    return parse


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"{shown(raw)} is not a number")
    if isinstance(raw, int | float):
        value = Decimal(str(raw))
    else:
        value_text = cell_text(raw)
        if len(value_text) > MAX_NUMBER_TEXT:
            raise ValueError(f"{shown(raw)} is not a number")
        if "," in value_text:
            raise ValueError(f"{shown(raw)} is not a number (write 1200.50, without thousands separators)")
        try:
            value = Decimal(value_text)
        except InvalidOperation:
            raise ValueError(f"{shown(raw)} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{shown(raw)} is not a number")
    return value


def whole(minimum: int = 0, maximum: int = MAX_UNITS) -> Callable[[Any], int]:
    """A parser for a whole number between ``minimum`` and ``maximum`` (``12`` and ``12.0`` are fine, ``12.5`` not)."""

    def parse(raw: Any) -> int:
        value = _decimal(raw)
        if value != value.to_integral_value():
            raise ValueError(f"{shown(raw)} is not a whole number")
        if value < minimum:
            raise ValueError(f"{shown(raw)} is below the minimum of {minimum}")
        if value > maximum:
            raise ValueError(f"{shown(raw)} is above the maximum of {maximum:,}")
        return int(value)

    return parse


def weeks_as_days(maximum_days: int) -> Callable[[Any], int]:
    """A parser for a lead time written in weeks (``8``, ``2.5``, ``0``), returned as whole days (rounded).

    A snapshot states lead times in weeks; everything here counts days. 0 weeks is same-day supply.
    """

    def parse(raw: Any) -> int:
        value = _decimal(raw)
        if value < 0:
            raise ValueError(f"{shown(raw)} is below the minimum of 0 weeks")
        days = int((value * 7).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
        if days > maximum_days:
            raise ValueError(f"{shown(raw)} weeks is above the maximum of {maximum_days:,} days")
        return days

    return parse


def money(raw: Any) -> float:
    """A price or cost: a number ≥ 0, rounded to cents."""
    value = _decimal(raw)
    if value < 0:
        raise ValueError(f"{shown(raw)} is negative; prices and costs are 0 or more")
    if value >= MAX_MONEY:
        raise ValueError(f"{shown(raw)} is too large")
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def flag(raw: Any) -> bool:
    """Yes or no: true/false, yes/no, y/n, 1/0 (any case), or an XLSX TRUE/FALSE."""
    if isinstance(raw, bool):
        return raw
    word = cell_text(raw).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{shown(raw)} is not yes or no; use true or false")


def _plausible(raw: Any, when: dt.date) -> None:
    # A year far outside business history is a typo (0026, 2206) and would stretch every KPI series.
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        raise ValueError(f"{shown(raw)} is outside {MIN_YEAR}–{MAX_YEAR}; check the year")


def day(raw: Any) -> dt.date:
    """A calendar date written YYYY-MM-DD (or an XLSX date cell), in :data:`MIN_YEAR`–:data:`MAX_YEAR`."""
    if isinstance(raw, dt.datetime):
        found = raw.date()
    elif isinstance(raw, dt.date):
        found = raw
    else:
        value = cell_text(raw)
        if not ISO_DAY.match(value):
            raise ValueError(f"{shown(raw)} is not a date; write YYYY-MM-DD")
        try:
            found = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{shown(raw)} is not a real date") from None
    _plausible(raw, found)
    return found


def moment(raw: Any) -> dt.datetime:
    """A date, or a date and time (ISO 8601, e.g. ``2026-11-20 14:03`` or ``…T14:03:00+01:00``), as aware UTC.

    A time without a zone is taken as UTC; a date alone is midnight UTC.
    """
    if isinstance(raw, dt.datetime):
        stamp = raw
    elif isinstance(raw, dt.date):
        stamp = dt.datetime.combine(raw, dt.time())
    else:
        value = cell_text(raw)
        if not ISO_DAY.match(value[:10]) or len(value) > MAX_NUMBER_TEXT:
            raise ValueError(f"{shown(raw)} is not a date and time; write YYYY-MM-DD or YYYY-MM-DD HH:MM")
        try:
            stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{shown(raw)} is not a real date and time") from None
    _plausible(raw, stamp.date())  # before the zone shift, which overflows at year 1 and 9999
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC)


def code(enum_cls: type[LabelledCode]) -> Callable[[Any], LabelledCode]:
    """A parser for one of ``enum_cls``'s codes; the stored value or its label, any case (``In stock`` works)."""
    words = {}
    for member in enum_cls:
        words[member.value] = member
        words[_word(member.label)] = member

    def parse(raw: Any) -> LabelledCode:
        value = cell_text(raw)
        found = words.get(value) or words.get(_word(value))
        if found is None:
            raise ValueError(f"{shown(raw)} is not allowed; use one of: {', '.join(enum_cls.values())}")
        return found

    return parse


def _word(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().lower())


def country(raw: Any) -> str:
    """A two-letter ISO 3166 country code, upper case."""
    value = cell_text(raw).upper()
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError(f"{shown(raw)} is not a two-letter country code such as DE or US")
    return value


def email(raw: Any) -> str:
    """An e-mail address (one, plausibly formed)."""
    value = cell_text(raw)
    if len(value) > 254 or not EMAIL.match(value):
        raise ValueError(f"{shown(raw)} is not an e-mail address")
    return value


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone(raw: Any) -> str:
    """An IANA time zone name such as Europe/Berlin."""
    value = cell_text(raw)
    if value not in _zones() and value != "UTC":
        raise ValueError(f"{shown(raw)} is not a time zone; use a name such as Europe/Berlin or UTC")
    return value
