"""Queries behind /audit: every change with who, when, before, after and why, filtered and paged in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from dashboard.db.grid import GridColumn, GridPage, fetch_rows
from dashboard.db.models import AuditEvent

A = AuditEvent
ENTITY_TYPES = {
    "product": "SKU",
    "purchase_order": "Purchase order",
    "order_line": "Order line",
    "user": "User",
}


class FilterError(ValueError):
    """A filter value that is not allowed."""


@dataclass(frozen=True)
class AuditFilters:
    """Who, which kind of entity, and a date range (inclusive, UTC days)."""

    actor: str | None = None
    entity_type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> AuditFilters:
        """Validate raw values from the browser."""
        actor = raw.get("actor") or None
        if actor is not None and (not isinstance(actor, str) or len(actor) > 64):
            raise FilterError("user must be a username")
        entity = raw.get("entity_type") or None
        if entity is not None and entity not in ENTITY_TYPES:
            raise FilterError(f"entity must be one of {', '.join(ENTITY_TYPES)}")

        def day(name: str) -> dt.date | None:
            value = raw.get(name)
            if not value:
                return None
            try:
                return dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                raise FilterError(f"{name} must be a date (YYYY-MM-DD)") from None

        since, until = day("since"), day("until")
        if since and until and since > until:
            raise FilterError("the start date is after the end date")
        return cls(actor, entity, since, until)


GRID_COLUMNS: dict[str, GridColumn] = {
    c.key: c
    for c in (
        GridColumn("at", A.at, "date"),
        GridColumn("actor", A.actor, "text"),
        GridColumn("entity_type", A.entity_type, "text"),
        GridColumn("entity_id", A.entity_id, "text"),
        GridColumn("action", A.action, "text"),
        GridColumn("before", cast(A.before, String), "text", sortable=False),
        GridColumn("after", cast(A.after, String), "text", sortable=False),
        GridColumn("reason", A.reason, "text"),
    )
}
DEFAULT_SORT = [{"colId": "at", "sort": "desc"}]


def grid_rows(session: Session, filters: AuditFilters, request: Mapping[str, Any] | None) -> GridPage:
    """Newest first unless sorted otherwise."""
    stmt = select(
        A.id.label("id"),
        *[(cast(c.expr, String) if key == "at" else c.expr).label(key) for key, c in GRID_COLUMNS.items()],
    )
    if filters.actor:
        stmt = stmt.where(A.actor == filters.actor)
    if filters.entity_type:
        stmt = stmt.where(A.entity_type == filters.entity_type)
    if filters.since:
        stmt = stmt.where(A.at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until:
        stmt = stmt.where(A.at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC))
    request = dict(request or {})
    request["sortModel"] = request.get("sortModel") or DEFAULT_SORT
    return fetch_rows(session, stmt, GRID_COLUMNS, request, A.id)


def actors(session: Session) -> list[str]:
    """Everyone who has changed something."""
    return list(session.scalars(select(A.actor).distinct().order_by(A.actor)))
