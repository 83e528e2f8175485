"""A refresh of the SKUs a change touched gives what a full refresh gives them (issue 20 item 7)."""

import datetime as dt
import math

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.models import (
    POLine,
    PurchaseOrder,
    SkuMetrics,
    SkuMetricsExplain,
    SkuMetricsSummary,
    StockLevel,
    StockMovement,
    Warehouse,
)
from dashboard.domain.codes import MovementKind, POStatus
from dashboard.services.derived.partial import UnknownSkuError, refresh_products, refresh_skus
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.replenishment import queries as repl
from tests.conftest import BACKENDS, TODAY, refreshed_demo

pytestmark = pytest.mark.slow
SKIP = {"id", "computed_at"}


@pytest.fixture(params=BACKENDS)
def mdb(request, demo_template, tmp_path):
    """The demo with metrics refreshed, per backend; each test may change it."""
    with refreshed_demo(request.param, demo_template, tmp_path) as database:
        yield database


def _rows(db, product_ids) -> dict[tuple[int, int], dict]:
    with db.read_session() as session:
        rows = session.execute(select(SkuMetrics).where(SkuMetrics.product_id.in_(product_ids))).scalars().all()
        explain = dict(
            session.execute(
                select(SkuMetricsExplain.id, SkuMetricsExplain.explain).where(
                    SkuMetricsExplain.product_id.in_(product_ids)
                )
            ).all()
        )
        return {
            (r.product_id, r.warehouse_id): {
                **{c.key: getattr(r, c.key) for c in SkuMetrics.__table__.columns if c.key not in SKIP},
                "explain": explain[r.id],
            }
            for r in rows
        }


def _summary(db) -> list[tuple]:
    with db.read_session() as session:
        rows = session.execute(select(SkuMetricsSummary)).scalars().all()
        return sorted(
            tuple(getattr(r, c.key) for c in SkuMetricsSummary.__table__.columns if c.key != "id") for r in rows
        )


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return a == b


def _two_products(db) -> tuple[int, int, int]:
    """A selling product with stock in a warehouse, and another selling product's (product, warehouse)."""
    with db.read_session() as session:
        rows = session.execute(
            select(SkuMetrics.product_id, SkuMetrics.warehouse_id)
            .where(SkuMetrics.avg_daily_demand > 0.2, SkuMetrics.forecast_method != "new_item")
            .order_by(SkuMetrics.product_id, SkuMetrics.warehouse_id)
        ).all()
    (p, w), (q, _) = rows[0], next(r for r in rows if r[0] != rows[0][0])
    return p, w, q


def test_the_touched_products_rows_equal_a_full_refresh_and_nothing_else_moves(mdb):
    p, w, q = _two_products(mdb)
    before_untouched = _rows(mdb, [pid for pid in range(1, 60) if pid not in (p, q)])
    now = dt.datetime.combine(TODAY, dt.time(9), dt.UTC)
    with mdb.write_session() as session:
        # P: 40 units received today; Q: a new purchase order, so its position and flags move.
        session.execute(
            update(StockLevel)
            .where(StockLevel.product_id == p, StockLevel.warehouse_id == w)
            .values(on_hand=StockLevel.on_hand + 40)
        )
        session.add(StockMovement(product_id=p, warehouse_id=w, at=now, quantity=40, kind=MovementKind.RECEIPT))
        q_warehouse = session.scalar(select(StockLevel.warehouse_id).where(StockLevel.product_id == q))
        supplier = session.scalar(select(PurchaseOrder.supplier_id).limit(1))
        po = PurchaseOrder(
            number="PO-PARTIAL", supplier_id=supplier, warehouse_id=q_warehouse, ordered_at=now,
            eta=TODAY + dt.timedelta(days=9), status=POStatus.OPEN,
        )  # fmt: skip
        po.lines = [POLine(product_id=q, qty=500, qty_received=0)]
        session.add(po)
    stale = _rows(mdb, [p, q])
    done = refresh_products(mdb, TODAY, [p, q])
    partial = _rows(mdb, [p, q])
    assert done.products == 2 and done.pairs == len(partial) >= 2
    assert partial[(p, w)]["on_hand"] == stale[(p, w)]["on_hand"] + 40
    assert partial[(q, q_warehouse)]["on_order"] == stale[(q, q_warehouse)]["on_order"] + 500
    partial_summary = _summary(mdb)
    # Untouched products keep their rows exactly.
    assert _rows(mdb, list({k[0] for k in before_untouched})) == before_untouched
    refresh_metrics(mdb, TODAY)
    full = _rows(mdb, [p, q])
    assert partial.keys() == full.keys()
    for key in full:
        differ = [c for c in full[key] if c != "explain" and not _same(partial[key][c], full[key][c])]
        assert differ == [], (key, {c: (partial[key][c], full[key][c]) for c in differ})
        assert partial[key]["explain"] == full[key]["explain"]
    # The summary cards count what a full refresh would have counted.
    assert partial_summary == _summary(mdb)


