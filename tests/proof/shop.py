"""A shop whose true demand we know: a year of Shopify orders from demand processes we choose.

Each SKU draws its daily demand from one process:

- ``smooth``: Poisson with a steady rate (0.8–6 a day);
- ``slow``: Poisson with a rate of 0.03–0.2 a day (sells on a few days a quarter);
- ``seasonal``: Poisson whose rate follows a yearly sine (±70 % around 1–4 a day);
- ``lumpy``: on 3–10 % of days an order of several units (geometric, mean 3–8).

Stock runs an (s, Q) policy with a 10-day lead time, sized to run out now and then. The shop keeps
selling when it is out (Shopify's inventory policy ``continue``): those orders wait and are
fulfilled when stock arrives, so every unit of demand is an order line — and the lines still
waiting today are the shop's open backorders. A few orders are cancelled (not demand).

The truth it keeps: each SKU's expected daily demand over the last 90 days (the mean of its rate
over those days), its units sold per day, today's shelf and the units still owed to waiting
customers. The exports are what the shop would download from Shopify's admin: the products export
(``Variant Inventory Qty`` is what it can still sell: on hand minus what waiting orders owe) and
the line-level orders export.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DAYS = 365
WINDOW = 90
LEAD_DAYS = 10
CANCEL_SHARE = 0.03
KINDS = {"smooth": 16, "slow": 10, "seasonal": 8, "lumpy": 6}
ORDERS_HEADER = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
    "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
    "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status",
    "Billing Name", "Shipping Name", "Notes", "Cancelled at", "Payment Method", "Refunded Amount", "Vendor",
    "Id", "Tags", "Risk Level", "Source",
]  # fmt: skip
PRODUCTS_HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Variant SKU", "Variant Grams", "Variant Inventory Tracker",
    "Variant Inventory Qty", "Variant Inventory Policy", "Variant Fulfillment Service", "Variant Price",
    "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable", "Cost per item", "Status",
]  # fmt: skip


@dataclass
class Sku:
    """One SKU's process, prices and what happened to it."""

    sku: str
    kind: str
    price: float
    cost: float
    rate: np.ndarray  # expected units per day, one per simulated day
    sold: np.ndarray = field(default_factory=lambda: np.zeros(DAYS, np.int64))  # units ordered per day
    on_hand: int = 0
    owed: int = 0  # units ordered, not cancelled, still waiting for stock today

    @property
    def true_daily_demand(self) -> float:
        """Expected units per day over the last 90 days: what the estimate should find."""
        return float(self.rate[-WINDOW:].mean())


@dataclass
class Line:
    """One order line as the orders export shows it."""

    order: str
    created: dt.datetime
    sku: str
    qty: int
    price: float
    fulfilled: dt.datetime | None = None
    cancelled: dt.datetime | None = None


@dataclass
class Shop:
    """The generated shop: its SKUs with their truth, and every order line of the year."""

    today: dt.date
    skus: list[Sku]
    lines: list[Line]

    def write_products(self, path: Path) -> None:
        """Shopify's products export: one variant row per SKU, tracked, selling on when out."""
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(PRODUCTS_HEADER)
            for s in self.skus:
                handle_name = s.sku.lower()
                title = f"{s.kind.title()} item {s.sku}"
                available = s.on_hand - s.owed  # what Shopify's admin shows: negative when oversold
                writer.writerow(
                    [handle_name, title, "", "Proof Goods", "", s.kind.title(), s.kind, "true", "Title",
                     "Default Title", s.sku, 100, "shopify", available, "continue", "manual", f"{s.price:.2f}",
                     "", "true", "true", f"{s.cost:.2f}", "active"]
                )  # fmt: skip

    def write_orders(self, path: Path) -> None:
        """Shopify's orders export: line level; order fields only on an order's first line, as Shopify does."""
        by_order: dict[str, list[Line]] = {}
        for line in self.lines:
            by_order.setdefault(line.order, []).append(line)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(ORDERS_HEADER)
            for number, lines in by_order.items():
                first = lines[0]
                fulfilled = all(x.fulfilled for x in lines)
                for i, x in enumerate(lines):
                    status = "fulfilled" if x.fulfilled else ("" if x.cancelled else "pending")
                    order_fields = {
                        "Name": number,
                        "Email": f"{number.strip('#').lower()}@customers.example",
                        "Financial Status": "refunded" if first.cancelled else "paid",
                        "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
                        "Fulfilled at": _stamp(max(y.fulfilled for y in lines)) if fulfilled else "",
                        "Currency": "USD",
                        "Created at": _stamp(first.created),
                        "Cancelled at": _stamp(first.cancelled) if first.cancelled else "",
                        "Source": "web",
                    }
                    row = {key: (value if i == 0 else "") for key, value in order_fields.items()}
                    row["Name"] = number  # Shopify repeats the order name on every line
                    row["Created at"] = _stamp(first.created) if i == 0 else ""
                    row.update(
                        {
                            "Lineitem quantity": x.qty,
                            "Lineitem name": f"Item {x.sku}",
                            "Lineitem price": f"{x.price:.2f}",
                            "Lineitem sku": x.sku,
                            "Lineitem requires shipping": "true",
                            "Lineitem taxable": "true",
                            "Lineitem fulfillment status": status,
                        }
                    )
                    writer.writerow([row.get(column, "") for column in ORDERS_HEADER])


