"""Day-by-day simulation of 18 months of trading, so every demo row has a cause.

Orders arrive with skewed popularity, weekly and yearly seasonality and promotion spikes;
stock is sold first come first served; what cannot be filled waits in the allocation queue
(priority, then VIP, then order time) if the SKU takes backorders, or is lost (sometimes
leaving a notify-me subscription) if it does not. Planners reorder weekly against a reorder
point built on their (biased) demand estimate; suppliers deliver late according to their
reliability tier and sometimes revise the ETA, which revises the promises of waiting lines.
Over the last weeks the shop sends its POs through the product and suppliers confirm them on
their link, some late, some with a later date (a revision like any other).

The state is vectorised over (product, warehouse) pairs; only waiting lines are Python
objects, and they are a small minority, so 100,000 SKUs simulate in a few minutes.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from dashboard.services.demo.catalog import TIERS, Catalog
from dashboard.services.demo.state import (
    ADOPTED_DAYS_AGO,
    AWAITING_DAYS,
    CAUSES_DOMESTIC,
    CAUSES_FOREIGN,
    DAY,
    DISRUPTION_RATE,
    HANDLING_DAYS,
    HOUR,
    HOUR_WEIGHTS,
    PEAK_CONGESTION_DAYS,
    PROMPT_DAYS,
    PROMPT_SHARE,
    REVIEW_DAYS,
    SLOW_DAYS,
    UNANSWERED,
    UNANSWERED_OLD,
    SimState,
    Waiting,
    day_multipliers,
    make_pairs,
)


class Simulation:
    """Runs the days; see the module docstring for the story it tells."""

    def __init__(
        self,
        rng: np.random.Generator,
        catalog: Catalog,
        days: int,
        start_weekday: int,
        start_doy: int,
        now_sec: int,
    ) -> None:
        """Prepare state for ``days`` days; ``now_sec`` is the moment the data ends."""
        self.rng = rng
        # The purchasing loop draws from its own stream (spawned: ``rng`` itself does not advance), so
        # the rest of the story — demand, stock, deliveries, backorders — is what it was without it.
        self.purchasing_rng = rng.spawn(1)[0]
        self.c = catalog
        self.days = days
        self.start_weekday = start_weekday
        self.now_sec = now_sec
        self.mean_qty = 1.0 / 0.7
        self.pairs = make_pairs(rng, catalog, self.mean_qty, days)
        self.mult = day_multipliers(rng, days, start_weekday, start_doy)
        n_pairs = self.pairs.product.size
        # A product launched later has nothing on the shelf until its first delivery is counted in.
        self.available = np.where(self.pairs.launch == 0, self.pairs.opening, 0)
        self.on_order = np.zeros(n_pairs, np.int64)
        self.queue_units = np.zeros(n_pairs, np.int64)
        self.last_in_day = np.zeros(n_pairs, np.int64)
        self.last_out_day = np.zeros(n_pairs, np.int64)
        self.queues: dict[int, list[Waiting]] = defaultdict(list)
        self.pipeline: dict[int, list[int]] = defaultdict(list)  # pair -> open PO line ids
        self.arrivals: dict[int, list[int]] = defaultdict(list)
        self.revisions_due: dict[int, list[tuple[int, int, str, bool]]] = defaultdict(list)
        self.cancels_due: dict[int, list[int]] = defaultdict(list)
        self.confirms_due: dict[int, list[tuple[int, int, int | None]]] = defaultdict(list)
        # The day each supplier's POs began to go through the product; drawn when the first might.
        self.adopted: np.ndarray | None = None
        self._po_lines: dict[int, list[int]] = defaultdict(list)
        self.s = SimState()
        self.pair_cat = catalog.category[self.pairs.product]
        self.vip = catalog.customer_vip
        n = catalog.n_products
        disc = rng.choice(n, size=max(1, n // 50), replace=False)
        self.disc_day = np.full(n, days + 1)
        self.disc_day[disc] = days - rng.integers(20, min(150, days - 1) + 1, size=disc.size)
        self.s.discontinued_day = {int(p): int(self.disc_day[p]) for p in disc}
        self.tier = [TIERS[t] for t in catalog.supplier_tier]
        existing = np.flatnonzero(self.pairs.launch == 0)
        self.s.movements.append(
            (existing, np.zeros(existing.size, np.int64), self.pairs.opening[existing], "count", "OPENING")
        )
        # Each day's trend multiplier per pair: 1 at mid-period, moving by ``growth`` over the whole of it.
        self.trend_slope = self.pairs.growth / max(days, 1)

    # -- one day -----------------------------------------------------------------------------
    def run(self, progress: Callable[[int], None] | None = None) -> SimState:
        """Simulate every day; ``progress`` is called with the number of days done."""
        for t in range(self.days):
            touched = self._launch(t)
            touched |= self._receive(t)
            self._confirm(t)
            touched |= self._revise_etas(t)
            touched |= self._cancel(t)
            touched |= self._discontinue(t)
            touched |= self._demand(t)
            self._release(t, touched)
            self._shrink(t)
            self._reorder(t)
            if progress:
                progress(t + 1)
        self._unanswered()
        return self.s

    def _launch(self, t: int) -> set[int]:
        """New products arrive: their first stock is counted in on their launch day, before any order."""
        launching = np.flatnonzero(self.pairs.launch == t) if t else np.zeros(0, np.int64)
        if launching.size == 0:
            return set()
        self.available[launching] += self.pairs.opening[launching]
        sec = np.full(launching.size, t * DAY + 7 * HOUR, np.int64)
        self.s.movements.append((launching, sec, self.pairs.opening[launching], "count", "OPENING"))
        return set(launching.tolist())

    def _receive(self, t: int) -> set[int]:
        touched = set()
        for pol in self.arrivals.pop(t, []):
            pair, qty = self.s.pol_pair[pol], self.s.pol_qty[pol]
            sec = t * DAY + 9 * HOUR + int(self.rng.integers(0, 4 * HOUR))
            if sec > self.now_sec:  # due later today, after the data ends: still on its way
                self.arrivals.setdefault(t + 1, []).append(pol)
                continue
            if self.available[pair] == 0 and self.queue_units[pair] == 0:
                self.s.restocks[int(self.pairs.product[pair])].append(t)
                self.last_in_day[pair] = t
            self.available[pair] += qty
            self.on_order[pair] -= qty
            self.pipeline[pair].remove(pol)
            self.s.pol_received_sec[pol] = sec
            po = self.s.pol_po[pol]
            self.s.movements.append((np.array([pair]), np.array([sec]), np.array([qty]), "receipt", po))
            touched.add(pair)
        return touched

    def _revise_etas(self, t: int) -> set[int]:
        if t * DAY + 14 * HOUR > self.now_sec:  # today's revisions come after the data ends
            return set()
        for po, new_eta, cause, confirmed in self.revisions_due.pop(t, []):
            if new_eta != self.s.po_eta[po]:
                self._revise(po, new_eta, cause, confirmed, t * DAY + 14 * HOUR, 1800)
        return set()

    def _revise(self, po: int, new_eta: int, cause: str, confirmed: bool, sec: int, told_after: int) -> int:
        """Move a PO's ETA and the promises of the lines waiting on it (``told_after`` seconds later)."""
        old = self.s.po_eta[po]
        self.s.po_eta[po] = new_eta
        self.s.po_confirmed[po] = confirmed
        rev_id = len(self.s.eta_revisions)
        self.s.eta_revisions.append((po, old, new_eta, cause, sec, confirmed))
        promise = new_eta + HANDLING_DAYS
        pairs = {self.s.pol_pair[pol] for pol in self._open_lines_of(po)}
        for pair in pairs:
            for w in self.queues.get(pair, ()):
                if self.s.bo_promise[w.line] < promise:
                    self.s.promise_revisions.append((w.line, self.s.bo_promise[w.line], promise, cause, rev_id))
                    self.s.promise_revision_sec.append(sec + told_after)
                    self.s.bo_promise[w.line] = promise
                    self.s.bo_revisions[w.line] += 1
        return rev_id

    def _confirm(self, t: int) -> None:
        """Suppliers answer the confirmation link of POs sent through the product.

        An answer due after the data ends has not come yet (the PO is still ``sent``); one due after
        goods arrived never comes (receiving moves the PO on, and the link no longer works). A later
        date is an ETA revision with cause ``supplier_delay``, told to waiting customers at once.
        """
        for po, at, later in self.confirms_due.pop(t, []):
            if at > self.now_sec or any(self.s.pol_received_sec.get(pol, at + 1) <= at for pol in self._po_lines[po]):
                continue
            self.s.po_confirmed_before[po] = self.s.po_confirmed[po]
            if later is not None and later > self.s.po_eta[po]:
                self.s.confirm_revisions.add(self._revise(po, later, "supplier_delay", True, at, 0))
            self.s.po_confirmed[po] = True
            self.s.po_confirm_sec[po] = at
            self.s.po_confirmed_eta[po] = self.s.po_eta[po]

    def _open_lines_of(self, po: int) -> list[int]:
        return [pol for pol in self._po_lines[po] if pol not in self.s.pol_received_sec]

    def _unanswered(self) -> None:
        """Leave a few of the last week's POs unanswered: the Overview's list of suppliers to chase.

        Answers come at random, so the last days may hold too few still unanswered (fewer than
        UNANSWERED), or too few sent more than three days before the end. Then the newest POs
        confirmed with the date sent, with nothing received and no revision, have not been answered yet.
        """
        last = self.days - 1
        # More than three days before the data ends (the Overview counts from the start of today − 2).
        chase_before = min(self.now_sec - 3 * DAY, (last - 2) * DAY)
        revised = {r[0] for r in self.s.eta_revisions}
        received = {self.s.pol_po[pol] for pol in self.s.pol_received_sec}
        recent = [
            po
            for po in range(len(self.s.po_sec) - 1, -1, -1)  # newest first
            if self.s.po_sent[po] and self.s.po_sec[po] >= (last - AWAITING_DAYS) * DAY and po not in received
        ]
        waiting = [po for po in recent if po not in self.s.po_confirm_sec]
        movable = [po for po in recent if po in self.s.po_confirm_sec and po not in revised]
        old = [po for po in movable if self.s.po_sec[po] < chase_before]
        for po in old[: max(0, UNANSWERED_OLD - sum(self.s.po_sec[p] < chase_before for p in waiting))]:
            self._unconfirm(po)
            waiting.append(po)
        for po in [p for p in movable if p in self.s.po_confirm_sec][: max(0, UNANSWERED - len(waiting))]:
            self._unconfirm(po)

    def _unconfirm(self, po: int) -> None:
        del self.s.po_confirm_sec[po]
        del self.s.po_confirmed_eta[po]
        self.s.po_confirmed[po] = self.s.po_confirmed_before.pop(po)

    def _cancel(self, t: int) -> set[int]:
        touched = set()
        if t * DAY + 16 * HOUR > self.now_sec:  # today's cancellations come after the data ends
            return touched
        for line in self.cancels_due.pop(t, []):
            w = self.s.waiting.get(line)
            if w is None:
                continue
            self._drop(w, t * DAY + 16 * HOUR, "Customer cancelled: would not wait longer")
            touched.add(w.pair)
        return touched

    def _discontinue(self, t: int) -> set[int]:
        touched = set()
        if t * DAY + 11 * HOUR > self.now_sec:  # today's discontinuations come after the data ends
            return touched
        for product in np.flatnonzero(self.disc_day == t):
            for pair in np.flatnonzero(self.pairs.product == product):
                for w in list(self.queues.get(pair, ())):
                    self._drop(w, t * DAY + 11 * HOUR, "Product discontinued; customer refunded")
                    touched.add(int(pair))
        return touched

    def _drop(self, w: Waiting, sec: int, reason: str) -> None:
        queue = self.queues[w.pair]
        queue.remove(w)
        self.queue_units[w.pair] -= w.qty - w.allocated
        self.available[w.pair] += w.allocated
        del self.s.waiting[w.line]
        self.s.bo_cancel[w.line] = (sec, reason)

    def _demand(self, t: int) -> set[int]:
        """Today's orders: fill from stock in order-time order, else queue or lose the line."""
        rng, pairs = self.rng, self.pairs
        trend = np.maximum(1 + self.trend_slope * (t - self.days / 2), 0.05)
        counts = rng.poisson(pairs.rate * self.mult[t, self.pair_cat] * trend * (pairs.launch <= t))
        line_pair = np.repeat(np.arange(counts.size), counts)
        if line_pair.size == 0:
            return set()
        # Group lines into orders per warehouse: most orders have one line, some several.
        line_pair = line_pair[np.lexsort((rng.random(line_pair.size), pairs.wh[line_pair]))]
        sizes = np.cumsum(rng.choice([1, 2, 3, 4], size=line_pair.size, p=[0.72, 0.19, 0.07, 0.02]))
        starts = np.zeros(line_pair.size, bool)
        starts[sizes[sizes < line_pair.size]] = True
        starts[0] = True
        starts[1:] |= pairs.wh[line_pair[1:]] != pairs.wh[line_pair[:-1]]
        order_of_line = np.cumsum(starts) - 1
        n_orders = int(order_of_line[-1]) + 1
        hours = rng.choice(24, size=n_orders, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
        order_sec = t * DAY + hours * HOUR + rng.integers(0, HOUR, size=n_orders)
        customer = rng.choice(self.vip.size, size=n_orders, p=self.c.customer_weight)
        channel = rng.choice(3, size=n_orders, p=[0.7, 0.2, 0.1])
        qty = rng.geometric(0.7, size=line_pair.size)
        qty = np.where(channel[order_of_line] == 2, qty * rng.integers(2, 7, size=qty.size), qty)
        line_sec = order_sec[order_of_line]
        products = pairs.product[line_pair]
        # Orders placed after the data's end moment do not exist yet.
        placed = line_sec <= self.now_sec
        # First come, first served within each pair; nothing jumps an existing queue.
        fifo = np.lexsort((line_sec, line_pair))
        fifo = fifo[placed[fifo]]
        p_sorted, q_sorted = line_pair[fifo], qty[fifo]
        cum = np.cumsum(q_sorted)
        group_start = np.r_[True, p_sorted[1:] != p_sorted[:-1]] if fifo.size else np.zeros(0, bool)
        offset = np.maximum.accumulate(np.where(group_start, cum - q_sorted, 0)) if fifo.size else cum
        filled = np.zeros(line_pair.size, bool)
        filled[fifo] = ((cum - offset) <= self.available[p_sorted]) & (self.queue_units[p_sorted] == 0)
        before = self.available.copy()
        np.subtract.at(self.available, line_pair[filled], qty[filled])
        self.last_out_day[(before > 0) & (self.available == 0)] = t
        accepts = self.c.accepts_backorders[products] & (self.disc_day[products] > t)
        lost = placed & ~filled & ~accepts
        for i in np.flatnonzero(lost & (rng.random(lost.size) < 0.3)):
            self.s.subscriptions.append((int(products[i]), int(customer[order_of_line[i]]), int(line_sec[i])))
        # A lost line never becomes an order line (the shop showed "out of stock");
        # an order left with no lines was never placed.
        keep = placed & ~lost
        kept_orders = np.unique(order_of_line[keep])
        if kept_orders.size == 0:
            return set()
        kept_orders = kept_orders[np.argsort(order_sec[kept_orders], kind="stable")]
        number = np.full(n_orders, -1)
        number[kept_orders] = np.arange(kept_orders.size) + self.s.n_orders
        self.s.order_customer.append(customer[kept_orders])
        self.s.order_channel.append(channel[kept_orders])
        self.s.order_wh.append(pairs.wh[line_pair[np.searchsorted(order_of_line, kept_orders)]])
        self.s.order_sec.append(order_sec[kept_orders])
        self.s.n_orders += kept_orders.size
        # Lines are numbered by order number, then position in the order.
        idx = np.flatnonzero(keep)
        idx = idx[np.argsort(number[order_of_line[idx]], kind="stable")]
        first_line = self.s.n_lines
        self.s.n_lines += idx.size
        self.s.line_order.append(number[order_of_line[idx]])
        self.s.line_pair.append(line_pair[idx])
        self.s.line_qty.append(qty[idx])
        self.s.line_sec.append(line_sec[idx])
        self.s.line_filled.append(filled[idx])
        touched = set()
        waiting = np.flatnonzero(~filled[idx])
        for k in waiting[np.argsort(line_sec[idx][waiting], kind="stable")]:
            i = idx[k]
            line = first_line + int(k)
            pair = int(line_pair[i])
            vip = bool(self.vip[customer[order_of_line[i]]])
            w = Waiting((0 if vip else 1, int(line_sec[i]), line), line, pair, int(qty[i]))
            bisect.insort(self.queues[pair], w, key=lambda x: x.key)
            self.queue_units[pair] += w.qty
            self.s.waiting[line] = w
            promise = self._promise(pair, w, t)
            self.s.bo_promise_orig[line] = promise
            self.s.bo_promise[line] = promise
            self.s.bo_revisions[line] = 0
            if rng.random() < 0.3:  # some customers will only wait so long
                self.cancels_due[t + int(rng.integers(10, 46))].append(line)
            touched.add(pair)
        return touched

    def _promise(self, pair: int, w: Waiting, t: int) -> int:
        """Promise day for a new waiting line: the covering PO's ETA plus handling.

        Before Backorder Desk the shop promised naively (no allowance for the supplier's
        delays), which is why the history is full of broken promises and revisions.
        """
        queue = self.queues[pair]
        ahead = sum(x.qty - x.allocated for x in queue[: queue.index(w) + 1])
        cumulative = 0
        for pol in sorted(self.pipeline.get(pair, ()), key=lambda k: self.s.po_eta[self.s.pol_po[k]]):
            cumulative += self.s.pol_qty[pol]
            if cumulative >= ahead:
                return max(self.s.po_eta[self.s.pol_po[pol]], t + 1) + HANDLING_DAYS
        link = self.c.primary_link[self.pairs.product[pair]]
        return t + int(self.c.ps_lead[link]) + REVIEW_DAYS + HANDLING_DAYS

    def _release(self, t: int, touched: set[int]) -> None:
        """Allocate free stock down each touched queue: priority, then VIP, then order time."""
        for pair in sorted(touched):
            queue = self.queues.get(pair)
            while queue and self.available[pair] > 0:
                head = queue[0]
                give = min(head.qty - head.allocated, int(self.available[pair]))
                head.allocated += give
                self.available[pair] -= give
                self.queue_units[pair] -= give
                if head.allocated == head.qty:
                    queue.pop(0)
                    del self.s.waiting[head.line]
                    # Never after the moment the data ends (a release on its last morning happens "now").
                    released = max(head.key[1] + HOUR, t * DAY + 13 * HOUR)
                    self.s.bo_release_sec[head.line] = min(released, max(self.now_sec, head.key[1]))

    def _shrink(self, t: int) -> None:
        """Now and then a unit is found damaged: a negative adjustment."""
        if t % 30 != 29 or t * DAY + 18 * HOUR > self.now_sec:  # monthly, and never after the data ends
            return
        candidates = np.flatnonzero(self.available > 0)
        hit = candidates[self.rng.random(candidates.size) < 0.02]
        self.available[hit] -= 1
        sec = np.full(hit.size, t * DAY + 18 * HOUR)
        self.s.movements.append((hit, sec, -np.ones(hit.size, np.int64), "adjustment", "DAMAGED"))

    def _reorder(self, t: int) -> None:
        """Weekly review per supplier: order up to target where the position is at or below ROP."""
        rng, pairs, c = self.rng, self.pairs, self.c
        if t * DAY + 15 * HOUR > self.now_sec:  # today's review happens after the data ends
            return
        weekday = (self.start_weekday + t) % 7
        position = self.available - self.queue_units + self.on_order
        due = np.flatnonzero(
            (pairs.order_dow == weekday)
            & (self.disc_day[pairs.product] > t)
            & (pairs.launch <= t)
            & (position <= pairs.rop)
        )
        if due.size == 0:
            return
        products = pairs.product[due]
        second = c.secondary_link[products]
        use_second = (second >= 0) & (rng.random(due.size) < 0.25)
        link = np.where(use_second, second, c.primary_link[products])
        need = np.maximum(pairs.order_up_to[due] - position[due], c.ps_moq[link])
        qty = np.ceil(need / c.ps_pack[link]).astype(np.int64) * c.ps_pack[link]
        supplier = c.ps_supplier[link]
        keys = supplier * 10 + pairs.wh[due]
        for key in np.unique(keys):
            members = np.flatnonzero(keys == key)
            self._place_po(t, int(key // 10), int(key % 10), due[members], link[members], qty[members])

    def _place_po(
        self, t: int, supplier: int, wh: int, pair_ids: np.ndarray, links: np.ndarray, qty: np.ndarray
    ) -> None:
        rng = self.rng
        p_late, mean_delay, confirm_rate = self.tier[supplier]
        po = len(self.s.po_supplier)
        eta = t + int(self.c.ps_lead[links].max())
        delay = 1 + int(rng.exponential(mean_delay)) if rng.random() < p_late else -int(rng.integers(0, 2))
        disrupted = rng.random() < DISRUPTION_RATE
        if disrupted:  # a container held in customs or a missed vessel: weeks, not days
            delay += int(rng.integers(25, 70))
        peak = eta > self.days - PEAK_CONGESTION_DAYS
        if peak and rng.random() < 0.5:  # peak-season congestion: carriers are late and say little
            delay += int(rng.integers(3, 20))
        self.s.po_supplier.append(supplier)
        self.s.po_wh.append(wh)
        self.s.po_sec.append(t * DAY + 15 * HOUR + int(rng.integers(0, 2 * HOUR)))
        self.s.po_eta.append(eta)
        self.s.po_confirmed.append(bool(rng.random() < confirm_rate))
        arrival = eta + delay
        extra = np.where(rng.random(pair_ids.size) < 0.08, rng.integers(4, 16, size=pair_ids.size), 0)
        for pair, q, e in zip(pair_ids.tolist(), qty.tolist(), extra.tolist(), strict=True):
            pol = len(self.s.pol_po)
            self.s.pol_po.append(po)
            self.s.pol_pair.append(pair)
            self.s.pol_product.append(int(self.pairs.product[pair]))
            self.s.pol_qty.append(q)
            self.s.pol_arrival.append(arrival + e)
            self._po_lines[po].append(pol)
            self.pipeline[pair].append(pol)
            self.arrivals[arrival + e].append(pol)
            self.on_order[pair] += q
        causes = CAUSES_DOMESTIC if self.c.supplier_country[supplier] == "US" else CAUSES_FOREIGN
        names, probs = zip(*causes, strict=True)
        silent = rng.random() < (0.5 if peak else 0.4 if p_late > 0.5 else 0.15)
        admitted = arrival  # the earliest later ETA the supplier announces
        if delay > 2 and not silent:
            cause = str(rng.choice(names, p=probs)) if not disrupted else str(rng.choice(["customs", "transport"]))
            # Suppliers often admit a delay only once the ETA has already passed.
            first = max(t + 1, eta + int(rng.integers(-5, 5)))
            if delay > 8 and rng.random() < 0.35:
                admitted = eta + delay // 2
                self.revisions_due[first].append((po, admitted, cause, bool(rng.random() < 0.8)))
                second_day = max(first + 1, eta + delay // 2 - 2)
                self.revisions_due[second_day].append((po, arrival, cause, True))
            else:
                self.revisions_due[first].append((po, arrival, cause, bool(rng.random() < 0.8)))
        if extra.max() > 0:  # short shipment: the rest is re-promised when the first part lands
            self.revisions_due[max(arrival, t + 1)].append((po, arrival + int(extra.max()), "supplier_delay", True))
        sent = self._through_the_product(t, supplier)
        self.s.po_sent.append(sent)
        if sent:
            self._plan_confirmation(po, t, eta, delay, admitted)

    def _through_the_product(self, t: int, supplier: int) -> bool:
        """Whether a PO placed on day ``t`` was drafted and sent in the product (its supplier had moved over).

        One supplier is still ordered from the old way (by phone), so placed-elsewhere POs stay in the story.
        """
        if t < self.days - ADOPTED_DAYS_AGO[1]:
            return False
        if self.adopted is None:
            low, high = ADOPTED_DAYS_AGO
            n = len(self.c.supplier_code)
            self.adopted = self.days - self.purchasing_rng.integers(low, high + 1, size=n)
            self.adopted[self.purchasing_rng.integers(n)] = self.days  # never
        return t >= self.adopted[supplier]

    def _plan_confirmation(self, po: int, t: int, eta: int, delay: int, admitted: int) -> None:
        """When the supplier will answer the link, and with which date (None: the date it was sent with).

        Most answer within two days with the date sent. The others take days, or give a later date
        when the order will be late (never later than the delay they announce afterwards), or both.
        """
        rng = self.purchasing_rng
        self.s.po_confirmed[po] = False  # nothing is confirmed until the supplier answers
        later = None
        slow = False
        if rng.random() >= PROMPT_SHARE:
            slow = delay < 3 or rng.random() < 0.6
            if delay >= 3:
                later = eta + max(1, min(admitted - eta, round(delay * rng.uniform(0.4, 1.0))))
        if slow:
            at = self.s.po_sec[po] + int(rng.integers(SLOW_DAYS[0] * DAY, SLOW_DAYS[1] * DAY + 1))
        else:
            # The next day or the one after (POs are placed last in the day, so today's answers are past).
            at = (t + 1) * DAY + int(rng.integers(0, PROMPT_DAYS * DAY))
        self.confirms_due[at // DAY].append((po, at, later))
