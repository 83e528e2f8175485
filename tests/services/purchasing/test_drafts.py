"""Draft purchase orders from the reorder suggestions, without duplicates (issue 21 items 1, 2, 6 and 7)."""

import datetime as dt
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.models import AuditEvent, ProductSupplier, PurchaseOrder, SkuMetrics, SkuMetricsExplain
from dashboard.db.models import Product as ProductRow
from dashboard.db.queries import po_is_open
from dashboard.domain import purchasing as rules
from dashboard.domain.codes import POStatus
from dashboard.services.audit.trail import Actor
from dashboard.services.derived.partial import refresh_products
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.purchasing.drafts import DraftScope, NothingToDraftError, create_drafts
from dashboard.services.replenishment.queries import ReplenishmentFilters
from tests.conftest import BACKENDS, TODAY, refreshed_demo

pytestmark = pytest.mark.slow
MANAGER = Actor("manager", None)


@pytest.fixture(params=BACKENDS)
def pdb(request, demo_template, tmp_path):
    """The demo with metrics refreshed, per backend; each test may change it."""
    with refreshed_demo(request.param, demo_template, tmp_path) as database:
        with database.read_session() as session:
            database.demo_drafts = set(
                session.scalars(select(PurchaseOrder.number).where(PurchaseOrder.status == POStatus.DRAFT))
            )
            # The demo's own history: every PO it sent through the product was drafted first.
            database.demo_drafts_audited = set(
                session.scalars(select(AuditEvent.entity_id).where(AuditEvent.action == "draft"))
            )
        yield database


def _warehouse(db) -> tuple[int, str]:
    """The warehouse with the most suggestions."""
    with db.read_session() as session:
        return session.execute(
            select(SkuMetrics.warehouse_id, SkuMetrics.warehouse_code)
            .where(SkuMetrics.suggested_order_qty > 0)
            .group_by(SkuMetrics.warehouse_id, SkuMetrics.warehouse_code)
            .order_by(func.count().desc())
        ).first()


def _suggested(db, warehouse_id) -> dict[int, tuple[int, int | None]]:
    """Product id → (suggested units, primary supplier) of the pairs to draft in a warehouse."""
    with db.read_session() as session:
        return {
            p: (q, s)
            for p, q, s in session.execute(
                select(SkuMetrics.product_id, SkuMetrics.suggested_order_qty, SkuMetrics.supplier_id).where(
                    SkuMetrics.warehouse_id == warehouse_id,
                    SkuMetrics.suggested_order_qty > 0,
                    SkuMetrics.below_reorder_point,
                    SkuMetrics.sales_status != "discontinued",
                    SkuMetrics.supplier_id.is_not(None),
                )
            )
        }


def _drafts(db) -> list[PurchaseOrder]:
    """The drafts the test made (the demo's own left out)."""
    with db.read_session() as session:
        found = session.scalars(
            select(PurchaseOrder).where(
                PurchaseOrder.status == POStatus.DRAFT, PurchaseOrder.number.not_in(db.demo_drafts)
            )
        ).all()
        for po in found:
            _ = [line.qty for line in po.lines]
        return found


def test_one_draft_per_supplier_with_the_suggestions_in_whole_packs_at_cost(pdb):
    wid, _ = _warehouse(pdb)
    expected = _suggested(pdb, wid)
    assert len(expected) >= 5
    with pdb.write_session() as session:
        result = create_drafts(session, MANAGER, TODAY, DraftScope(ReplenishmentFilters(warehouse_id=wid)))
    drafts = _drafts(pdb)
    assert {po.number for po in drafts} == {po.number for po in result.purchase_orders}
    assert all(po.number.startswith(f"PO-{TODAY:%y%m%d}-") for po in drafts)
    # One draft per primary supplier, all for this warehouse, every suggestion on exactly one of them.
    assert len({po.supplier_id for po in drafts}) == len(drafts) and {po.warehouse_id for po in drafts} == {wid}
    lines = {line.product_id: (line.qty, po.supplier_id, line.unit_cost) for po in drafts for line in po.lines}
    skipped = {s.split(" @ ")[0] for s in result.skipped}
    with pdb.read_session() as session:
        terms = {
            row.product_id: row
            for row in session.execute(
                select(
                    ProductSupplier.product_id, ProductSupplier.supplier_id, ProductSupplier.moq,
                    ProductSupplier.pack_size, ProductSupplier.unit_cost, ProductRow.unit_cost.label("list_cost"),
                    ProductRow.sku,
                ).join(ProductRow, ProductRow.id == ProductSupplier.product_id)
            )
            if row.product_id in expected
            and row.supplier_id == expected[row.product_id][1]
        }  # fmt: skip
    assert set(lines) == {p for p in expected if terms[p].sku not in skipped}
    for product_id, (qty, supplier, cost) in lines.items():
        t = terms[product_id]
        assert (qty, supplier) == expected[product_id]
        assert qty >= t.moq and qty % t.pack_size == 0 and qty == rules.whole_packs(qty, t.moq, t.pack_size)
        assert cost == pytest.approx(t.unit_cost if t.unit_cost is not None else t.list_cost)
    # Each draft is audited with its lines, and says the value of what it orders.
    with pdb.read_session() as session:
        events = session.execute(
            select(AuditEvent.entity_id, AuditEvent.after).where(AuditEvent.action == "draft")
        ).all()
    assert {number for number, _ in events} - pdb.demo_drafts_audited == {po.number for po in drafts}
    for po in result.purchase_orders:
        assert po.value == pytest.approx(sum(line.qty * (line.unit_cost or 0) for line in po.lines))
        assert all(line.days_of_cover is None or line.days_of_cover > 0 for line in po.lines)


