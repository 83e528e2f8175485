"""What the shop did not tell us: how an unknown name, category, price or cost is shown, grouped and left out.

A product imported from a snapshot may carry nothing but its SKU. What it lacks is *unknown*
(NULL in the database), never a made-up ``0`` or "Uncategorised":

- shown as :data:`SHOWN` ("—") wherever a value would stand, and named by its SKU where a
  sentence needs a name (a notice, a refusal);
- grouped under :data:`NO_CATEGORY` where a category is part of a key that cannot hold NULL (the
  KPI counters, the replenishment summary: a NULL in a unique key would not deduplicate), and
  labelled :data:`UNKNOWN_CATEGORY` there;
- left out of every sum of prices or costs (inventory value, lost sales, suggested order value,
  open PO value): a sum that left a SKU out says how many it left out where it is shown.

Pure functions, no database.
"""

from __future__ import annotations

SHOWN = "—"
NO_CATEGORY = ""
UNKNOWN_CATEGORY = "Unknown"


def text(value: str | None) -> str:
    """``value``, or :data:`SHOWN` when it is unknown."""
    return SHOWN if value is None or value == "" else value


def money(value: float | None, decimals: int = 2) -> str:
    """``$1,234.50``, or ``—`` for an unknown price or cost (never ``$0.00``)."""
    return SHOWN if value is None else f"${value:,.{decimals}f}"


def product_title(name: str | None, sku: str) -> str:
    """What a sentence calls the product: its name, or its SKU when the name is unknown."""
    return name if name else sku


def category_key(category: str | None) -> str:
    """The category as a grouping key: an unknown one groups under :data:`NO_CATEGORY`."""
    return category if category else NO_CATEGORY


def category_label(key: str | None) -> str:
    """A category key as a breakdown shows it: :data:`UNKNOWN_CATEGORY` for an unknown one."""
    return key if key else UNKNOWN_CATEGORY


def left_out(count: int, what: str, why: str) -> str | None:
    """``"3 SKUs without a cost are left out"``-style note, or None when nothing was left out.

    Args:
        count: How many were left out.
        what: The singular noun ("SKU", "PO line").
        why: What they lack, after "without" ("a cost").
    """
    if not count:
        return None
    noun = what if count == 1 else f"{what}s"
    verb = "is" if count == 1 else "are"
    return f"{count:,} {noun} without {why} {verb} left out"
