"""Status and cause codes: each defined once, with the label and colour the UI shows.

Like InvenTree's ``status_codes``: the database stores the value, every page shows the
label, badges use the colour (a Bootstrap contextual name), and named groups say which
codes count as "waiting" or "closed" so no query spells those lists out again.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from dashboard.domain.inputs import InputError


class LabelledCode(StrEnum):
    """A string enum whose members also carry a human label and a Bootstrap colour."""

    label: str
    colour: str

    def __new__(cls, value: str, label: str, colour: str) -> LabelledCode:
        """Store ``value`` as the member's value and keep its label and colour beside it."""
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.colour = colour
        return member

    @classmethod
    def values(cls) -> list[str]:
        """All stored values, in definition order."""
        return [member.value for member in cls]

    @classmethod
    def parse(cls, value: object) -> LabelledCode:
        """Return the member for ``value`` or raise :class:`InputError` naming the allowed values."""
        if isinstance(value, str) and value in cls._value2member_map_:
            return cls(value)
        allowed = ", ".join(cls.values())
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "…"
        raise InputError(f"{shown} is not a valid {cls.__name__}; use one of: {allowed}")


class SalesStatus(LabelledCode):
    """What the shop tells a customer about a SKU."""

    IN_STOCK = ("in_stock", "In stock", "success")
    BACKORDER = ("backorder", "Backorder", "warning")
    OUT_OF_STOCK = ("out_of_stock", "Out of stock", "danger")
    DISCONTINUED = ("discontinued", "Discontinued", "secondary")


class LineStatus(LabelledCode):
    """Where one order line stands."""

    OPEN = ("open", "Open", "info")
    BACKORDERED = ("backordered", "Backordered", "warning")
    ALLOCATED = ("allocated", "Allocated", "primary")
    SHIPPED = ("shipped", "Shipped", "success")
    CANCELLED = ("cancelled", "Cancelled", "secondary")


# Lines still waiting for stock: the allocation queue is made of these.
WAITING_LINE_STATUSES = (LineStatus.BACKORDERED,)
# Lines no longer in play.
CLOSED_LINE_STATUSES = (LineStatus.SHIPPED, LineStatus.CANCELLED)


class CauseCode(LabelledCode):
    """Why a date moved: one list for ETA revisions, promise revisions and KPIs."""

    SUPPLIER_DELAY = ("supplier_delay", "Supplier delay", "danger")
    TRANSPORT = ("transport", "Transport", "warning")
    CUSTOMS = ("customs", "Customs", "warning")
    DEMAND_SPIKE = ("demand_spike", "Demand spike", "info")
    FORECAST_ERROR = ("forecast_error", "Forecast error", "info")
    LONG_LEAD_TIME = ("long_lead_time", "Long lead time", "secondary")
    DATA_ERROR = ("data_error", "Data error (human)", "dark")
    OTHER = ("other", "Other", "light")


class POStatus(LabelledCode):
    """Purchase order progress: draft → sent → confirmed → partially received → received, or cancelled.

    ``open`` is a PO placed outside the product (imported, or from before drafts existed): sent,
    with nothing known about a confirmation.
    """

    DRAFT = ("draft", "Draft", "light")
    SENT = ("sent", "Sent", "info")
    CONFIRMED = ("confirmed", "Confirmed", "primary")
    OPEN = ("open", "Open", "info")
    PARTIALLY_RECEIVED = ("partially_received", "Partially received", "primary")
    RECEIVED = ("received", "Received", "success")
    CANCELLED = ("cancelled", "Cancelled", "secondary")


# Placed with the supplier and not yet fully received: supply customers may be promised against.
OPEN_PO_STATUSES = (POStatus.OPEN, POStatus.SENT, POStatus.CONFIRMED, POStatus.PARTIALLY_RECEIVED)
# What counts as on order in the stock position (design §3): placed, or drafted and not yet sent,
# so a second "create drafts" for the same shortage proposes nothing more.
ON_ORDER_PO_STATUSES = (POStatus.DRAFT, *OPEN_PO_STATUSES)


class Substitutability(LabelledCode):
    """How easily a customer finds the item elsewhere (drives whether a backorder is worth offering)."""

    NICHE = ("niche", "Niche", "primary")
    STANDARD = ("standard", "Standard", "info")
    COMMODITY = ("commodity", "Commodity", "secondary")


