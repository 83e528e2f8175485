"""Turn the simulation's state into table rows (column lists ready for bulk loading).

Row ids are positions + 1, so foreign keys are plain arithmetic. Timestamps are seconds from
the first simulated midnight (UTC) until formatted here, once, vectorised.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from dashboard.domain.codes import (
    CauseCode,
    Channel,
    LineStatus,
    POStatus,
    SalesStatus,
    SubscriptionStatus,
    Substitutability,
)
from dashboard.domain.purchasing import order_lead_days, po_number, whole_packs
from dashboard.services.demo.catalog import CATEGORIES, WAREHOUSES, Catalog
from dashboard.services.demo.outbox import build_outbox
from dashboard.services.demo.simulation import Simulation
from dashboard.services.demo.state import DAY, HOUR, STOCK_SHIP_DAYS

Columns = dict[str, list]


@dataclass
class DemoUsers:
    """Ids of the demo users, for audit rows and ``status_changed_by``."""

    manager_id: int
    support_id: int | None = None


class Clock:
    """Formats simulation seconds and day numbers as the strings both databases accept."""

    def __init__(self, start: dt.date) -> None:
        """Anchor day 0 at ``start`` midnight UTC."""
        self.start = np.datetime64(start.isoformat(), "s")
        self.start_day = np.datetime64(start.isoformat(), "D")

    def stamps(self, seconds: np.ndarray) -> list[str]:
        """Seconds → 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's own SQLite layout)."""
        if np.size(seconds) == 0:  # small demos may have no rows of a kind; numpy refuses empty input
            return []
        values = self.start + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
        text = np.datetime_as_string(values.astype("datetime64[us]"), unit="us")
        return np.char.replace(text, "T", " ").tolist()

    def dates(self, days: np.ndarray) -> list[str]:
        """Day numbers → 'YYYY-MM-DD'."""
        if np.size(days) == 0:
            return []
        values = self.start_day + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
        return np.datetime_as_string(values, unit="D").tolist()

    def stamp_or_none(self, seconds: np.ndarray, present: np.ndarray) -> list[str | None]:
        """Like :meth:`stamps`, with None where ``present`` is false."""
        out = self.stamps(np.where(present, seconds, 0))
        return [v if p else None for v, p in zip(out, present.tolist(), strict=True)]

    def date_or_none(self, days: np.ndarray, present: np.ndarray) -> list[str | None]:
        """Like :meth:`dates`, with None where ``present`` is false."""
        out = self.dates(np.where(present, days, 0))
        return [v if p else None for v, p in zip(out, present.tolist(), strict=True)]


# Drafts waiting to be sent when the data ends (how many, lines on each), made in the last hours.
DRAFTS = (3, 6)
DRAFT_LINES = 5
DRAFTED_HOURS_AGO = (1, 40)
# What suppliers write on the confirmation link when they give a later date (None: nothing).
SUPPLIER_NOTES = (
    None,
    "Raw material is late at our end; this is the earliest we can ship.",
    "Our production slot moved; sorry for the delay.",
    None,
    "Part of the order waits for packaging; all of it ships on this date.",
)


def _supplier_note(supplier_name: str, po: int) -> tuple[str, str | None]:
    """The note of a later date given on the link: the revision's (never empty) and the supplier's own."""
    note = SUPPLIER_NOTES[po % len(SUPPLIER_NOTES)]
    return note or f"Date given by {supplier_name} on the confirmation link", note


def _po_numbers(clock: Clock, days: np.ndarray, here: np.ndarray) -> tuple[list[str], dict[int, int]]:
    """PO numbers, and how many POs were drafted in the product on each day.

    A PO placed outside the product keeps the old system's PO-000123 (counted among those); one
    drafted here is numbered as ``create_drafts`` numbers it, PO-YYMMDD-NNN in the order of the day.
    """
    dates = clock.dates(days)
    numbers, outside, per_day = [], 0, defaultdict(int)
    for d, date, drafted in zip(days.tolist(), dates, here.tolist(), strict=True):
        if drafted:
            per_day[d] += 1
            numbers.append(po_number(dt.date.fromisoformat(date), per_day[d]))
        else:
            outside += 1
            numbers.append(f"PO-{outside:06d}")
    return numbers, per_day


def _draft_summary(supplier: str, warehouse: str, lines: list[tuple[str, int, float]]) -> dict:
    """The ``after`` of a draft's audit row, as ``create_drafts`` writes it."""
    return {
        "supplier": supplier,
        "warehouse": warehouse,
        "lines": {sku: qty for sku, qty, _ in lines},
        "value": round(sum(qty * cost for _, qty, cost in lines), 2),
    }


