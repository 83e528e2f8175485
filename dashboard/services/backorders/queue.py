"""Queries behind /backorders: filters, the triage grid, the aging chart, cards, export and one line's history.

Everything reads ``backorder_triage`` (one narrow row per waiting line). "Today" enters every
query as a bound day number, so ages, days past promise and the severity score are always
today's, whenever the table was last rebuilt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session

from dashboard.db.grid import GridColumn, GridPage, fetch_rows, iter_filtered_rows, with_default_sort
from dashboard.db.models import (
    BackorderTriage,
    ContactLog,
    Notification,
    NotificationLine,
    OrderLine,
    PromiseRevision,
    User,
    Warehouse,
)
from dashboard.domain import days, inputs
from dashboard.domain.codes import AGING_BUCKETS, Channel, PromiseState
from dashboard.domain.inputs import InputError
from dashboard.services.derived import triage

B = BackorderTriage
BUCKET_KEYS = tuple(b.key for b in AGING_BUCKETS)
MAX_TEXT = 80


@dataclass(frozen=True)
class BackorderFilters:
    """The page's filters, validated: a forged payload cannot smuggle anything else in."""

    warehouse_id: int | None = None
    channel: Channel | None = None
    customer: str | None = None
    sku: str | None = None
    bucket: str | None = None
    state: str | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> BackorderFilters:
        """Validate raw values from the browser or a query string."""
        warehouse_id = inputs.optional_id(raw.get("warehouse_id"), "warehouse")
        channel = raw.get("channel") or None
        if channel is not None:
            if not isinstance(channel, str) or channel not in Channel.values():
                raise InputError(f"channel must be one of: {', '.join(Channel.values())}")
            channel = Channel(channel)
        texts = {}
        for name in ("customer", "sku"):
            value = raw.get(name) or None
            if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
                raise InputError(f"{name} must be a text of at most {MAX_TEXT} characters")
            texts[name] = (value.strip() or None) if value else None
        bucket = raw.get("bucket") or None
        if bucket is not None and bucket not in BUCKET_KEYS:
            raise InputError(f"age bucket must be one of: {', '.join(BUCKET_KEYS)}")
        state = raw.get("state") or None
        if state is not None and state not in PromiseState.values():
            raise InputError(f"promise state must be one of: {', '.join(PromiseState.values())}")
        return cls(warehouse_id, channel, texts["customer"], texts["sku"], bucket, state)

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (for the export link)."""
        values = {
            "warehouse_id": self.warehouse_id,
            "channel": self.channel.value if self.channel else None,
            "customer": self.customer,
            "sku": self.sku,
            "bucket": self.bucket,
            "state": self.state,
        }
        return {key: str(value) for key, value in values.items() if value is not None}


def _capped(expr: ColumnElement, cap: int) -> ColumnElement:
    """``expr`` clipped to [0, cap] with CASE (portable where GREATEST/LEAST or max(a, b) are not)."""
    return case((expr > cap, cap), (expr > 0, expr), else_=0)


@dataclass(frozen=True)
class Today:
    """SQL expressions that depend on today's date, bound once per request."""

    day: dt.date

    @property
    def number(self) -> ColumnElement[int]:
        """Today as a bound day number."""
        return literal(days.day_number(self.day), Integer)

    @property
    def age(self) -> ColumnElement[int]:
        """Days since the line went on backorder."""
        return self.number - B.backordered_day

    @property
    def days_to_promise(self) -> ColumnElement[int]:
        """Days until the promised date; negative when past it."""
        return B.promised_day - self.number

    @property
    def state(self) -> ColumnElement[str]:
        """past_promise / at_risk / on_track."""
        return case((B.promised_day < self.number, "past_promise"), (B.at_risk, "at_risk"), else_="on_track")

    @property
    def severity(self) -> ColumnElement[float]:
        """The score of :func:`dashboard.services.triage.severity`, computed in SQL."""
        past = _capped(self.number - B.promised_day, triage.MAX_DAYS_PAST_PROMISE)
        quiet = _capped(self.number - B.quiet_since_day, triage.MAX_QUIET_DAYS)
        return B.base_score + triage.POINTS_PER_DAY_PAST_PROMISE * past + triage.POINTS_PER_QUIET_DAY * quiet

    def bucket(self) -> ColumnElement[str]:
        """The aging bucket key of each line."""
        whens = [(self.age <= b.high, b.key) for b in AGING_BUCKETS if b.high is not None]
        return case(*whens, else_=AGING_BUCKETS[-1].key)

    def in_bucket(self, key: str) -> ColumnElement[bool]:
        """Lines aged within bucket ``key`` (a range on the indexed backordered_day)."""
        _key, _label, low, high = next(b for b in AGING_BUCKETS if b.key == key)
        today = days.day_number(self.day)
        newest = B.backordered_day <= today - low
        return newest if high is None else and_(newest, B.backordered_day >= today - high)


