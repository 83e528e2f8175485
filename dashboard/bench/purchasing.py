"""`bench-purchasing`: draft purchase orders for N suggestions on the bench database, timed, then rolled back."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.engine import Database
from dashboard.db.models import SkuMetrics
from dashboard.services.audit.trail import Actor
from dashboard.services.purchasing.drafts import DraftScope, create_drafts
from dashboard.services.replenishment.queries import ReplenishmentFilters


def time_drafting(database: Database, today: dt.date, suggestions: int, echo: Callable[[str], None]) -> float:
    """Seconds to draft POs for ``suggestions`` suggested pairs in one transaction (rolled back: nothing kept)."""
    with database.read_session() as session:
        ids = tuple(
            session.scalars(
                select(SkuMetrics.id)
                .where(SkuMetrics.suggested_order_qty > 0, SkuMetrics.supplier_id.is_not(None))
                .order_by(SkuMetrics.id)
                .limit(suggestions)
            )
        )
    echo(f"drafting {len(ids):,} suggestions…")
    with database.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        try:
            began = time.perf_counter()
            result = create_drafts(
                session, Actor("bench"), today, DraftScope(ReplenishmentFilters(condition="all"), ids)
            )
            seconds = time.perf_counter() - began
        finally:
            session.close()
            transaction.rollback()
    lines = sum(len(po.lines) for po in result.purchase_orders)
    echo(f"{len(result.purchase_orders):,} drafts, {lines:,} lines in {seconds:.2f} s (rolled back)")
    return seconds