def test_a_second_draft_proposes_nothing_more_and_drafts_count_in_the_position(pdb):
    wid, _ = _warehouse(pdb)
    scope = DraftScope(ReplenishmentFilters(warehouse_id=wid))
    with pdb.write_session() as session:
        first = create_drafts(session, MANAGER, TODAY, scope)
    # At once, before any refresh: every pair is on a PO drafted since its numbers were computed.
    with (
        pytest.raises(NothingToDraftError, match="already on a purchase order drafted or placed"),
        pdb.write_session() as session,
    ):
        create_drafts(session, MANAGER, TODAY, scope)
    # After the drafted pairs are refreshed their suggestions are gone: the drafts are on order.
    refresh_products(pdb, TODAY, first.product_ids)
    assert _suggested(pdb, wid).keys().isdisjoint(first.product_ids)
    with pdb.read_session() as session:
        explain = session.scalars(
            select(SkuMetricsExplain.explain).where(
                SkuMetricsExplain.product_id == first.product_ids[0], SkuMetricsExplain.warehouse_id == wid
            )
        ).one()
        placed = session.scalar(
            select(func.count()).select_from(PurchaseOrder).where(po_is_open(), PurchaseOrder.status == POStatus.DRAFT)
        )
    assert any("drafted" in entry for entry in explain["on_order_from"])
    assert placed == 0  # a draft is not placed: no customer is promised against it
    # A full refresh agrees, and a third run still has nothing to draft there.
    refresh_metrics(pdb, TODAY)
    assert _suggested(pdb, wid).keys().isdisjoint(first.product_ids)
    count = len(_drafts(pdb))
    with pytest.raises(NothingToDraftError), pdb.write_session() as session:
        create_drafts(session, MANAGER, TODAY, DraftScope(ReplenishmentFilters(warehouse_id=wid)))
    assert len(_drafts(pdb)) == count


def test_two_managers_at_once_one_drafts_and_the_other_is_told(pdb):
    wid, _ = _warehouse(pdb)
    scope = DraftScope(ReplenishmentFilters(warehouse_id=wid))
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def draft(name: str) -> None:
        start.wait()
        try:
            with pdb.write_session() as session:
                outcomes.append(create_drafts(session, Actor(name), TODAY, scope))
        except NothingToDraftError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=draft, args=(name,)) for name in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    won = [o for o in outcomes if not isinstance(o, Exception)]
    told = [o for o in outcomes if isinstance(o, NothingToDraftError)]
    assert len(won) == 1 and len(told) == 1, outcomes
    # The one told hears which POs the other drafted.
    assert any(po.number in str(told[0]) for po in won[0].purchase_orders)
    assert len(_drafts(pdb)) == len(won[0].purchase_orders)


def test_ticked_rows_only_and_forged_scopes_are_refused(pdb):
    wid, _ = _warehouse(pdb)
    with pdb.read_session() as session:
        ticked = session.scalars(
            select(SkuMetrics.id).where(SkuMetrics.warehouse_id == wid, SkuMetrics.suggested_order_qty > 0).limit(3)
        ).all()
        products = set(session.scalars(select(SkuMetrics.product_id).where(SkuMetrics.id.in_(ticked))))
    with pdb.write_session() as session:
        result = create_drafts(
            session, MANAGER, TODAY, DraftScope(ReplenishmentFilters(condition="all"), tuple(ticked))
        )
    assert {line.product_id for po in _drafts(pdb) for line in po.lines} <= products
    assert set(result.product_ids) <= products
    for forged in [(), ("1",), (0,), (True,), tuple(range(1, 10_002))]:
        with pytest.raises(NothingToDraftError):
            DraftScope(ReplenishmentFilters(), forged)


def test_the_command_drafts_as_a_manager_and_refuses_others(pdb):
    _, code = _warehouse(pdb)
    settings = Settings(database_url=pdb.url, auto_demo=False, today_override=TODAY)
    run = CliRunner().invoke
    refused = run(main, ["po", "draft", "--warehouse", code, "--user", "support"], obj={"settings": settings})
    assert refused.exit_code != 0 and "only managers and admins may do this" in refused.output
    unknown = run(main, ["po", "draft", "--warehouse", "NOPE", "--user", "manager"], obj={"settings": settings})
    assert unknown.exit_code != 0 and "no warehouse with code 'NOPE'" in unknown.output
    assert _drafts(pdb) == []
    done = run(main, ["po", "draft", "--warehouse", code, "--user", "manager"], obj={"settings": settings})
    assert done.exit_code == 0, done.output
    drafts = _drafts(pdb)
    assert drafts and all(po.number in done.output for po in drafts)
    with pdb.read_session() as session:
        manager_id = session.scalar(select(AuditEvent.user_id).where(AuditEvent.action == "draft").limit(1))
    assert manager_id is not None and {po.created_by for po in drafts} == {manager_id}
    # The command refreshed the drafted pairs: running it again finds nothing left to draft.
    again = run(main, ["po", "draft", "--warehouse", code, "--user", "manager"], obj={"settings": settings})
    assert again.exit_code != 0 and "no suggestion to draft in these filters" in again.output
    assert len(_drafts(pdb)) == len(drafts)


def test_po_numbers_and_whole_packs():
    assert rules.po_number(dt.date(2026, 12, 3), 7) == "PO-261203-007"
    assert rules.po_number(dt.date(2026, 12, 3), 1234) == "PO-261203-1234"
    assert rules.whole_packs(5, 12, 6) == 12 and rules.whole_packs(13, 1, 6) == 18 and rules.whole_packs(0, 4, 2) == 0
    assert rules.days_of_cover(30, 1.5) == 20 and rules.days_of_cover(3, 0) is None
    with pytest.raises(ValueError):
        rules.whole_packs(3, 0, 1)
