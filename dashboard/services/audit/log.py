"""Queries behind /audit: every change with who, when, before, after and why, filtered and paged in SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from dashboard.db.grid import GridColumn, GridPage, fetch_rows, with_default_sort
from dashboard.db.models import AuditEvent
from dashboard.domain import inputs
from dashboard.domain.inputs import InputError

A = AuditEvent
ENTITY_TYPES = {
    "product": "SKU",
    "purchase_order": "Purchase order",
    "order_line": "Order line",
    "user": "User",
}


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
            raise InputError("user must be a username")
        entity = raw.get("entity_type") or None
        if entity is not None and entity not in ENTITY_TYPES:
            raise InputError(f"entity must be one of {', '.join(ENTITY_TYPES)}")

        since = inputs.day(raw.get("since"), "since", optional=True)
        until = inputs.day(raw.get("until"), "until", optional=True)
        if since and until and since > until:
            raise InputError("the start date is after the end date")
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
    return fetch_rows(session, stmt, GRID_COLUMNS, with_default_sort(request, DEFAULT_SORT), A.id)


def actors(session: Session) -> list[str]:
    """Everyone who has changed something."""
    return list(session.scalars(select(A.actor).distinct().order_by(A.actor)))