def _where(filters: BackorderFilters, today: Today) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.warehouse_id:
        where.append(B.warehouse_id == filters.warehouse_id)
    if filters.channel:
        where.append(B.channel == filters.channel.value)
    if filters.customer:
        where.append(func.lower(B.customer_name).contains(filters.customer.lower(), autoescape=True))
    if filters.sku:
        where.append(func.lower(B.sku).contains(filters.sku.lower(), autoescape=True))
    if filters.bucket:
        where.append(today.in_bucket(filters.bucket))
    if filters.state == "past_promise":
        where.append(B.promised_day < today.number)
    elif filters.state == "at_risk":
        where.append(and_(B.promised_day >= today.number, B.at_risk))
    elif filters.state == "on_track":
        where.append(and_(B.promised_day >= today.number, or_(B.at_risk.is_(False), B.at_risk.is_(None))))
    return where


STATE_LABEL = {state.value: state.label for state in PromiseState}
CHANNEL_LABEL = {c.value: c.label for c in Channel}


def grid_columns(today: dt.date) -> dict[str, GridColumn]:
    """The triage grid's columns (allow-list); some depend on today."""
    t = Today(today)
    return {
        column.key: column
        for column in (
            GridColumn("severity", t.severity, "number"),
            GridColumn("state", case(STATE_LABEL, value=t.state), "text"),
            GridColumn("age_days", t.age, "number"),
            GridColumn("days_to_promise", t.days_to_promise, "number"),
            GridColumn("sku", B.sku, "text"),
            GridColumn("product_name", B.product_name, "text"),
            GridColumn("warehouse", B.warehouse_code, "text"),
            GridColumn("order_number", B.order_number, "text"),
            GridColumn("customer", B.customer_name, "text"),
            GridColumn("vip", B.vip, "bool", filterable=False),
            GridColumn("channel", case(CHANNEL_LABEL, value=B.channel, else_=B.channel), "text"),
            GridColumn("qty_waiting", B.qty_waiting, "number"),
            GridColumn("value", B.value, "number"),
            GridColumn("backordered_on", B.backordered_on, "date"),
            GridColumn("original_promised_date", B.original_promised_date, "date"),
            GridColumn("promised_date", B.promised_date, "date"),
            GridColumn("revisions", B.revisions, "number"),
            GridColumn("ship_p50", B.ship_p50, "date"),
            GridColumn("ship_p80", B.ship_p80, "date"),
            GridColumn("covering_po", B.covering_po_number, "text"),
            GridColumn("queue_position", B.queue_position, "number"),
            GridColumn("last_notice_at", B.last_notice_at, "date"),
            GridColumn("last_notice_kind", B.last_notice_kind, "text"),
            GridColumn("last_contact_at", B.last_contact_at, "date"),
            GridColumn("last_contact_outcome", B.last_contact_outcome, "text"),
        )
    }


# Dates leave the database as ISO text: the grid wants strings.
AS_TEXT = {
    "backordered_on",
    "original_promised_date",
    "promised_date",
    "ship_p50",
    "ship_p80",
    "last_notice_at",
    "last_contact_at",
}
DEFAULT_SORT = [{"colId": "severity", "sort": "desc"}]
TIEBREAK = B.id


def grid_base(filters: BackorderFilters, today: dt.date) -> tuple[Select, dict[str, GridColumn]]:
    """Every grid column (labelled by its colId) for the filtered lines, and the allow-list."""
    columns = grid_columns(today)
    selected = [
        (cast(column.expr, String) if key in AS_TEXT else column.expr).label(key) for key, column in columns.items()
    ]
    stmt = (
        select(
            B.id.label("line_id"),
            *selected,
            B.queue_length.label("queue_length"),
            B.covered_by.label("covered_by"),
            B.at_risk.label("at_risk"),
            Today(today).state.label("state_key"),
        )
        .select_from(B)
        .where(*_where(filters, Today(today)))
    )
    return stmt, columns


def grid_rows(
    session: Session, filters: BackorderFilters, request: Mapping[str, Any] | None, today: dt.date
) -> GridPage:
    """One window of the triage queue, most severe first unless the user sorts otherwise."""
    stmt, columns = grid_base(filters, today)
    return fetch_rows(session, stmt, columns, with_default_sort(request, DEFAULT_SORT), TIEBREAK)


