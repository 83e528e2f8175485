"""Proof on a shop with a known answer (issue 19 item 8).

A year of a shop's orders is generated from demand processes we choose (smooth, slow, seasonal,
lumpy) with stockouts and backorders; Shopify's products and orders exports of it go into an empty
database (SQLite and PostgreSQL) through the documented commands only (``db upgrade``, ``users create``, ``import``,
``refresh``). Then:

- every SKU's estimated daily demand is within the sampling error of its true rate (3.5 standard
  errors of a 90-day mean: with 40 SKUs a false alarm is a one-in-a-thousand event);
- the reorder flags equal those the same computation gives on the generator's own tables (its
  shelf, the units it owes and its day-by-day sales), so nothing is lost or invented on the way in.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.engine import Database
from dashboard.db.models import SkuMetrics, SkuMetricsExplain
from dashboard.domain.codes import DemandBasis
from dashboard.services.derived.metrics import WINDOW_DAYS, compute_metrics, load_inputs
from tests.conftest import BACKENDS, TODAY, drop_postgres_database, empty_database_url
from tests.proof.shop import WINDOW, Shop, generate

pytestmark = pytest.mark.slow


def _run(url: str, *args: str, stdin: str | None = None) -> str:
    settings = Settings(database_url=url, auto_demo=False, today_override=TODAY)
    result = CliRunner().invoke(main, list(args), obj={"settings": settings}, input=stdin)
    assert result.exit_code == 0, f"{' '.join(args)} failed:\n{result.output}"
    return result.output


@pytest.fixture(scope="module")
def shop() -> Shop:
    return generate(TODAY, seed=7)


@pytest.fixture(scope="module", params=BACKENDS)
def imported(request, shop, tmp_path_factory) -> Iterator[Database]:
    """The shop imported into an empty database (SQLite, PostgreSQL) with the README's commands."""
    folder = tmp_path_factory.mktemp("shop")
    url = empty_database_url(request.param, folder)
    shop.write_products(folder / "products_export.csv")
    shop.write_orders(folder / "orders_export.csv")
    (folder / "warehouses.csv").write_text("code,name,timezone\nWEB,Web shop,UTC\n")
    _run(url, "db", "upgrade")
    _run(url, "users", "create", "owner", "--role", "manager", "--password-stdin", stdin="proof-password\n")
    for args in (
        ("warehouses", str(folder / "warehouses.csv")),
        ("products", str(folder / "products_export.csv"), "--warehouse", "WEB"),
        ("sales", str(folder / "orders_export.csv"), "--warehouse", "WEB"),
    ):
        _run(url, "import", args[0], args[1], *args[2:], "--user", "owner", "--no-refresh")
    _run(url, "refresh")
    database = Database(url)
    yield database
    database.dispose()
    if request.param != "sqlite":
        drop_postgres_database(url)


def _metrics(db: Database) -> pd.DataFrame:
    """Per SKU: the 90-day average (the window the truth is of), the forecast rate, the flag, the basis."""
    with db.read_session() as session:
        rows = session.execute(
            select(
                SkuMetrics.sku,
                SkuMetricsExplain.explain,
                SkuMetrics.below_reorder_point,
                SkuMetrics.demand_basis,
                SkuMetrics.avg_daily_demand,
            ).join(SkuMetricsExplain, SkuMetricsExplain.id == SkuMetrics.id)
        ).all()
    frame = pd.DataFrame(rows, columns=["sku", "explain", "flag", "basis", "rate"]).set_index("sku")
    frame["avg"] = [x["moving_average"] for x in frame.pop("explain")]
    return frame


def _truth_inputs(shop: Shop, db: Database) -> dict[str, pd.DataFrame]:
    """compute_metrics' inputs from the generator's own tables: its shelf, what it owes, what it sold.

    Product facts (price, cost, status, supplier) are read from the database, so the two runs differ
    only in the stock and demand the import had to carry over.
    """
    with db.read_session() as session:
        inputs = load_inputs(session, TODAY, WINDOW_DAYS)
    pairs = inputs["pairs"].set_index("sku")
    truth = {s.sku: s for s in shop.skus}
    pairs["on_hand"] = [truth[sku].on_hand for sku in pairs.index]
    pairs["allocated"] = 0
    pairs["owed_without_orders"] = [truth[sku].owed for sku in pairs.index]
    pairs = pairs.reset_index()
    first = TODAY - dt.timedelta(days=len(shop.skus[0].sold))
    demand = [
        (
            row.product_id,
            row.warehouse_id,
            first + dt.timedelta(days=day),
            float(qty),
            float(qty) * truth[row.sku].price,
        )
        for row in pairs.itertuples()
        for day, qty in enumerate(truth[row.sku].sold)
        if qty
    ]
    empty = inputs["moves"].iloc[0:0]
    return {
        **inputs,
        "pairs": pairs,
        "demand": pd.DataFrame(demand, columns=["product_id", "warehouse_id", "day", "qty", "revenue"]),
        "moves": empty,
        "waiting": inputs["waiting"].iloc[0:0],
        "first_moves": inputs["first_moves"].iloc[0:0],
        "history_start": pd.DataFrame({"first_day": [first]}),
    }


def test_estimated_daily_demand_is_within_sampling_error_of_the_true_rate(shop, imported):
    metrics = _metrics(imported)
    assert set(metrics.index) == {s.sku for s in shop.skus}
    misses = []
    for s in shop.skus:
        window = s.sold[-WINDOW:]
        # Standard error of a 90-day mean: the realised day-to-day spread, at least Poisson's.
        se = max(float(np.std(window, ddof=1)), math.sqrt(s.true_daily_demand)) / math.sqrt(WINDOW)
        estimate = float(metrics.loc[s.sku, "avg"])
        if abs(estimate - s.true_daily_demand) > 3.5 * se:
            misses.append(f"{s.sku} ({s.kind}): {estimate:.3f} vs true {s.true_daily_demand:.3f} ± {se:.3f}")
        # The rate the reorder point uses is the chosen method's forecast: for a steady seller it must
        # agree with the truth as the average does; for the rest it follows the level, not a made-up one.
        rate = float(metrics.loc[s.sku, "rate"])
        bound = 3.5 * se if s.kind == "smooth" else max(3.5 * se, 0.5 * s.true_daily_demand)
        if abs(rate - s.true_daily_demand) > bound:
            misses.append(f"{s.sku} ({s.kind}) rate: {rate:.3f} vs true {s.true_daily_demand:.3f}, bound {bound:.3f}")
    assert misses == []
    assert set(metrics["basis"]) == {DemandBasis.LINES.value}


def test_reorder_flags_equal_those_on_the_generator_s_own_tables(shop, imported):
    metrics = _metrics(imported)
    expected = compute_metrics(_truth_inputs(shop, imported), TODAY).set_index("sku")
    flagged = metrics["flag"].astype(bool)
    assert flagged.sum() > 0, "the generated shop should have something to reorder"
    differ = flagged.index[flagged != expected.loc[flagged.index, "below_reorder_point"].astype(bool)]
    assert list(differ) == []
    # And the numbers behind them: demand per SKU equal to the last rounding digit.
    assert np.allclose(metrics["rate"], expected.loc[metrics.index, "avg_daily_demand"], atol=1e-4)
