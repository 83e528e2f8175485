"""One way to read a value that comes from outside: a callback payload, a query string, a CLI option, an API body.

Everything that arrives from a browser or a script is untrusted and may be forged: a string where a
dict was expected, a list, null, ``"²"`` (``"²".isdigit()`` is true, ``int("²")`` raises), a number
with thirty digits. Each parser here either returns a value of the promised type or raises
:class:`InputError` with a message a person can act on, so callers never meet a ``TypeError`` or
``AttributeError`` halfway through a request, and a refused request changes nothing.

:class:`RefusedError` is the base of every "no, because…" the services give (a stale version, a status
the policy forbids, a line that is no longer waiting): pages show its message, routes answer 400,
the command line prints it, and none of them log a traceback for it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

# Ids and quantities travel as JSON numbers or query strings; nothing legitimate exceeds this
# (PostgreSQL's integer), and refusing early keeps a 30-digit "number" out of every query.
MAX_INT = 2**31 - 1
# Dates people type or pick: anything outside is a typo or a forged value, not a plan.
MIN_YEAR, MAX_YEAR = 2000, 2100
_ASCII_INT = re.compile(r"[+-]?[0-9]+")

T = TypeVar("T")


class RefusedError(ValueError):
    """A request refused for a reason the person can act on; the message says it, and nothing changed."""


class InputError(RefusedError):
    """A value from outside that is missing, of the wrong type or out of range."""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def integer(value: object, name: str, *, minimum: int | None = None, maximum: int = MAX_INT) -> int:
    """An integer from a JSON number (an integral float included) or a string of ASCII digits."""
    kind = "positive whole number" if minimum == 1 else "whole number"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _ASCII_INT.fullmatch(value.strip()) and len(value.strip()) <= 12:
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be a {kind}, not {_show(value)}")
    if minimum is not None and value < minimum:
        raise InputError(
            f"{name} must be a {kind}, not {value}" if minimum == 1 else f"{name} must be at least {minimum}"
        )
    if value > maximum:
        limit = f"a positive whole number up to {maximum:,}" if minimum == 1 else f"at most {maximum:,}"
        raise InputError(f"{name} must be {limit}, not {_show(value)}")
    return value


def optional_integer(value: object, name: str, *, minimum: int | None = None, maximum: int = MAX_INT) -> int | None:
    """Like :func:`integer`, with None or an empty string meaning "not given"."""
    if value is None or value == "":
        return None
    return integer(value, name, minimum=minimum, maximum=maximum)


def record_id(value: object, name: str = "id") -> int:
    """A database id: a positive integer."""
    return integer(value, name, minimum=1)


def optional_id(value: object, name: str = "id") -> int | None:
    """A database id, or None when empty."""
    return optional_integer(value, name, minimum=1)


def text(value: object, name: str, *, max_length: int, required: bool = False) -> str | None:
    """Stripped text of at most ``max_length`` characters; empty becomes None unless ``required``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InputError(f"Write a {name}.")
        return None
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {_show(value)}")
    value = value.strip()
    if len(value) > max_length:
        raise InputError(f"{name} is too long (at most {max_length:,} characters)")
    return value


def secret(value: object, name: str, *, max_length: int = 1024) -> str:
    """A password as typed: never stripped or changed; None is empty."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{name} must be text")
    if len(value) > max_length:
        raise InputError(f"{name} is too long (at most {max_length:,} characters)")
    return value


def choice(value: object, name: str, allowed: Collection[str], *, optional: bool = False) -> str | None:
    """One of ``allowed`` (exact string match); None or empty is allowed only when ``optional``."""
    if optional and (value is None or value == ""):
        return None
    if not isinstance(value, str) or value not in allowed:
        listed = ", ".join(str(a) for a in allowed)
        raise InputError(f"{name} must be one of: {listed}; not {_show(value)}")
    return value


def day(value: object, name: str, *, optional: bool = False) -> dt.date | None:
    """A calendar date from ``YYYY-MM-DD`` (or a date), between the years 2000 and 2100."""
    if optional and (value is None or value == ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()[:10]) if value.isascii() else None
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise InputError(f"{name} must be a date written YYYY-MM-DD")
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InputError(f"{name} must fall between {MIN_YEAR} and {MAX_YEAR}, not {value:%Y-%m-%d}")
    return value


def mapping(value: object, name: str, *, optional: bool = True) -> Mapping[str, Any]:
    """A JSON object (a dict); None is an empty one when ``optional``."""
    if value is None and optional:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{name} must be an object, not {_show(value)}")
    return value


def items(value: object, name: str, *, optional: bool = True, max_items: int = 10_000) -> list[Any]:
    """A JSON array (a list); None is an empty one when ``optional``."""
    if value is None and optional:
        return []
    if not isinstance(value, list):
        raise InputError(f"{name} must be a list, not {_show(value)}")
    if len(value) > max_items:
        raise InputError(f"{name} has too many entries (at most {max_items:,})")
    return value


def grid_row_id(cell: object, name: str = "row") -> int:
    """The numeric row id of an AG Grid ``cellClicked`` payload (``{"rowId": "123", …}``)."""
    return record_id(mapping(cell, f"the clicked {name}", optional=False).get("rowId"), f"the clicked {name}'s id")


def grid_row_key(cell: object, name: str = "row", *, max_length: int = 64) -> str:
    """The text row id of an AG Grid ``cellClicked`` payload (a PO number, a SKU)."""
    raw = mapping(cell, f"the clicked {name}", optional=False).get("rowId")
    return text(raw, f"the clicked {name}'s id", max_length=max_length, required=True)
