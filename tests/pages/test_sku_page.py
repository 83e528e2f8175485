"""/sku/<sku> over HTTP: the why panel, the waiting queue in allocation order, POs and notify-me."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from dashboard import context
from dashboard.db.models import (
    Customer,
    OrderLine,
    POLine,
    Product,
    PurchaseOrder,
    RestockSubscription,
    SalesOrder,
    SkuMetrics,
    SkuMetricsExplain,
    StockLevel,
    Warehouse,
)
from dashboard.db.queries import line_is_waiting
from dashboard.domain import forecast
from dashboard.domain.codes import CustomerPriority, LineStatus, SubscriptionStatus
from dashboard.services.catalog.sku import load_sku
from tests.conftest import TODAY
from tests.pages.dash_http import components, route


def db_of(app):
    return context.current_for(app.server).db


def text_of(tree) -> str:
    """All the text inside a component, space separated."""
    if isinstance(tree, str):
        return tree
    if isinstance(tree, int | float):
        return str(tree)
    if isinstance(tree, list):
        return " ".join(filter(None, (text_of(item) for item in tree)))
    if isinstance(tree, dict):
        return text_of((tree.get("props") or {}).get("children"))
    return ""


class Page:
    """A rendered page: its components by id, and its table rows as text cells."""

    def __init__(self, response) -> None:
        assert response.status_code == 200, response.text
        side = response.json.get("sideUpdate") or {}
        assert "global-error" not in side, f"the page crashed: {side['global-error']}"
        self.content = response.json["response"]["_pages_content"]["children"]
        self.by_id = {node["props"]["id"]: node for node in components(self.content) if "id" in node["props"]}

    def rows(self, table_id: str) -> list[list[str]]:
        tbody = next(node for node in components(self.by_id[table_id]) if node["type"] == "Tbody")
        return [
            [text_of(cell) for cell in row["props"]["children"]]
            for row in components(tbody["props"]["children"])
            if row["type"] == "Tr"
        ]

    def text(self, component_id: str) -> str:
        return text_of(self.by_id[component_id])


def open_sku(auth, app, sku: str, warehouse: str | None = None, role: str = "manager") -> Page:
    auth.login(role)
    return Page(route(auth.client, f"/sku/{sku}", f"?warehouse={warehouse}" if warehouse else ""))


def queue_with_vip_ordered_last(app) -> tuple[str, str, str]:
    """A (SKU, warehouse) queue of ≥ 3 waiting lines whose latest order is made a VIP's; returns its order number.

    Queued by order time alone the VIP would come last; the allocation queue puts it first.
    """
    db = db_of(app)
    with db.write_session() as session:
        product_id, warehouse_id = session.execute(
            select(OrderLine.product_id, OrderLine.warehouse_id)
            .where(line_is_waiting())
            .group_by(OrderLine.product_id, OrderLine.warehouse_id)
            .having(func.count() >= 3)
            .order_by(func.count().desc(), OrderLine.product_id, OrderLine.warehouse_id)
            .limit(1)
        ).one()
        lines = session.execute(
            select(SalesOrder.number, SalesOrder.customer_id)
            .join(OrderLine, OrderLine.order_id == SalesOrder.id)
            .where(OrderLine.product_id == product_id, OrderLine.warehouse_id == warehouse_id, line_is_waiting())
            .order_by(SalesOrder.ordered_at, OrderLine.id)
        ).all()
        vip_number, vip_customer = lines[-1]
        others = {customer for _, customer in lines[:-1]} - {vip_customer}
        assert others, "the queue needs customers other than the VIP"
        for customer in session.scalars(select(Customer).where(Customer.id.in_(others))):
            customer.priority = CustomerPriority.NORMAL
        session.get(Customer, vip_customer).priority = CustomerPriority.VIP
        sku = session.get(Product, product_id).sku
        code = session.get(Warehouse, warehouse_id).code
    return sku, code, vip_number


def quiet_sku(app) -> str:
    """A SKU nobody waits for, with purchase orders; given three active notify-me subscribers (and a cancelled one)."""
    db = db_of(app)
    with db.write_session() as session:
        waiting = select(OrderLine.product_id).where(line_is_waiting())
        product = session.scalar(
            select(Product)
            .where(Product.id.not_in(waiting), Product.id.in_(select(POLine.product_id)))
            .order_by(Product.id)
            .limit(1)
        )
        session.execute(RestockSubscription.__table__.delete().where(RestockSubscription.product_id == product.id))
        for i, status in enumerate([SubscriptionStatus.ACTIVE] * 3 + [SubscriptionStatus.CANCELLED]):
            session.add(
                RestockSubscription(
                    product_id=product.id,
                    email=f"shopper{i}@example.com",
                    status=status,
                    created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                )
            )
        return product.sku


class TestAQuietSku:
    """A SKU with no waiting customers: the parts of the page that do not depend on the queue."""

    def test_the_why_panel_explains_the_numbers(self, app, auth):
        sku = quiet_sku(app)
        page = open_sku(auth, app, sku)
        assert "sku-why" in page.by_id
        labels = [row[0] for row in page.rows("sku-why")]
        for label in ("Demand d̄", "Lead time L", "Service level", "Safety stock", "Reorder point", "Suggested order"):
            assert label in labels
        with db_of(app).read_session() as session:
            metrics = session.scalar(
                select(SkuMetrics).join(Product, Product.id == SkuMetrics.product_id).where(Product.sku == sku)
            )
        cells = {row[0]: row[1] for row in page.rows("sku-why")}
        assert cells["Reorder point"] == f"{metrics.reorder_point:.1f}"
        assert cells["Stock position"] == str(metrics.stock_position)

    def test_a_slow_mover_s_safety_stock_names_its_count_distribution(self, app, auth):
        with db_of(app).read_session() as session:
            rows = session.execute(
                select(SkuMetrics.sku, SkuMetrics.warehouse_code, SkuMetricsExplain.explain)
                .join(
                    SkuMetricsExplain,
                    (SkuMetricsExplain.product_id == SkuMetrics.product_id)
                    & (SkuMetricsExplain.warehouse_id == SkuMetrics.warehouse_id),
                )
                .order_by(SkuMetrics.id)
            ).all()
        sku, code, terms = next((s, c, e) for s, c, e in rows if e.get("ss_method") == "poisson" and not e["overrides"])
        page = open_sku(auth, app, sku, code)
        notes = {row[0]: row[-1] for row in page.rows("sku-why")}
        assert notes["Safety stock"].startswith(f"Poisson lead-time demand (mean {terms['ltd_mean']:.2f}")
        assert f"at most {terms['ltd_quantile']:.0f} sell in a lead time with at least" in notes["Safety stock"]

    def test_the_po_table_lists_the_products_purchase_orders(self, app, auth):
        sku = quiet_sku(app)
        page = open_sku(auth, app, sku)
        with db_of(app).read_session() as session:
            numbers = session.scalars(
                select(POLine.po_id).join(Product, Product.id == POLine.product_id).where(Product.sku == sku)
            ).all()
        rows = page.rows("sku-pos")
        assert len(rows) == min(12, len(numbers)) > 0
        assert all(row[0].startswith("PO") for row in rows)

    def test_notify_me_counts_only_active_subscriptions(self, app, auth):
        page = open_sku(auth, app, quiet_sku(app))
        assert page.text("sku-notify-me").strip() == "3 waiting for notify-me"

    def test_no_one_waiting_says_so(self, app, auth):
        page = open_sku(auth, app, quiet_sku(app))
        assert "sku-waiting" not in page.by_id
        assert "No customer is waiting for this product." in text_of(page.content)

    def test_any_signed_in_role_may_open_it(self, app, auth):
        page = open_sku(auth, app, quiet_sku(app), role="support")
        assert "sku-why" in page.by_id and "page-forbidden" not in page.by_id

    def test_the_chosen_warehouse_is_highlighted(self, app, auth):
        sku = quiet_sku(app)
        with db_of(app).read_session() as session:
            codes = session.scalars(
                select(Warehouse.code)
                .join(StockLevel, StockLevel.warehouse_id == Warehouse.id)
                .join(Product, Product.id == StockLevel.product_id)
                .where(Product.sku == sku)
                .order_by(Warehouse.code)
            ).all()
        page = open_sku(auth, app, sku, codes[-1])
        buttons = {
            text_of(node): node["props"].get("color")
            for node in components(page.content)
            if node["type"] == "Button" and str(node["props"].get("href", "")).startswith(f"/sku/{sku}?warehouse=")
        }
        assert buttons == {code: ("primary" if code == codes[-1] else "secondary") for code in codes}


class TestUnknownSku:
    def test_an_unknown_sku_says_so(self, app, auth):
        page = open_sku(auth, app, "NO-SUCH-SKU")
        assert "sku-missing" in page.by_id
        assert "NO-SUCH-SKU" in page.text("sku-missing")
        assert "sku-why" not in page.by_id


class TestWaitingQueue:
    def test_the_service_lists_vips_before_earlier_orders_within_a_warehouse(self, app):
        sku, code, vip_number = queue_with_vip_ordered_last(app)
        with db_of(app).read_session() as session:
            view = load_sku(session, sku, code, TODAY)
        queue = [row for row in view.waiting if row["warehouse"] == code]
        assert queue[0]["number"] == vip_number
        assert queue[0]["priority"] == CustomerPriority.VIP
        assert all(row["priority"] == CustomerPriority.NORMAL for row in queue[1:])
        times = [row["backordered_at"] for row in queue[1:]]
        assert len(queue) >= 3 and all(t is not None for t in times)

    def test_a_pinned_line_goes_ahead_of_the_vip(self, app):
        sku, code, vip_number = queue_with_vip_ordered_last(app)
        with db_of(app).write_session() as session:
            line = session.scalars(
                select(OrderLine)
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .join(Product, Product.id == OrderLine.product_id)
                .join(Warehouse, Warehouse.id == OrderLine.warehouse_id)
                .where(Product.sku == sku, Warehouse.code == code, line_is_waiting(), SalesOrder.number != vip_number)
                .order_by(SalesOrder.ordered_at.desc())
            ).first()
            line.priority_pin = 1
            pinned = line.order.number
        with db_of(app).read_session() as session:
            queue = [row for row in load_sku(session, sku, code, TODAY).waiting if row["warehouse"] == code]
        assert [row["number"] for row in queue[:2]] == [pinned, vip_number]

    def test_the_page_shows_the_queue_in_allocation_order(self, app, auth):
        sku, code, vip_number = queue_with_vip_ordered_last(app)
        page = open_sku(auth, app, sku, code)
        with db_of(app).read_session() as session:
            view = load_sku(session, sku, code, TODAY)
        rows = page.rows("sku-waiting")
        assert [row[1] for row in rows] == [row["number"] for row in view.waiting]
        mine = [row for row in rows if row[0].startswith(f"{code} #")]
        assert mine[0][0] == f"{code} #1" and mine[0][1] == vip_number
        assert "VIP" in mine[0][2]
        assert all("VIP" not in row[2] for row in mine[1:])
        assert "sku-why" in page.by_id and "sku-pos" in page.by_id and "sku-notify-me" in page.by_id
        # The projection starts from what is available after this warehouse's waiting customers are served.
        metrics = view.metrics
        waiting_here = sum(row["qty"] - row["qty_allocated"] for row in view.waiting if row["warehouse"] == code)
        projected = page.by_id["sku-chart"]["props"]["figure"]["data"][1]["y"][0]
        assert projected == metrics.on_hand - metrics.allocated - waiting_here


class TestDemandChart:
    def test_weekly_history_forecast_and_band_are_the_pair_s_own(self, app, auth):
        with db_of(app).read_session() as session:
            sku, code, method = session.execute(
                select(SkuMetrics.sku, SkuMetrics.warehouse_code, SkuMetrics.forecast_method)
                .where(SkuMetrics.forecast_method.in_(["croston_sba", "tsb"]), SkuMetrics.forecast_wape.is_not(None))
                .order_by(SkuMetrics.avg_daily_demand.desc())
            ).first()
            view = load_sku(session, sku, code, TODAY)
            # The weeks' units are the order lines of this pair, counted independently here.
            first = TODAY - dt.timedelta(days=7 * 26)
            asked = session.scalar(
                select(func.coalesce(func.sum(OrderLine.qty), 0))
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .join(Product, Product.id == OrderLine.product_id)
                .join(Warehouse, Warehouse.id == OrderLine.warehouse_id)
                .where(
                    Product.sku == sku,
                    Warehouse.code == code,
                    SalesOrder.ordered_at >= dt.datetime.combine(first, dt.time(), dt.UTC),
                    SalesOrder.ordered_at < dt.datetime.combine(TODAY, dt.time(), dt.UTC),
                    (OrderLine.status != LineStatus.CANCELLED) | OrderLine.backordered_at.is_not(None),
                )
            )
        page = open_sku(auth, app, sku, code)
        bars, band, line = page.by_id["sku-demand-chart"]["props"]["figure"]["data"]
        assert len(bars["y"]) == 26 and sum(bars["y"]) == asked
        metrics = view.metrics
        assert line["y"][0] == pytest.approx(7 * metrics.avg_daily_demand)
        assert line["name"] == f"Forecast: {forecast.METHOD_LABELS[method]}"
        low, high = min(band["y"]), max(band["y"])
        assert low <= line["y"][0] <= high and high > low
        summary = page.text("sku-forecast")
        assert summary.startswith(f"Forecast by {forecast.METHOD_LABELS[method]}")
        assert f"error {metrics.forecast_wape:.0%} of units sold at the five origins" in summary
        # The why panel says which method gave d̄ and what the 90-day average was.
        notes = {row[0]: row[-1] for row in page.rows("sku-why")}
        assert notes["Demand d̄"].startswith(f"{forecast.METHOD_LABELS[method]} forecast (90-day average")

    def test_a_new_item_says_what_its_rate_rests_on(self, app, auth):
        with db_of(app).read_session() as session:
            sku, code, terms = session.execute(
                select(SkuMetrics.sku, SkuMetrics.warehouse_code, SkuMetricsExplain.explain)
                .join(SkuMetricsExplain, SkuMetricsExplain.id == SkuMetrics.id)
                .where(SkuMetrics.forecast_method == "new_item")
                .order_by(SkuMetrics.id)
            ).first()
        page = open_sku(auth, app, sku, code)
        notes = {row[0]: row[-1] for row in page.rows("sku-why")}
        assert notes["Demand d̄"] == (
            f"New item: {terms['new_item_units']:.0f} units in {terms['new_item_days']} sellable days since first "
            f"stocked, blended with 4 weeks of its category's typical {terms['category_rate']:.2f}/day"
        )
        assert page.text("sku-forecast").startswith("Forecast by New item (category prior)")


def test_the_page_shows_one_warehouse_and_links_to_the_others(app, auth):
    """Issue 22: the queue and the POs are the chosen warehouse's, beside the product-wide status (labelled so)."""
    db = db_of(app)
    with db.read_session() as session:
        product_id = session.scalar(
            select(OrderLine.product_id)
            .where(line_is_waiting())
            .group_by(OrderLine.product_id)
            .having(func.count(func.distinct(OrderLine.warehouse_id)) >= 2)
            .order_by(OrderLine.product_id)
            .limit(1)
        )
        sku = session.scalar(select(Product.sku).where(Product.id == product_id))
        codes = session.scalars(
            select(Warehouse.code)
            .join(OrderLine, OrderLine.warehouse_id == Warehouse.id)
            .where(OrderLine.product_id == product_id, line_is_waiting())
            .distinct()
            .order_by(Warehouse.code)
        ).all()
    here, there = codes[0], codes[1]
    page = open_sku(auth, app, sku, here)
    queue = page.rows("sku-waiting")
    assert queue and all(row[0].startswith(here) for row in queue)
    with db.read_session() as session:
        where = dict(session.execute(select(PurchaseOrder.number, Warehouse.code).join(Warehouse)).all())
    assert page.rows("sku-pos") and all(where[row[0]] == here for row in page.rows("sku-pos"))
    assert page.text("sku-here").startswith(f"{here}:")
    assert there in page.text("sku-elsewhere") and "waiting" in page.text("sku-elsewhere")


def test_every_chart_on_the_operational_pages_offers_only_a_download(app, auth):
    """Issue 22: Plotly's toolbar was on every chart; each keeps its PNG download and nothing else."""
    auth.login("manager")
    sku = db_of(app).engine.connect().exec_driver_sql("SELECT sku FROM product ORDER BY sku LIMIT 1").scalar()
    for path, query in ((f"/sku/{sku}", ""), ("/replenishment", ""), ("/backorders", "")):
        content = route(auth.client, path, query).json["response"]["_pages_content"]["children"]
        graphs = [node for node in components(content) if node["type"] == "Graph"]
        assert graphs, path
        for graph in graphs:
            config = graph["props"]["config"]
            assert config["modeBarButtons"] == [["toImage"]] and config["toImageButtonOptions"]["filename"], path
