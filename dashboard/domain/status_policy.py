"""The sales-status policy of design §4: what a SKU should tell customers, and why.

- ``discontinued`` only by a person (and only a person brings it back);
- available stock → ``in_stock``;
- otherwise a confirmed inbound PO whose P80 date is within the SKU's maximum backorder wait
  (default 21 days), for a product that is not a commodity → ``backorder``, with backorders
  capped at the confirmed inbound quantity not yet promised to waiting customers;
- otherwise → ``out_of_stock`` with notify-me.

Pure functions: plain values in, a recommendation (status + a sentence saying why) out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from dashboard.domain import dates
from dashboard.domain.codes import SalesStatus, Substitutability
from dashboard.domain.inputs import RefusedError

DEFAULT_MAX_BACKORDER_DAYS = 21


@dataclass(frozen=True)
class Inbound:
    """Open supply for the SKU: one PO's open quantity, whether its ETA is confirmed, and its P80 ship date."""

    po_number: str
    qty: int
    confirmed: bool
    eta: dt.date
    p80: dt.date


@dataclass(frozen=True)
class Recommendation:
    """The status the policy recommends, the reason in words, and the backorder cap (units)."""

    status: SalesStatus
    reason: str
    backorderable: int = 0
    window: tuple[dt.date, dt.date] | None = None


def promise_without_supply(backordered_on: dt.date, max_wait_days: int | None = None) -> dt.date:
    """The ship date promised for a backorder that no stock or purchase order covers yet.

    The policy lets a customer wait at most the SKU's maximum backorder wait (default 21 days), so a
    backorder taken with nothing inbound is promised the last day of that wait. An old one is then
    already past its promise, which is what it is: the shop has kept the customer waiting longer
    than its own policy allows, and the triage queue says so.
    """
    return backordered_on + dt.timedelta(days=max_wait_days or DEFAULT_MAX_BACKORDER_DAYS)


def backorder_cap(confirmed_inbound: int, promised: int) -> int:
    """Units still open to new backorders: confirmed inbound not yet promised to waiting lines (never < 0)."""
    return max(confirmed_inbound - promised, 0)


def qualifying(inbound: Sequence[Inbound], today: dt.date, max_wait_days: int) -> list[Inbound]:
    """Confirmed POs whose P80 ship date is within the maximum backorder wait, earliest first."""
    limit = today + dt.timedelta(days=max_wait_days)
    return sorted((i for i in inbound if i.confirmed and i.p80 <= limit), key=lambda i: (i.p80, i.po_number))


def recommend(
    current: SalesStatus,
    available: int,
    inbound: Sequence[Inbound],
    substitutability: Substitutability,
    waiting_units: int,
    today: dt.date,
    max_wait_days: int | None = None,
) -> Recommendation:
    """The recommended status and why, per design §4."""
    wait = max_wait_days or DEFAULT_MAX_BACKORDER_DAYS
    if current is SalesStatus.DISCONTINUED:
        return Recommendation(SalesStatus.DISCONTINUED, "Discontinued by a person; only a person brings it back.")
    if available > 0:
        return Recommendation(SalesStatus.IN_STOCK, f"{available:,} units available to sell now.")
    if substitutability is Substitutability.COMMODITY:
        return Recommendation(
            SalesStatus.OUT_OF_STOCK, "A commodity: customers buy elsewhere rather than wait, so offer notify-me."
        )
    good = qualifying(inbound, today, wait)
    if not good:
        unconfirmed = [i for i in inbound if not i.confirmed]
        confirmed_late = [i for i in inbound if i.confirmed]
        if confirmed_late:
            first = min(confirmed_late, key=lambda i: i.p80)
            ships = dates.day(first.p80)
            why = f"the earliest confirmed PO ({first.po_number}) ships by {ships}, past the {wait}-day limit"
        elif unconfirmed:
            why = f"{len(unconfirmed)} open PO(s) but no confirmed ETA"
        else:
            why = "no open purchase order"
        return Recommendation(SalesStatus.OUT_OF_STOCK, f"Nothing available and {why}.")
    cap = backorder_cap(sum(i.qty for i in good), waiting_units)
    first = good[0]
    if cap <= 0:
        return Recommendation(
            SalesStatus.OUT_OF_STOCK,
            f"Confirmed inbound ({sum(i.qty for i in good):,} units) is already promised to waiting customers.",
        )
    days = (first.p80 - today).days
    return Recommendation(
        SalesStatus.BACKORDER,
        f"Confirmed PO {first.po_number} ships by {dates.day(first.p80)} ({days} days); "
        f"{cap:,} units not yet promised.",
        backorderable=cap,
        window=(first.eta, first.p80),
    )


class StatusRefusedError(RefusedError):
    """A status change the policy refuses; the message says why."""


def check_change(
    current: SalesStatus,
    new: SalesStatus,
    recommendation: Recommendation,
    override_reason: str | None,
) -> None:
    """Refuse what the policy forbids: backorder without a confirmed ETA (unless overridden with a reason)."""
    if new is current:
        raise StatusRefusedError(f"The SKU is already {new.label.lower()}.")
    if new is SalesStatus.BACKORDER and recommendation.status is not SalesStatus.BACKORDER and not override_reason:
        raise StatusRefusedError(
            "Backorder needs a confirmed ETA within the maximum wait and unpromised inbound units: "
            f"{recommendation.reason} Write an override reason to do it anyway."
        )


def mismatch(current: SalesStatus, recommendation: Recommendation) -> str | None:
    """Why the current status disagrees with the recommendation (None when they agree)."""
    if current is recommendation.status:
        return None
    if current is SalesStatus.BACKORDER:
        return f"On backorder, but the policy says {recommendation.status.label.lower()}: {recommendation.reason}"
    if current is SalesStatus.OUT_OF_STOCK and recommendation.status is SalesStatus.BACKORDER:
        return f"Out of stock though backorders could be taken: {recommendation.reason}"
    if current is SalesStatus.OUT_OF_STOCK and recommendation.status is SalesStatus.IN_STOCK:
        return f"Out of stock though stock is available: {recommendation.reason}"
    if current is SalesStatus.IN_STOCK:
        return f"Shown in stock, but {recommendation.reason[0].lower()}{recommendation.reason[1:]}"
    return f"{current.label} but the policy says {recommendation.status.label.lower()}: {recommendation.reason}"