class MovementKind(LabelledCode):
    """Kinds of stock movement; the signed quantity says the direction."""

    RECEIPT = ("receipt", "Receipt", "success")
    SHIPMENT = ("shipment", "Shipment", "primary")
    ADJUSTMENT = ("adjustment", "Adjustment", "warning")
    COUNT = ("count", "Stock count", "info")


class CustomerPriority(LabelledCode):
    """Customer tier used by the allocation queue."""

    NORMAL = ("normal", "Normal", "secondary")
    VIP = ("vip", "VIP", "warning")


class NotificationStatus(LabelledCode):
    """Outbox delivery state."""

    PENDING = ("pending", "Pending", "info")
    SENT = ("sent", "Sent", "success")
    FAILED = ("failed", "Failed (will retry)", "warning")
    DEAD = ("dead", "Dead", "danger")


class SubscriptionStatus(LabelledCode):
    """A notify-me subscription's state."""

    ACTIVE = ("active", "Waiting", "info")
    NOTIFIED = ("notified", "Notified", "success")
    CANCELLED = ("cancelled", "Cancelled", "secondary")


class Role(LabelledCode):
    """Who a user is to the system (design §1)."""

    ADMIN = ("admin", "Admin", "dark")
    MANAGER = ("manager", "Manager", "primary")
    SUPPORT = ("support", "Support", "info")
    EXECUTIVE = ("executive", "Executive", "success")


class Channel(LabelledCode):
    """Where an order came from."""

    WEB = ("web", "Web shop", "primary")
    MARKETPLACE = ("marketplace", "Marketplace", "info")
    B2B = ("b2b", "B2B", "secondary")


class PromiseState(LabelledCode):
    """Where a waiting line stands against its promised date (the triage queue's states)."""

    ON_TRACK = ("on_track", "On track", "success")
    AT_RISK = ("at_risk", "At risk", "warning")
    PAST_PROMISE = ("past_promise", "Past promise", "danger")


class DemandBasis(LabelledCode):
    """What a SKU-warehouse's demand estimate rests on (issue 19: enough history?)."""

    LINES = ("lines", "Order history", "success")
    SHORT = ("short", "Short history", "warning")
    PERIODS = ("periods", "Period totals", "info")
    NONE = ("none", "No usable history", "danger")


class AgingBucket(NamedTuple):
    """One band of backorder age in days (design §5); ``high`` is None for the open-ended last band."""

    key: str
    label: str
    low: int
    high: int | None


AGING_BUCKETS = (
    AgingBucket("0-7", "0–7 days", 0, 7),
    AgingBucket("8-14", "8–14 days", 8, 14),
    AgingBucket("15-30", "15–30 days", 15, 30),
    AgingBucket("31-60", "31–60 days", 31, 60),
    AgingBucket("60+", "60+ days", 61, None),
)


class ContactChannel(LabelledCode):
    """How support reached a waiting customer."""

    PHONE = ("phone", "Phone", "primary")
    EMAIL = ("email", "Email", "info")
    CHAT = ("chat", "Chat", "info")
    SMS = ("sms", "SMS", "secondary")
    DECISION = ("decision", "Decision", "dark")  # written by the decision actions, never chosen in the form


class ContactOutcome(LabelledCode):
    """What came of a contact; the last two are written by the decision actions, never chosen in the form."""

    REACHED = ("reached", "Reached, informed of the date", "success")
    LEFT_MESSAGE = ("left_message", "Left a message", "info")
    NO_ANSWER = ("no_answer", "No answer", "secondary")
    ASKED_TO_WAIT = ("asked_to_wait", "Customer will wait", "success")
    CONSIDERING = ("considering", "Customer is considering cancelling", "warning")
    ACCEPTED_DATE = ("accepted_date", "Accepted the new date", "success")
    CANCELLED = ("cancelled", "Cancelled the line", "danger")


# What a person picks in the contact form.
LOGGABLE_CHANNELS = tuple(c for c in ContactChannel if c is not ContactChannel.DECISION)
LOGGABLE_OUTCOMES = tuple(
    o for o in ContactOutcome if o not in (ContactOutcome.ACCEPTED_DATE, ContactOutcome.CANCELLED)
)
