"""The supplier confirms a sent purchase order through a signed, expiring link (issue 21 item 4).

The link carries the PO number and its version when sent, signed with a secret this database
keeps (``app_setting``), so the command line and every web worker make and check the same links.
A tampered link fails the signature, an old one the age check, and a used one the version: the
first answer moves the PO on, and the same link then finds a newer version and changes nothing.

Confirming the date the PO was sent with (or an earlier one) confirms the ETA; a later date is an
ETA revision with cause ``supplier_delay`` and the same cascade to waiting customers as a
manager's revision, audited as the supplier's.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import AppSetting, POLine, Product, PurchaseOrder, Supplier, Warehouse
from dashboard.domain import inputs
from dashboard.domain.codes import CauseCode, POStatus
from dashboard.domain.inputs import InputError, RefusedError
from dashboard.services.audit.trail import Actor, record
from dashboard.services.inbound import eta as eta_service
from dashboard.services.kpis import events as kpi_events

SECRET_KEY = "supplier_link_secret"
SALT = "purchase-order-confirmation"
LINK_DAYS = 30
MAX_NOTE = 500


class LinkError(RefusedError):
    """The link cannot be used (tampered, expired, already answered); nothing changed."""


@dataclass(frozen=True)
class LinkedPO:
    """What the supplier's page shows: one PO, its lines and the date it was sent with."""

    number: str
    version: int
    supplier: str
    warehouse: str
    eta: dt.date
    status: POStatus
    lines: list[tuple[str, str, int]]  # sku, product name, units


@dataclass(frozen=True)
class Confirmation:
    """What the supplier's answer did."""

    number: str
    eta: dt.date
    revised: bool
    customers_told: int


def _serializer(session: Session) -> URLSafeTimedSerializer:
    setting = session.scalar(select(AppSetting).where(AppSetting.key == SECRET_KEY))
    if setting is None:
        setting = AppSetting(key=SECRET_KEY, value={"secret": secrets.token_hex(32)})
        session.add(setting)
        session.flush()
    return URLSafeTimedSerializer(setting.value["secret"], salt=SALT)


def make_token(session: Session, number: str, version: int) -> str:
    """A signed token for PO ``number`` at ``version`` (valid :data:`LINK_DAYS` days)."""
    return _serializer(session).dumps({"po": number, "v": version})


def read_token(session: Session, token: object, max_age: int = LINK_DAYS * 86_400) -> tuple[str, int]:
    """The PO number and version a token names; refuses a tampered, malformed or expired one."""
    if not isinstance(token, str) or len(token) > 500:
        raise LinkError("This link is not valid.")
    try:
        payload = _serializer(session).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError(f"This link has expired (links last {LINK_DAYS} days); ask the buyer for a new one.") from None
    except BadSignature:
        raise LinkError("This link is not valid.") from None
    if not (isinstance(payload, dict) and isinstance(payload.get("po"), str) and isinstance(payload.get("v"), int)):
        raise LinkError("This link is not valid.")
    return payload["po"], payload["v"]


def _current(session: Session, number: str, version: int, *, lock: bool = False) -> PurchaseOrder:
    stmt = select(PurchaseOrder).where(PurchaseOrder.number == number)
    po = session.scalar(stmt.with_for_update() if lock else stmt)
    if po is None:
        raise LinkError("This link is not valid.")
    if po.version != version or po.status != POStatus.SENT:
        raise LinkError(
            f"Purchase order {po.number} was already answered or has changed since this link was sent; "
            "nothing was changed. Contact the buyer if something is wrong."
        )
    return po


def linked_po(session: Session, token: object) -> LinkedPO:
    """The PO a valid, unused link names, with what the supplier needs to see (and nothing else)."""
    number, version = read_token(session, token)
    po = _current(session, number, version)
    lines = session.execute(
        select(Product.sku, Product.name, POLine.qty)
        .join(Product, Product.id == POLine.product_id)
        .where(POLine.po_id == po.id)
        .order_by(Product.sku)
    ).all()
    return LinkedPO(
        po.number,
        po.version,
        session.get(Supplier, po.supplier_id).name,
        session.get(Warehouse, po.warehouse_id).name,
        po.eta,
        po.status,
        [(sku, name or sku, int(qty)) for sku, name, qty in lines],
    )


def confirm(
    session: Session, token: object, day: object, note: object, today: dt.date, handling_days: int
) -> Confirmation:
    """Record the supplier's answer in the caller's transaction: the date confirmed, or a later one."""
    number, version = read_token(session, token)
    try:
        when = inputs.day(day, "the delivery date")
    except InputError as error:
        raise LinkError(f"{error}; use the date field.") from None
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise LinkError(f"The note must be text of at most {MAX_NOTE} characters.")
    if when < today:
        raise LinkError("The delivery date cannot be in the past.")
    po = _current(session, number, version, lock=True)
    supplier = session.get(Supplier, po.supplier_id)
    actor = Actor(f"supplier {supplier.code}")
    told = 0
    revised = when > po.eta
    if when != po.eta:
        # A later date moves waiting customers' promises as a manager's revision would; an earlier
        # one only brings the arrival forward.
        request = eta_service.EtaRequest.parse(
            po.number,
            when.isoformat(),
            True,
            (CauseCode.SUPPLIER_DELAY if revised else CauseCode.OTHER).value,
            (note or "").strip() or f"Date given by {supplier.name} on the confirmation link",
            po.version,
        )
        impact = eta_service.revise_eta(session, actor, request, today, handling_days)
        told = impact.customers
    before = {"status": po.status.value, "eta_confirmed": po.eta_confirmed}
    po.status = POStatus.CONFIRMED
    po.eta_confirmed = True
    po.confirmed_at = utcnow()
    po.confirmed_eta = when
    session.flush()
    kpi_events.po_confirmed(session, po)
    record(
        session,
        actor,
        "purchase_order",
        po.number,
        "confirm",
        before,
        {"status": POStatus.CONFIRMED.value, "eta": po.eta.isoformat(), "eta_confirmed": True},
        (note or "").strip() or None,
    )
    return Confirmation(po.number, po.eta, revised, told)