def export_rows(
    session: Session, filters: BackorderFilters, filter_model: Any, sort_model: Any, today: dt.date
) -> Iterator[dict[str, Any]]:
    """Exactly the rows the grid shows, unpaged, in the grid's order."""
    stmt, columns = grid_base(filters, today)
    return iter_filtered_rows(session, stmt, columns, filter_model, sort_model or DEFAULT_SORT, TIEBREAK)


@dataclass(frozen=True)
class TriageSummary:
    """Card numbers for the current filters."""

    lines: int
    units: int
    value: float
    past_promise: int
    at_risk: int
    uncovered: int
    quiet_week: int


# A line nobody has contacted for longer than this counts on the "not contacted" card.
QUIET_DAYS = 7
Cells = dict[tuple[str, str], tuple[int, float]]


def overview_statement(filters: BackorderFilters, today: dt.date) -> Select:
    """Per (aging bucket, promise state): lines and value for the chart, plus the sums behind the cards.

    One pass over the filtered lines serves both the chart and the cards.
    """
    t = Today(today)
    bucket, state = t.bucket().label("bucket"), t.state.label("state")

    def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (
        select(
            bucket,
            state,
            func.count().label("lines"),
            func.coalesce(func.sum(B.value), 0).label("value"),
            func.coalesce(func.sum(B.qty_waiting), 0).label("units"),
            count_if(B.covered_by == "none").label("uncovered"),
            count_if(t.number - B.quiet_since_day > QUIET_DAYS).label("quiet"),
        )
        .where(*_where(filters, t))
        .group_by(bucket, state)
    )


def overview(session: Session, filters: BackorderFilters, today: dt.date) -> tuple[TriageSummary, Cells]:
    """Card numbers and ``{(bucket, state): (lines, value)}`` for the aging chart."""
    rows = session.connection().execute(overview_statement(filters, today)).all()
    cells = {(r.bucket, r.state): (int(r.lines), float(r.value)) for r in rows}

    def total(attribute: str, state: str | None = None) -> int:
        return sum(int(getattr(r, attribute)) for r in rows if state is None or r.state == state)

    summary = TriageSummary(
        lines=total("lines"),
        units=total("units"),
        value=round(sum(float(r.value) for r in rows), 2),
        past_promise=total("lines", "past_promise"),
        at_risk=total("lines", "at_risk"),
        uncovered=total("uncovered"),
        quiet_week=total("quiet"),
    )
    return summary, cells


def filter_options(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Dropdown choices."""
    warehouses = session.execute(select(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code))
    return {
        "warehouse": [{"label": f"{code} · {name}", "value": wid} for wid, code, name in warehouses],
        "channel": [{"label": c.label, "value": c.value} for c in Channel],
        "bucket": [{"label": b.label, "value": b.key} for b in AGING_BUCKETS],
        "state": [{"label": s.label, "value": s.value} for s in PromiseState],
    }


@dataclass(frozen=True)
class LineDetail:
    """One waiting line for the side panel: where it stands and everything that happened to it."""

    line: dict[str, Any]
    version: int
    status: str
    priority_pin: int | None
    promises: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    contacts: list[dict[str, Any]]


def line_detail(session: Session, line_id: int) -> LineDetail | None:
    """The triage row plus its promise revisions, notices and contacts (newest first); None if not waiting."""
    row = session.execute(select(B).where(B.id == line_id)).scalar_one_or_none()
    order_line = session.get(OrderLine, line_id)
    if row is None or order_line is None:
        return None
    line = {column.key: getattr(row, column.key) for column in B.__table__.columns}
    promises = session.execute(
        select(PromiseRevision.at, PromiseRevision.old_date, PromiseRevision.new_date, PromiseRevision.cause)
        .where(PromiseRevision.order_line_id == line_id)
        .order_by(PromiseRevision.at.desc(), PromiseRevision.id.desc())
    ).mappings()
    notices = session.execute(
        select(Notification.created_at, Notification.kind, Notification.subject, Notification.status)
        .join(NotificationLine, NotificationLine.notification_id == Notification.id)
        .where(NotificationLine.order_line_id == line_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    ).mappings()
    contacts = session.execute(
        select(ContactLog.at, ContactLog.channel, ContactLog.outcome, ContactLog.note, User.username)
        .outerjoin(User, User.id == ContactLog.user_id)
        .where(ContactLog.order_line_id == line_id)
        .order_by(ContactLog.at.desc(), ContactLog.id.desc())
    ).mappings()
    return LineDetail(
        line,
        order_line.version,
        str(order_line.status),
        order_line.priority_pin,
        [dict(p) for p in promises],
        [dict(n) for n in notices],
        [dict(c) for c in contacts],
    )
