"""What the shop's storefront may say about each SKU, API tokens, and notify-me subscriptions.

The feed reads ``status_advice`` (kept current with every status change, ETA revision and
receipt) and phrases each SKU the way the field article asks: ships now, ships later with a
specific window, or out of stock with notify-me — never "coming soon".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.db.base import utcnow
from dashboard.db.models import ApiToken, Product, RestockSubscription, StatusAdvice
from dashboard.domain.codes import SalesStatus, SubscriptionStatus
from dashboard.domain.inputs import RefusedError
from dashboard.services.kpis import events as kpi_events

TOKEN_BYTES = 32
EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$"
)
FEED_COLUMNS = (
    "sku",
    "name",
    "sales_status",
    "available",
    "backorderable",
    "ship_days_min",
    "ship_days_max",
    "message",
)


class StorefrontError(RefusedError):
    """A request the API refuses; the message says why."""


def _hash(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: nobody can guess one to test against it.
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str) -> str:
    """A new token for ``name``; the plain token is returned once and only its hash is kept."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise StorefrontError("a token needs a name of 1 to 100 characters")
    active = select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
    if session.scalar(active) is not None:
        raise StorefrontError(f"a token named {name!r} already exists; revoke it first")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ApiToken(name=name, token_hash=_hash(token)))
    return token


def revoke_token(session: Session, name: str) -> int:
    """Revoke every active token of that name; returns how many."""
    tokens = session.scalars(select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
    if not tokens:
        raise StorefrontError(f"no active token named {name!r}")
    return len(tokens)


def token_is_valid(session: Session, token: str | None) -> bool:
    """Whether ``token`` is a known, unrevoked token."""
    if not token or len(token) > 200:
        return False
    found = select(ApiToken.id).where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
    return session.scalar(found) is not None


@dataclass(frozen=True)
class Availability:
    """One SKU as the storefront shows it."""

    sku: str
    name: str
    sales_status: str
    available: int
    backorderable: int
    ship_days_min: int | None
    ship_days_max: int | None
    message: str


def message_for(status: SalesStatus, days: tuple[int, int] | None) -> str:
    """The customer-facing sentence for a status and ship window (days from today)."""
    if status is SalesStatus.IN_STOCK:
        return f"In stock. Ships in {days[1]} days." if days else "In stock."
    if status is SalesStatus.BACKORDER and days:
        low, high = days
        span = f"{low} days" if low == high else f"{low}–{high} days"
        return f"Temporarily out of stock. Available for backorder. Estimated shipping: {span}."
    if status is SalesStatus.DISCONTINUED:
        return "No longer available."
    return "Out of stock. Notify me when available."


def availability(session: Session, today: dt.date, handling_days: int) -> list[Availability]:
    """Every SKU's status, stock, backorder cap, window and message, by SKU."""
    rows = session.execute(
        select(
            Product.sku,
            Product.name,
            Product.sales_status,
            func.coalesce(StatusAdvice.available, 0),
            func.coalesce(StatusAdvice.backorderable, 0),
            StatusAdvice.window_start,
            StatusAdvice.window_end,
        )
        .outerjoin(StatusAdvice, StatusAdvice.id == Product.id)
        .order_by(Product.sku)
    ).all()
    feed = []
    for sku, name, status, available, cap, start, end in rows:
        days: tuple[int, int] | None = None
        if status is SalesStatus.IN_STOCK:
            days = (handling_days, handling_days)
        elif status is SalesStatus.BACKORDER and start and end:
            days = (max((start - today).days, 0), max((end - today).days, 0))
        backorderable = int(cap) if status is SalesStatus.BACKORDER else 0
        # A backorder without a known window is not offered: the storefront must not promise blind.
        shown = status if status is not SalesStatus.BACKORDER or days else SalesStatus.OUT_OF_STOCK
        feed.append(
            Availability(
                sku,
                name,
                status.value,
                int(available),
                backorderable if days else 0,
                days[0] if days else None,
                days[1] if days else None,
                message_for(shown, days),
            )
        )
    return feed


def subscribe(session: Session, sku: object, email: object) -> tuple[RestockSubscription, bool]:
    """A notify-me subscription for ``email`` on ``sku``; returns it and whether it is new."""
    if not isinstance(sku, str) or not sku.strip():
        raise StorefrontError("sku is required")
    if not isinstance(email, str) or len(email) > 254 or not EMAIL.fullmatch(email.strip()):
        raise StorefrontError("email must be a valid e-mail address")
    product = session.scalar(select(Product).where(Product.sku == sku.strip()))
    if product is None:
        raise StorefrontError(f"unknown sku {sku[:64]!r}")
    if product.sales_status is SalesStatus.DISCONTINUED:
        raise StorefrontError(f"{product.sku} is discontinued and will not come back")
    address = email.strip().lower()
    existing = session.scalar(
        select(RestockSubscription).where(
            RestockSubscription.product_id == product.id,
            func.lower(RestockSubscription.email) == address,
            RestockSubscription.status == SubscriptionStatus.ACTIVE,
        )
    )
    if existing is not None:
        return existing, False
    subscription = RestockSubscription(product_id=product.id, email=address, status=SubscriptionStatus.ACTIVE)
    session.add(subscription)
    session.flush()
    kpi_events.subscribed(session, product, subscription.created_at)
    return subscription, True
