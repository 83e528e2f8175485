"""What a stock file says besides on hand: units owed without orders, and units in transit without a PO.

An inventory snapshot (a spreadsheet from a shop's ERP) carries totals where Backorder Desk keeps
detail: how many units customers wait for, how many are on their way. Neither comes with order
lines or purchase orders, so both live on the pair's ``stock_level`` and count in the stock
position (design §3) like the detail would:

- **Owed units.** A negative count is what the shop owes beyond its stock: on hand becomes 0 and
  the units are kept in ``owed_without_orders``. A ``units_on_backorder`` column says the same in
  its own words; both usually describe the same customers (a count goes negative because orders
  were taken against it), so the larger of the two is owed, never their sum. A stock row says how
  the pair stands now: without that column, a count that is not negative means nothing is owed
  without orders. Units that waiting order lines here stand for are owed already: leave them out.
- **Units in transit.** ``in_transit`` counts as on order, expected on ``in_transit_eta`` when the
  file gives one, else within the primary supplier's quoted lead time from the day of the import
  (:data:`~dashboard.domain.replenishment.DEFAULT_LEAD_TIME_DAYS` for a SKU without a supplier,
  as the reorder point assumes). The next snapshot replaces both, never adds to them; importing
  the same file again keeps the date it got the first time, so it changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.models import ProductSupplier, StockLevel
from dashboard.domain.replenishment import DEFAULT_LEAD_TIME_DAYS
from dashboard.services.imports.common import restricted

# The stock_level columns a planner reads to compare a row with.
SNAPSHOT_COLUMNS = (StockLevel.owed_without_orders, StockLevel.in_transit, StockLevel.in_transit_eta)


def lead_times(session: Session, products: Iterable[int]) -> dict[int, int | None]:
    """``{product id: quoted lead time of its primary supplier, days}`` for the products that have one."""
    wanted = set(products)
    query = select(ProductSupplier.product_id, ProductSupplier.quoted_lead_time_days).where(ProductSupplier.is_primary)
    found: dict[int, int | None] = {}
    for part in restricted(query, ProductSupplier.product_id, wanted):
        for product_id, days in session.execute(part):
            if product_id in wanted:
                found[product_id] = days
    return found


def snapshot_changes(values: dict[str, Any], current: Any, today: dt.date, lead_days: int | None) -> dict[str, Any]:
    """The owed and in-transit columns a parsed stock row sets (see the module's rules).

    Args:
        values: The parsed row (``on_hand`` as the file gives it, maybe negative).
        current: The pair's stock level as read (None for a new pair).
        today: The import's day, from which an in-transit date is reckoned.
        lead_days: The primary supplier's quoted lead time, or None.

    Raises:
        ValueError: A date for units in transit in a file that does not say how many.
    """
    count = values["on_hand"]
    changes: dict[str, Any] = {"owed_without_orders": max(-count, values.get("units_on_backorder") or 0, 0)}
    if "in_transit" not in values:
        if values.get("in_transit_eta") is not None:
            raise ValueError("a date for units in transit, but no in_transit column says how many")
        return changes
    units = values["in_transit"]
    eta = values.get("in_transit_eta") if units else None
    if units and eta is None:
        if current is not None and current.in_transit == units and current.in_transit_eta is not None:
            eta = current.in_transit_eta  # the same units as last time: the date they got then
        else:
            days = lead_days if lead_days is not None else DEFAULT_LEAD_TIME_DAYS
            eta = today + dt.timedelta(days=days)
    changes |= {"in_transit": units, "in_transit_eta": eta}
    return changes