def _search_index_matches_its_table(db) -> None:
    """SQLite's FTS5 check that the external-content index holds exactly the table's rows (no-op on PostgreSQL)."""
    if db.is_sqlite:
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO sku_metrics_fts(sku_metrics_fts, rank) VALUES ('integrity-check', 1)"
            )


def test_a_new_pair_gets_a_row_and_the_search_index_stays_true(mdb):
    with mdb.read_session() as session:
        # A product not stocked in every warehouse: it starts being stocked in another one.
        p, sku, stocked = next(
            (r.product_id, r.sku, r.n)
            for r in session.execute(
                select(SkuMetrics.product_id, SkuMetrics.sku, func.count().label("n"))
                .group_by(SkuMetrics.product_id, SkuMetrics.sku)
                .order_by(SkuMetrics.product_id)
            )
            if r.n < 3
        )
        here = set(session.scalars(select(SkuMetrics.warehouse_id).where(SkuMetrics.product_id == p)))
        new_warehouse = next(w for w in session.scalars(select(Warehouse.id).order_by(Warehouse.id)) if w not in here)
    with mdb.write_session() as session:
        session.add(StockLevel(product_id=p, warehouse_id=new_warehouse, on_hand=7, allocated=0))
    refresh_products(mdb, TODAY, [p])
    rows = _rows(mdb, [p])
    assert len(rows) == stocked + 1 and rows[(p, new_warehouse)]["on_hand"] == 7
    _search_index_matches_its_table(mdb)
    refresh_products(mdb, TODAY, [p])  # again: the index forgets the old entries it replaces
    _search_index_matches_its_table(mdb)
    search = {"sku": {"filterType": "text", "type": "contains", "filter": sku}}
    with mdb.read_session() as session:
        request = {"startRow": 0, "endRow": 100, "filterModel": search}
        page = repl.grid_rows(session, repl.ReplenishmentFilters(condition="all"), request)
    assert [row["sku"] for row in page.rows].count(sku) == stocked + 1


def test_a_new_item_gets_the_prior_a_full_refresh_gives_it(mdb):
    with mdb.read_session() as session:
        new = session.scalars(select(SkuMetrics.product_id).where(SkuMetrics.forecast_method == "new_item")).all()
    assert new, "the demo launches products in its last months"
    full = _rows(mdb, new)
    refresh_products(mdb, TODAY, new)
    partial = _rows(mdb, new)
    new_pairs = {key: row for key, row in full.items() if row["forecast_method"] == "new_item"}
    assert new_pairs
    for key, row in new_pairs.items():
        assert partial[key]["forecast_method"] == "new_item"
        # The prior comes from the stored (4-decimal) rates: equal to a full refresh's within rounding.
        assert partial[key]["avg_daily_demand"] == pytest.approx(row["avg_daily_demand"], rel=2e-3, abs=1e-4)


def test_the_grid_s_search_finds_a_refreshed_product_and_only_once(mdb):
    p, _, _ = _two_products(mdb)
    with mdb.read_session() as session:
        sku = session.scalar(select(SkuMetrics.sku).where(SkuMetrics.product_id == p).limit(1))
    refresh_products(mdb, TODAY, [p])
    refresh_products(mdb, TODAY, [p])
    _search_index_matches_its_table(mdb)
    search = {"sku": {"filterType": "text", "type": "contains", "filter": sku}}
    with mdb.read_session() as session:
        request = {"startRow": 0, "endRow": 100, "filterModel": search}
        page = repl.grid_rows(session, repl.ReplenishmentFilters(condition="all"), request)
        pairs = session.scalar(select(SkuMetrics.id).where(SkuMetrics.product_id == p).limit(1))
    assert pairs is not None
    assert [row["sku"] for row in page.rows].count(sku) == len(_rows(mdb, [p]))


def test_an_unknown_sku_is_refused_and_nothing_changes(mdb):
    before = _summary(mdb)
    with pytest.raises(UnknownSkuError, match="'NOPE'"):
        refresh_skus(mdb, TODAY, ["NOPE"])
    assert _summary(mdb) == before
    settings = Settings(database_url=mdb.url, auto_demo=False, today_override=TODAY)
    result = CliRunner().invoke(main, ["refresh", "--sku", "NOPE"], obj={"settings": settings})
    assert result.exit_code != 0 and "no product with SKU 'NOPE'; nothing was refreshed" in result.output
    with mdb.read_session() as session:
        sku = session.scalar(select(SkuMetrics.sku).limit(1))
    result = CliRunner().invoke(main, ["refresh", "--sku", sku], obj={"settings": settings})
    assert result.exit_code == 0 and "SKU-warehouse pairs of 1 SKUs" in result.output