@dataclass
class Draft:
    """A draft PO at the end of the data: one primary supplier and warehouse, the pairs short there."""

    number: str
    supplier: int
    wh: int
    at: int
    eta: int
    products: list[int]
    qty: list[int]
    cost: list[float]

    def summary(self, c: Catalog) -> dict:
        """Its audit row's ``after``."""
        lines = [(c.sku[p], q, k) for p, q, k in zip(self.products, self.qty, self.cost, strict=True)]
        return _draft_summary(c.supplier_name[self.supplier], WAREHOUSES[self.wh][0], lines)


def _drafts(sim: Simulation, rng: np.random.Generator, clock: Clock, drafted_on: dict[int, int]) -> list[Draft]:
    """A few drafts the manager made in the last hours for pairs at or below their reorder point.

    Pairs are grouped by primary supplier and warehouse as ``create_drafts`` groups them; each draft
    takes the (at most DRAFT_LINES) shortest pairs of its group, ordered up to the planner's target
    in whole packs at the product-supplier row's cost. The simulation placed nothing for them (their
    review day had not come), so they are what a manager would draft ahead of it.
    """
    c, pairs = sim.c, sim.pairs
    last = sim.days - 1
    position = sim.available - sim.queue_units + sim.on_order
    link = c.primary_link[pairs.product]
    short = np.flatnonzero((position <= pairs.rop) & (pairs.launch <= last) & (sim.disc_day[pairs.product] > last))
    keys = c.ps_supplier[link[short]] * len(WAREHOUSES) + pairs.wh[short]
    groups = np.unique(keys)
    if groups.size == 0:
        return []
    chosen = rng.choice(groups, size=min(int(rng.integers(DRAFTS[0], DRAFTS[1] + 1)), groups.size), replace=False)
    ages = rng.integers(DRAFTED_HOURS_AGO[0] * HOUR, DRAFTED_HOURS_AGO[1] * HOUR + 1, size=chosen.size)
    drafts = []
    # Numbered in the order they were drafted, after the POs drafted (and sent) earlier that day.
    for key, age in sorted(zip(chosen.tolist(), ages.tolist(), strict=True), key=lambda kv: -kv[1]):
        members = short[keys == key]
        members = members[np.argsort(position[members] - pairs.rop[members], kind="stable")][:DRAFT_LINES]
        links = link[members]
        qty = [
            whole_packs(int(target - pos), int(moq), int(pack))
            for target, pos, moq, pack in zip(
                pairs.order_up_to[members], position[members], c.ps_moq[links], c.ps_pack[links], strict=True
            )
        ]
        at = sim.now_sec - age
        day = at // DAY
        drafted_on[day] += 1
        drafts.append(
            Draft(
                number=po_number(dt.date.fromisoformat(clock.dates(np.array([day]))[0]), drafted_on[day]),
                supplier=int(key // len(WAREHOUSES)),
                wh=int(key % len(WAREHOUSES)),
                at=int(at),
                eta=day + order_lead_days(c.ps_lead[links].tolist()),
                products=pairs.product[members].tolist(),
                qty=qty,
                cost=np.round(np.asarray(c.ps_cost, float)[links], 2).tolist(),
            )
        )
    return drafts


def _append_drafts(tables: dict[str, Columns], drafts: list[Draft], clock: Clock, users: DemoUsers) -> None:
    """Add the drafts and their lines after the placed POs (ids continue)."""
    pos, lines = tables["purchase_order"], tables["po_line"]
    for draft in drafts:
        po_id = len(pos["id"]) + 1
        eta = clock.dates(np.array([draft.eta]))[0]
        row = {
            "id": po_id,
            "number": draft.number,
            "supplier_id": draft.supplier + 1,
            "warehouse_id": draft.wh + 1,
            "ordered_at": clock.stamps(np.array([draft.at]))[0],
            "eta": eta,
            "original_eta": eta,
            "eta_confirmed": False,
            "status": POStatus.DRAFT.value,
            "received_at": None,
            "created_by": users.manager_id,
            "sent_at": None,
            "sent_by": None,
            "confirmed_at": None,
            "confirmed_eta": None,
            "version": 1,
        }
        for key, value in row.items():
            pos[key].append(value)
        for product, qty, cost in zip(draft.products, draft.qty, draft.cost, strict=True):
            line = {
                "id": len(lines["id"]) + 1,
                "po_id": po_id,
                "product_id": product + 1,
                "qty": qty,
                "qty_received": 0,
                "qty_received_on_time": 0,
                "cross_dock": False,
                "last_received_at": None,
                "unit_cost": cost,
            }
            for key, value in line.items():
                lines[key].append(value)


def _cat(parts: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)


def build_tables(sim: Simulation, rng: np.random.Generator, clock: Clock, users: DemoUsers) -> dict[str, Columns]:
    """All demo rows, keyed by table name, in an order that satisfies foreign keys."""
    c, s, pairs = sim.c, sim.s, sim.pairs
    now = sim.now_sec
    today = now // DAY
    tables: dict[str, Columns] = {}
    tables["warehouse"] = {
        "id": list(range(1, len(WAREHOUSES) + 1)),
        "code": [w[0] for w in WAREHOUSES],
        "name": [w[1] for w in WAREHOUSES],
        "timezone": [w[2] for w in WAREHOUSES],
    }
    tables["supplier"] = {
        "id": list(range(1, len(c.supplier_code) + 1)),
        "code": c.supplier_code,
        "name": c.supplier_name,
        "country": c.supplier_country,
        "email": [f"orders@{code.lower()}.example.com" for code in c.supplier_code],
        "quoted_lead_time_days": c.supplier_lead.tolist(),
    }
    tables["customer"] = {
        "id": list(range(1, len(c.customer_code) + 1)),
        "code": c.customer_code,
        "name": c.customer_name,
        "email": c.customer_email,
        "priority": np.where(c.customer_vip, "vip", "normal").tolist(),
    }

    # ---- order lines ------------------------------------------------------------------------
    order = _cat(s.line_order)
    pair = _cat(s.line_pair)
    qty = _cat(s.line_qty)
    sec = _cat(s.line_sec)
    n_lines = order.size
    product = pairs.product[pair]
    wh = pairs.wh[pair]
    status = np.full(n_lines, LineStatus.SHIPPED.value, dtype=object)
    qty_alloc = np.zeros(n_lines, np.int64)
    ship_sec = sec + rng.integers(3 * HOUR, 26 * HOUR, size=n_lines)
    cancel_sec = np.zeros(n_lines, np.int64)
    cancel_reason: list[str | None] = [None] * n_lines
    promise_orig = sec // DAY + STOCK_SHIP_DAYS
    promise = promise_orig.copy()
    revisions = np.zeros(n_lines, np.int64)
    backordered = np.zeros(n_lines, bool)
    for line, value in s.bo_promise_orig.items():
        backordered[line] = True
        promise_orig[line] = value
        promise[line] = s.bo_promise[line]
        revisions[line] = s.bo_revisions[line]
        if line in s.waiting:
            status[line] = LineStatus.BACKORDERED.value
            qty_alloc[line] = s.waiting[line].allocated
        elif line in s.bo_cancel:
            status[line] = LineStatus.CANCELLED.value
            cancel_sec[line], cancel_reason[line] = s.bo_cancel[line]
        else:
            ship_sec[line] = s.bo_release_sec[line] + int(rng.integers(2 * HOUR, 20 * HOUR))
    allocated_now = np.isin(status, [LineStatus.SHIPPED.value]) & (ship_sec > now)
    status[allocated_now] = LineStatus.ALLOCATED.value
    qty_alloc[allocated_now] = qty[allocated_now]
    shipped = status == LineStatus.SHIPPED.value
    cancelled = status == LineStatus.CANCELLED.value

    # ---- orders -----------------------------------------------------------------------------
    o_customer = _cat(s.order_customer)
    o_channel = _cat(s.order_channel)
    o_wh = _cat(s.order_wh)
    o_sec = _cat(s.order_sec)
    n_orders = o_customer.size
    lines_per = np.bincount(order, minlength=n_orders)
    shipped_per = np.bincount(order, weights=shipped, minlength=n_orders)
    cancelled_per = np.bincount(order, weights=cancelled, minlength=n_orders)
    o_status = np.where(
        shipped_per + cancelled_per < lines_per, "open", np.where(shipped_per > 0, "shipped", "cancelled")
    )
    channels = np.array(Channel.values())
    tables["sales_order"] = {
        "id": list(range(1, n_orders + 1)),
        "number": [f"SO-{i:07d}" for i in range(1, n_orders + 1)],
        "customer_id": (o_customer + 1).tolist(),
        "channel": channels[o_channel].tolist(),
        "warehouse_id": (o_wh + 1).tolist(),
        "ordered_at": clock.stamps(o_sec),
        "status": o_status.tolist(),
    }
    tables["order_line"] = {
        "id": list(range(1, n_lines + 1)),
        "order_id": (order + 1).tolist(),
        "product_id": (product + 1).tolist(),
        "warehouse_id": (wh + 1).tolist(),
        "qty": qty.tolist(),
        "qty_allocated": qty_alloc.tolist(),
        "qty_shipped": np.where(shipped, qty, 0).tolist(),
        "unit_price": c.price[product].round(2).tolist(),
        "status": status.tolist(),
        "backordered_at": clock.stamp_or_none(sec, backordered),
        "original_promised_date": clock.dates(promise_orig),
        "promised_date": clock.dates(promise),
        "promise_revision_count": revisions.tolist(),
        "shipped_at": clock.stamp_or_none(ship_sec, shipped),
        "cancelled_at": clock.stamp_or_none(cancel_sec, cancelled),
        "cancel_reason": cancel_reason,
        "priority_pin": [None] * n_lines,
        "version": [1] * n_lines,
    }

    # ---- purchase orders --------------------------------------------------------------------
    n_po = len(s.po_supplier)
    pol_po = np.array(s.pol_po, np.int64)
    pol_received = np.array([i in s.pol_received_sec for i in range(pol_po.size)], bool)
    received_sec = np.array([s.pol_received_sec.get(i, 0) for i in range(pol_po.size)], np.int64)
    lines_in_po = np.bincount(pol_po, minlength=n_po)
    received_in_po = np.bincount(pol_po, weights=pol_received, minlength=n_po)
    last_receipt = np.zeros(n_po, np.int64)
    np.maximum.at(last_receipt, pol_po, received_sec)
    po_sec = np.array(s.po_sec, np.int64)
    sent = np.array(s.po_sent, bool)
    confirmed_at = np.array([s.po_confirm_sec.get(i, 0) for i in range(n_po)], np.int64)
    confirmed = np.isin(np.arange(n_po), list(s.po_confirm_sec))
    # Received goods decide the status whatever the paperwork; then the supplier's answer, if sent here.
    po_status = np.where(
        received_in_po == lines_in_po,
        POStatus.RECEIVED.value,
        np.where(
            received_in_po > 0,
            POStatus.PARTIALLY_RECEIVED.value,
            np.where(~sent, POStatus.OPEN.value, np.where(confirmed, POStatus.CONFIRMED.value, POStatus.SENT.value)),
        ),
    )
    fully = po_status == POStatus.RECEIVED.value
    # The ETA each PO carried when placed: the first revision's old ETA, or the ETA if it never moved.
    original_eta = np.array(s.po_eta, np.int64)
    for revision in reversed(s.eta_revisions):
        original_eta[revision[0]] = revision[1]
    numbers, drafted_on = _po_numbers(clock, po_sec // DAY, sent)
    confirmed_eta = np.array([s.po_confirmed_eta.get(i, 0) for i in range(n_po)], np.int64)
    by_manager = np.where(sent, users.manager_id, 0)
    tables["purchase_order"] = {
        "id": list(range(1, n_po + 1)),
        "number": numbers,
        "supplier_id": (np.array(s.po_supplier) + 1).tolist(),
        "warehouse_id": (np.array(s.po_wh) + 1).tolist(),
        "ordered_at": clock.stamps(po_sec),
        "eta": clock.dates(np.array(s.po_eta)),
        "original_eta": clock.dates(original_eta),
        "eta_confirmed": s.po_confirmed,
        "status": po_status.tolist(),
        "received_at": clock.stamp_or_none(last_receipt, fully),
        # Sending places the order: its ordered_at is the moment it was sent (as ``send_po`` does).
        "created_by": [m or None for m in by_manager.tolist()],
        "sent_at": clock.stamp_or_none(po_sec, sent),
        "sent_by": [m or None for m in by_manager.tolist()],
        "confirmed_at": clock.stamp_or_none(confirmed_at, confirmed),
        "confirmed_eta": clock.date_or_none(confirmed_eta, confirmed),
        "version": [1] * n_po,
    }
    pol_qty = np.array(s.pol_qty, np.int64)
    pol_product = np.array(s.pol_product, np.int64)
    # A PO drafted here carries the product-supplier row's unit cost on each line, as ``create_drafts`` sets.
    link_of = {pair: k for k, pair in enumerate(zip(c.ps_product.tolist(), c.ps_supplier.tolist(), strict=True))}
    pol_supplier = np.array(s.po_supplier, np.int64)[pol_po]
    pol_link = np.array([link_of[k] for k in zip(pol_product.tolist(), pol_supplier.tolist(), strict=True)], np.int64)
    pol_sent = sent[pol_po]
    pol_cost = np.round(np.asarray(c.ps_cost, float)[pol_link], 2)
    tables["po_line"] = {
        "id": list(range(1, pol_po.size + 1)),
        "po_id": (pol_po + 1).tolist(),
        "product_id": (np.array(s.pol_product, np.int64) + 1).tolist(),
        "qty": pol_qty.tolist(),
        "qty_received": np.where(pol_received, pol_qty, 0).tolist(),
        "qty_received_on_time": np.where(
            pol_received & (received_sec // DAY <= original_eta[pol_po]), pol_qty, 0
        ).tolist(),
        "cross_dock": (~pol_received & (rng.random(pol_po.size) < 0.05)).tolist(),
        "last_received_at": clock.stamp_or_none(received_sec, pol_received),
        "unit_cost": [cost if here else None for cost, here in zip(pol_cost.tolist(), pol_sent.tolist(), strict=True)],
    }
    revs = s.eta_revisions
    # A later date a supplier gave on its confirmation link: its revision is the supplier's, with its note.
    by_link = [i in s.confirm_revisions for i in range(len(revs))]
    rev_note = [
        _supplier_note(c.supplier_name[s.po_supplier[r[0]]], r[0])[0] if link else "Supplier notice"
        for r, link in zip(revs, by_link, strict=True)
    ]
    tables["eta_revision"] = {
        "id": list(range(1, len(revs) + 1)),
        "po_id": [r[0] + 1 for r in revs],
        "old_eta": clock.dates(np.array([r[1] for r in revs], np.int64)),
        "new_eta": clock.dates(np.array([r[2] for r in revs], np.int64)),
        "confirmed": [r[5] for r in revs],
        "cause": [r[3] for r in revs],
        "note": rev_note,
        "user_id": [None if link else users.manager_id for link in by_link],
        "at": clock.stamps(np.array([r[4] for r in revs], np.int64)),
    }
    prs = s.promise_revisions
    tables["promise_revision"] = {
        "id": list(range(1, len(prs) + 1)),
        "order_line_id": [r[0] + 1 for r in prs],
        "old_date": clock.dates(np.array([r[1] for r in prs], np.int64)),
        "new_date": clock.dates(np.array([r[2] for r in prs], np.int64)),
        "cause": [r[3] for r in prs],
        "eta_revision_id": [r[4] + 1 for r in prs],
        "at": clock.stamps(np.array(s.promise_revision_sec, np.int64)),
    }

    # ---- stock ------------------------------------------------------------------------------
    mv_pair = [m[0] for m in s.movements] + [pair[shipped]]
    mv_sec = [m[1] for m in s.movements] + [ship_sec[shipped]]
    mv_qty = [m[2] for m in s.movements] + [-qty[shipped]]
    mv_kind = [np.full(m[0].size, m[3], dtype=object) for m in s.movements]
    mv_kind.append(np.full(int(shipped.sum()), "shipment", dtype=object))
    so_numbers = np.array(tables["sales_order"]["number"], dtype=object)
    mv_ref = [np.full(m[0].size, numbers[m[4]] if m[3] == "receipt" else m[4], dtype=object) for m in s.movements] + [
        so_numbers[order[shipped]]
    ]
    all_pair, all_sec, all_qty = _cat(mv_pair), _cat(mv_sec), _cat(mv_qty)
    by_time = np.argsort(all_sec, kind="stable")
    all_pair, all_sec, all_qty = all_pair[by_time], all_sec[by_time], all_qty[by_time]
    tables["stock_movement"] = {
        "id": list(range(1, all_pair.size + 1)),
        "product_id": (pairs.product[all_pair] + 1).tolist(),
        "warehouse_id": (pairs.wh[all_pair] + 1).tolist(),
        "at": clock.stamps(all_sec),
        "quantity": all_qty.tolist(),
        "kind": np.concatenate(mv_kind)[by_time].tolist(),
        "reference": np.concatenate(mv_ref)[by_time].tolist(),
    }
    on_hand = np.bincount(all_pair, weights=all_qty, minlength=pairs.product.size).astype(np.int64)
    allocated = np.bincount(pair, weights=qty_alloc, minlength=pairs.product.size).astype(np.int64)
    if not np.array_equal(on_hand - allocated, sim.available):
        raise AssertionError("demo generator bug: movements and allocations disagree with simulated stock")
    n_pairs = pairs.product.size
    tables["stock_level"] = {
        "id": list(range(1, n_pairs + 1)),
        "product_id": (pairs.product + 1).tolist(),
        "warehouse_id": (pairs.wh + 1).tolist(),
        "on_hand": on_hand.tolist(),
        "allocated": allocated.tolist(),
        "service_level_override": [None] * n_pairs,
        "safety_stock_override": [None] * n_pairs,
        "reorder_point_override": [None] * n_pairs,
        "updated_at": clock.stamps(np.full(n_pairs, now)),
        "version": [1] * n_pairs,
        # Stocked since the opening count: the demo's first day, or a new product's launch.
        "created_at": clock.stamps(np.where(pairs.launch > 0, pairs.launch * DAY + 7 * HOUR, 0).astype(np.int64)),
    }

    # ---- products and their status ----------------------------------------------------------
    n = c.n_products
    available = np.bincount(pairs.product, weights=sim.available, minlength=n)
    open_pol = np.flatnonzero(~pol_received)
    open_product = np.array(s.pol_product, np.int64)[open_pol]
    open_eta = np.array(s.po_eta, np.int64)[pol_po[open_pol]]
    first_eta = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_eta, open_product, open_eta)
    first_po = {}
    for p, po, eta in zip(open_product.tolist(), pol_po[open_pol].tolist(), open_eta.tolist(), strict=True):
        if eta == first_eta[p] and p not in first_po:
            first_po[p] = po
    last_in = np.zeros(n, np.int64)
    np.maximum.at(last_in, pairs.product, sim.last_in_day)
    last_out = np.zeros(n, np.int64)
    np.maximum.at(last_out, pairs.product, sim.last_out_day)
    sales_status, reason, changed_day, changed_by = [], [], [], []
    eta_dates = clock.dates(np.where(first_eta < np.iinfo(np.int64).max, first_eta, 0))
    for p in range(n):
        if p in s.discontinued_day:
            sales_status.append(SalesStatus.DISCONTINUED.value)
            reason.append("Discontinued: supplier stopped making it")
            changed_day.append(s.discontinued_day[p])
            changed_by.append(users.manager_id)
        elif available[p] > 0:
            sales_status.append(SalesStatus.IN_STOCK.value)
            reason.append(f"{int(available[p])} units available")
            changed_day.append(last_in[p])
            changed_by.append(None)
        elif c.accepts_backorders[p] and p in first_po:
            sales_status.append(SalesStatus.BACKORDER.value)
            reason.append(f"Awaiting {numbers[first_po[p]]}, ETA {eta_dates[p]}")
            changed_day.append(last_out[p])
            changed_by.append(None)
        else:
            sales_status.append(SalesStatus.OUT_OF_STOCK.value)
            reason.append("No confirmed inbound supply" if c.accepts_backorders[p] else "Not offered on backorder")
            changed_day.append(last_out[p])
            changed_by.append(None)
    subs = Substitutability.values()
    tables["product"] = {
        "id": list(range(1, n + 1)),
        "sku": c.sku,
        "name": c.name,
        "category": [CATEGORIES[k][0] for k in c.category],
        "unit_price": c.price.round(2).tolist(),
        "unit_cost": c.cost.round(2).tolist(),
        "substitutability": [subs[k] for k in c.substitutability],
        "sales_status": sales_status,
        "status_reason": reason,
        "status_changed_at": clock.stamps(np.array(changed_day, np.int64) * DAY + 10 * HOUR),
        "status_changed_by_id": changed_by,
        "max_backorder_days": np.where(rng.random(n) < 0.05, 35, 0).tolist(),
        "version": [1] * n,
    }
    tables["product"]["max_backorder_days"] = [v or None for v in tables["product"]["max_backorder_days"]]
    tables["product_supplier"] = {
        "id": list(range(1, c.ps_product.size + 1)),
        "product_id": (c.ps_product + 1).tolist(),
        "supplier_id": (c.ps_supplier + 1).tolist(),
        "is_primary": c.ps_primary.tolist(),
        "quoted_lead_time_days": c.ps_lead.tolist(),
        "moq": c.ps_moq.tolist(),
        "pack_size": c.ps_pack.tolist(),
        "unit_cost": c.ps_cost.tolist(),
    }

    # ---- notify-me subscriptions ------------------------------------------------------------
    sub_product, sub_sec, sub_notified = [], [], []
    for p, _, created in s.subscriptions:
        days_in = s.restocks.get(p, [])
        later = [d for d in days_in if d * DAY > created and d <= today]
        notified_at = later[0] * DAY + 14 * HOUR if later and later[0] * DAY + 14 * HOUR <= now else 0
        if not notified_at and sales_status[p] == SalesStatus.IN_STOCK.value:
            # Available again today (perhaps from another warehouse): the subscriber has been told.
            notified_at = min(max(created + DAY, int(last_in[p]) * DAY + 14 * HOUR), now)
        sub_product.append(p)
        sub_sec.append(created)
        sub_notified.append(notified_at)
    notified = np.array(sub_notified, np.int64)
    has = notified > 0
    tables["restock_subscription"] = {
        "id": list(range(1, len(sub_product) + 1)),
        "product_id": [p + 1 for p in sub_product],
        "email": [c.customer_email[cust] for _, cust, _ in s.subscriptions],
        "created_at": clock.stamps(np.array(sub_sec, np.int64)),
        "notified_at": clock.stamp_or_none(notified, has),
        "status": np.where(has, SubscriptionStatus.NOTIFIED.value, SubscriptionStatus.ACTIVE.value).tolist(),
    }

    now_at = dt.datetime.fromisoformat(clock.stamps(np.array([now]))[0]).replace(tzinfo=dt.UTC)
    tables["notification"], tables["notification_line"] = build_outbox(tables, now_at)
    tables["contact_log"] = _contacts(rng, clock, users, backordered, revisions, sec, ship_sec, cancel_sec, status, now)

    # ---- drafts the manager has not sent yet ----------------------------------------------------
    draft_rows = _drafts(sim, sim.purchasing_rng, clock, drafted_on)
    _append_drafts(tables, draft_rows, clock, users)

    # ---- audit trail of the people-made changes in the story --------------------------------
    audit: Columns = {
        k: [] for k in ("at", "user_id", "actor", "entity_type", "entity_id", "action", "before", "after", "reason")
    }

    def add(at: int, who: tuple[int | None, str], entity: tuple[str, str], action: str, before, after, reason=None):
        audit["at"].append(at)
        audit["user_id"].append(who[0])
        audit["actor"].append(who[1])
        audit["entity_type"].append(entity[0])
        audit["entity_id"].append(entity[1])
        audit["action"].append(action)
        audit["before"].append(None if before is None else json.dumps(before))
        audit["after"].append(None if after is None else json.dumps(after))
        audit["reason"].append(reason)

    manager = (users.manager_id, "manager")
    day = clock.dates  # day numbers → ISO dates
    supplier_of = np.array(s.po_supplier, np.int64)
    wh_of = np.array(s.po_wh, np.int64)
    # The POs sent through the product: drafted a little before they were sent, then sent.
    here = np.flatnonzero(sent)
    drafted_before = sim.purchasing_rng.integers(10 * 60, 3 * HOUR, size=here.size)
    lines_of: dict[int, list[int]] = {}
    for pol, po in enumerate(pol_po.tolist()):
        lines_of.setdefault(po, []).append(pol)
    eta_text = day(original_eta[here]) if here.size else []
    for po, before, eta in zip(here.tolist(), drafted_before.tolist(), eta_text, strict=True):
        supplier, number = int(supplier_of[po]), numbers[po]
        pols = lines_of.get(po, [])
        add(
            int(po_sec[po]) - before,
            manager,
            ("purchase_order", number),
            "draft",
            None,
            _draft_summary(
                c.supplier_name[supplier],
                WAREHOUSES[int(wh_of[po])][0],
                [(c.sku[int(pol_product[k])], int(pol_qty[k]), float(pol_cost[k])) for k in pols],
            ),
        )
        add(
            int(po_sec[po]),
            manager,
            ("purchase_order", number),
            "send",
            {"status": POStatus.DRAFT.value, "eta": eta},
            {"status": POStatus.SENT.value, "eta": eta, "to": tables["supplier"]["email"][supplier]},
        )
    for draft in draft_rows:
        add(draft.at, manager, ("purchase_order", draft.number), "draft", None, draft.summary(c))
    # ETA revisions: the manager's (from supplier notices), or the supplier's own on its link.
    revision_dates = day(np.array([[r[1], r[2]] for r in revs], np.int64).ravel()) if revs else []
    for i, (po, _old, _new, cause, at, conf) in enumerate(revs):
        old, new = revision_dates[2 * i], revision_dates[2 * i + 1]
        if by_link[i]:
            add(
                at,
                (None, f"supplier {c.supplier_code[s.po_supplier[po]]}"),
                ("purchase_order", numbers[po]),
                "revise_eta",
                {"eta": old, "eta_confirmed": s.po_confirmed_before[po]},
                {"eta": new, "eta_confirmed": conf, "cause": cause},
                rev_note[i],
            )
        else:
            # As ``revise_eta`` records it: the cause with the new date; the reason is the buyer's note.
            add(at, manager, ("purchase_order", numbers[po]), "revise_eta", {"eta": old}, {"eta": new, "cause": cause},
                f"{CauseCode(cause).label} reported by the supplier")  # fmt: skip
    # Confirmations on the link, after the revision a later date made (same moment, so listed after it;
    # as in ``confirm``, that revision has confirmed the ETA by the time the confirmation is recorded).
    answered = sorted(s.po_confirm_sec)
    dated_later = {revs[i][0] for i in s.confirm_revisions}
    answered_eta = day(confirmed_eta[answered]) if answered else []
    for po, eta in zip(answered, answered_eta, strict=True):
        supplier = s.po_supplier[po]
        add(
            s.po_confirm_sec[po],
            (None, f"supplier {c.supplier_code[supplier]}"),
            ("purchase_order", numbers[po]),
            "confirm",
            {"status": POStatus.SENT.value, "eta_confirmed": po in dated_later or s.po_confirmed_before[po]},
            {"status": POStatus.CONFIRMED.value, "eta": eta, "eta_confirmed": True},
            _supplier_note(c.supplier_name[supplier], po)[1] if po in dated_later else None,
        )
    for p, disc_day in s.discontinued_day.items():
        add(
            disc_day * DAY + 10 * HOUR,
            manager,
            ("product", c.sku[p]),
            "set_status",
            {"sales_status": "in_stock"},
            {"sales_status": "discontinued", "open_backorders": "cancel"},
            "Supplier stopped making it",
        )
    order_by_time = np.argsort(np.array(audit["at"], np.int64), kind="stable")
    k = len(audit["at"])
    tables["audit_event"] = {
        "id": list(range(1, k + 1)),
        "at": clock.stamps(np.array(audit["at"], np.int64)[order_by_time]),
        **{
            key: [audit[key][i] for i in order_by_time]
            for key in ("user_id", "actor", "entity_type", "entity_id", "action", "before", "after", "reason")
        },
    }
    return tables


CONTACT_CHANNELS = np.array(["phone", "email", "chat"])
CONTACT_OUTCOMES = np.array(["reached", "left_message", "no_answer", "asked_to_wait", "considering"])
CONTACT_NOTES = np.array(
    [
        "Explained the new date",
        "Customer asked for a firm date",
        "Voicemail left with the new window",
        "Offered an alternative product",
        None,
    ],
    dtype=object,
)


def _contacts(
    rng: np.random.Generator,
    clock: Clock,
    users: DemoUsers,
    backordered: np.ndarray,
    revisions: np.ndarray,
    sec: np.ndarray,
    ship_sec: np.ndarray,
    cancel_sec: np.ndarray,
    status: np.ndarray,
    now: int,
) -> Columns:
    """The support lead's calls: the more often a promise slipped, the likelier someone called.

    Some waiting lines are never contacted, which is what the triage page's "quiet" score finds.
    """
    end = np.where(status == LineStatus.CANCELLED.value, cancel_sec, ship_sec)
    end = np.where(status == LineStatus.BACKORDERED.value, now, np.minimum(end, now))
    chance = np.clip(0.12 + 0.2 * revisions, 0, 0.8)
    called = np.flatnonzero(backordered & (end > sec + HOUR) & (rng.random(sec.size) < chance))
    at = sec[called] + (rng.random(called.size) * (end[called] - sec[called])).astype(np.int64)
    order = np.argsort(at, kind="stable")
    called, at = called[order], at[order]
    k = called.size
    return {
        "id": list(range(1, k + 1)),
        "order_line_id": (called + 1).tolist(),
        "user_id": [users.support_id] * k,
        "at": clock.stamps(at),
        "channel": CONTACT_CHANNELS[rng.integers(0, CONTACT_CHANNELS.size, k)].tolist(),
        "outcome": CONTACT_OUTCOMES[rng.integers(0, CONTACT_OUTCOMES.size, k)].tolist(),
        "note": CONTACT_NOTES[rng.integers(0, CONTACT_NOTES.size, k)].tolist(),
    }
