"""Queries behind /audit: every change with who, when, before, after and why, filtered and paged in SQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, select
from sqlalchemy.orm import Session

from dashboard.db.grid import GridColumn, GridPage, fetch_rows, with_default_sort
from dashboard.db.models import AuditEvent
from dashboard.domain import dates, inputs
from dashboard.domain.codes import CauseCode, POStatus, SalesStatus
from dashboard.domain.inputs import InputError

A = AuditEvent
ENTITY_TYPES = {
    "product": "SKU",
    "purchase_order": "Purchase order",
    "order_line": "Order line",
    "user": "User",
    "notification": "Notice",
    "import": "Import",
    "import_mapping": "Import mapping",
}
# What the log shows for each action the services record (an action not listed shows as recorded).
ACTIONS = {
    "set_status": "Sales status set",
    "draft": "Drafted",
    "edit": "Draft edited",
    "send": "Sent to the supplier",
    "confirm": "Confirmed by the supplier",
    "cancel": "Cancelled",
    "revise_eta": "ETA revised",
    "receive": "Goods received",
    "revise_promise": "Promise revised",
    "ship": "Shipped",
    "log_contact": "Contact logged",
    "customer_accepts_date": "Customer accepts the new date",
    "customer_cancels": "Customer cancels",
    "cancel_discontinued": "Cancelled (discontinued)",
    "pin_priority": "Priority pinned",
    "resend": "Notice resent",
    "save_mapping": "Mapping saved",
    "delete_mapping": "Mapping deleted",
    "create_user": "User created",
    "set_role": "Role changed",
    "deactivate": "Deactivated",
    "activate": "Activated",
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
        # Words, not codes, sorted and filtered in SQL as shown.
        GridColumn("entity_type", case(ENTITY_TYPES, value=A.entity_type, else_=A.entity_type), "text"),
        GridColumn("entity_id", A.entity_id, "text"),
        GridColumn("action", case(ACTIONS, value=A.action, else_=A.action), "text"),
        GridColumn("before", cast(A.before, String), "text", sortable=False),
        GridColumn("after", cast(A.after, String), "text", sortable=False),
        GridColumn("reason", A.reason, "text"),
    )
}
DEFAULT_SORT = [{"colId": "at", "sort": "desc"}]


# Coded values inside before/after shown by their labels ("supplier_delay" → "Supplier delay").
_LABELS = {code.value: code.label for kind in (CauseCode, POStatus, SalesStatus) for code in kind}


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + describe(value) + "}"
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "—"}[value]
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return dates.day(dt.date.fromisoformat(value))  # "2026-12-08" reads as every date does: "8 Dec 2026"
    return _LABELS.get(value, str(value)) if isinstance(value, str) else str(value)


def describe(change: Any) -> str:
    """A before/after JSON object in words: "status: Cancelled, repromised: 2"."""
    if isinstance(change, str):
        try:
            change = json.loads(change)
        except ValueError:
            return change
    if not isinstance(change, dict):
        return "" if change is None else _value(change)
    return ", ".join(f"{key.replace('_', ' ')}: {_value(value)}" for key, value in change.items())


def grid_rows(session: Session, filters: AuditFilters, request: Mapping[str, Any] | None) -> GridPage:
    """Newest first unless sorted otherwise; before and after in words."""
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
    page = fetch_rows(session, stmt, GRID_COLUMNS, with_default_sort(request, DEFAULT_SORT), A.id)
    for row in page.rows:
        row["before"], row["after"] = describe(row["before"]), describe(row["after"])
    return page


def actors(session: Session) -> list[str]:
    """Everyone who has changed something."""
    return list(session.scalars(select(A.actor).distinct().order_by(A.actor)))