def _stamp(moment: dt.datetime) -> str:
    # The orders export writes local times with their offset; the shop here keeps its books in UTC.
    return moment.strftime("%Y-%m-%d %H:%M:%S +0000")


def _rates(kind: str, rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    if kind == "smooth":
        return np.full(DAYS, rng.uniform(0.8, 6.0))
    if kind == "slow":
        return np.full(DAYS, rng.uniform(0.03, 0.2))
    if kind == "seasonal":
        base, phase = rng.uniform(1.0, 4.0), rng.uniform(0, 365)
        return base * (1 + 0.7 * np.sin(2 * math.pi * (days - phase) / 365))
    occurrence, mean_size = rng.uniform(0.03, 0.10), rng.uniform(3.0, 8.0)
    return np.full(DAYS, occurrence * mean_size)


def _demand(kind: str, rate: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if kind != "lumpy":
        return rng.poisson(rate)
    occurrence, mean_size = 0.05, float(rate[0]) / 0.05  # only the product matters for the truth
    orders = rng.random(DAYS) < occurrence
    return np.where(orders, rng.geometric(1 / mean_size, DAYS), 0)


def generate(today: dt.date, seed: int = 7) -> Shop:
    """A year of one warehouse's orders ending yesterday, and today's stock."""
    rng = np.random.default_rng(seed)
    start = today - dt.timedelta(days=DAYS)
    days = np.arange(DAYS)
    skus: list[Sku] = []
    for kind, count in KINDS.items():
        for _ in range(count):
            price = round(float(rng.uniform(5, 120)), 2)
            skus.append(Sku(f"PRF-{len(skus) + 1:04d}", kind, price, round(price * rng.uniform(0.3, 0.6), 2),
                            _rates(kind, rng, days)))  # fmt: skip
    lines: list[Line] = []
    counter = 1000
    for s in skus:
        demand = _demand(s.kind, s.rate, rng)
        mean = max(float(s.rate.mean()), 0.05)
        reorder_at, batch = math.ceil(mean * LEAD_DAYS * 0.6), max(1, math.ceil(mean * 25))
        on_hand, arrivals, waiting = math.ceil(mean * 20), {}, []
        for day in range(DAYS):
            date = start + dt.timedelta(days=day)
            on_hand += arrivals.pop(day, 0)
            # Stock that arrives goes to the waiting customers first, oldest first.
            while waiting and on_hand >= waiting[0].qty:
                on_hand -= waiting[0].qty
                waiting[0].fulfilled = dt.datetime.combine(date, dt.time(16), dt.UTC)
                waiting.pop(0)
            for _ in range(int(demand[day])):
                counter += 1
                qty = 1 if s.kind != "lumpy" else int(demand[day])
                at = dt.time(int(rng.integers(8, 22)), int(rng.integers(0, 60)))
                created = dt.datetime.combine(date, at, dt.UTC)
                line = Line(f"#{counter}", created, s.sku, qty, s.price)
                lines.append(line)
                if rng.random() < CANCEL_SHARE:
                    line.cancelled = created + dt.timedelta(hours=2)
                    if s.kind == "lumpy":
                        break
                    continue
                s.sold[day] += qty
                if on_hand >= qty and not waiting:
                    on_hand -= qty
                    line.fulfilled = created + dt.timedelta(minutes=30)  # same day: every day simulated is past
                else:
                    waiting.append(line)
                if s.kind == "lumpy":
                    break
            position = on_hand + sum(arrivals.values()) - sum(x.qty for x in waiting)
            if position <= reorder_at and not arrivals:
                arrivals[day + LEAD_DAYS] = batch + max(0, -position)
        s.on_hand = on_hand
        s.owed = sum(x.qty for x in lines if x.sku == s.sku and not x.fulfilled and not x.cancelled)
    lines.sort(key=lambda x: (x.created, x.order))
    return Shop(today, skus, lines)
