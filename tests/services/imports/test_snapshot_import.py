"""Snapshot-friendly imports: one value for every row, unknown product values, lead times, owed and in transit."""

import datetime as dt

import pytest
from sqlalchemy import select

from dashboard.db.models import ImportMapping, Product, ProductSupplier, StockLevel, StockMovement, Supplier, Warehouse
from dashboard.services import imports as importing
from tests.services.imports.import_data import (
    MIA,
    TODAY,
    ledger_is_true,
    problems,
    reason,
    rows,
    run,
    scalar,
    snapshot,
)

SET_BER = {"warehouse_code": {"set": "BER"}}


def level(db, sku: str, warehouse: str = "BER"):
    return scalar(
        db,
        select(StockLevel)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Product.sku == sku, Warehouse.code == warehouse),
    )


def product(db, sku: str) -> tuple:
    return rows(
        db,
        select(Product.name, Product.category, Product.unit_price, Product.unit_cost).where(Product.sku == sku),
    )[0]


class TestOneValueForEveryRow:
    def test_a_set_value_stands_in_for_the_missing_column(self, shop_db):
        report = run(shop_db, "stock", "sku,on_hand\nSKU-A,12\nSKU-B,5\n", mapping=SET_BER)
        assert (report.updated, report.rejected) == (2, [])
        assert (level(shop_db, "SKU-A").on_hand, level(shop_db, "SKU-B").on_hand) == (12, 5)
        again = run(shop_db, "stock", "sku,on_hand\nSKU-A,12\nSKU-B,5\n", mapping=SET_BER)
        assert (again.applied, again.unchanged) == (0, 2)

    def test_a_bad_set_value_is_refused_row_by_row_like_a_cell(self, shop_db):
        before = snapshot(shop_db)
        report = run(shop_db, "stock", "sku,on_hand\nSKU-A,12\nSKU-B,5\n", mapping={"warehouse_code": {"set": "XXX"}})
        assert problems(report) == [(2, "warehouse_code"), (3, "warehouse_code")]
        assert report.rejected[0].value == "XXX" and "no such warehouse" in reason(report, 2)
        report = run(shop_db, "stock", "sku,warehouse_code,on_hand\nSKU-A,BER,1\n", mapping={"on_hand": {"set": "x"}})
        assert problems(report) == [(2, "on_hand")] and "'x' is not a number" in reason(report, 2)
        assert snapshot(shop_db) == before

    def test_a_set_value_wins_over_a_column_of_the_field_s_name(self, shop_db):
        run(shop_db, "stock", "sku,warehouse_code,on_hand\nSKU-A,HAM,7\n", mapping=SET_BER)
        assert level(shop_db, "SKU-A").on_hand == 7 and level(shop_db, "SKU-A", "HAM") is None

    def test_the_preview_shows_the_set_value(self, shop_db):
        with shop_db.read_session() as session:
            [row] = importing.preview(
                session,
                "stock",
                importing.read_table(b"sku,on_hand\nSKU-A,12\n", "s.csv"),
                today=TODAY,
                mapping=SET_BER,
            )
        assert (row.values["warehouse_code"], row.outcome) == ("BER", "update")

    def test_a_saved_mapping_keeps_its_set_values(self, shop_db):
        mapping = {"sku": "Item", **SET_BER}
        with shop_db.write_session() as session:
            importing.save_mapping(session, MIA, "stock", "one-shop", mapping)
        assert scalar(shop_db, select(ImportMapping.mapping)) == mapping
        with shop_db.read_session() as session:
            assert importing.load_mapping(session, "stock", "one-shop") == mapping

    @pytest.mark.parametrize("bad", [{"set": 3}, {"set": "x" * 201}, {"value": "BER"}, {"set": "BER", "x": "1"}])
    def test_a_set_value_must_be_short_text(self, bad):
        table = importing.read_table(b"sku,on_hand\nA,1\n", "s.csv")
        with pytest.raises(importing.MappingError, match="warehouse_code"):
            importing.apply_mapping("stock", table, {"warehouse_code": bad})


class TestProductsNeedOnlyASku:
    def test_what_the_file_lacks_is_unknown_never_zero(self, shop_db):
        report = run(shop_db, "products", "sku\nSNAP-1\nSNAP-2\n")
        assert (report.created, report.rejected) == (2, [])
        assert product(shop_db, "SNAP-1") == (None, None, None, None)
        assert run(shop_db, "products", "sku\nSNAP-1\nSNAP-2\n").unchanged == 2

    def test_a_blank_cell_keeps_what_an_existing_sku_has(self, shop_db):
        report = run(shop_db, "products", "sku,name,unit_cost\nSKU-A,,\nSNAP-3,Mug,\n")
        assert (report.created, report.unchanged) == (1, 1)
        assert product(shop_db, "SKU-A") == ("Product SKU-A", "Kitchen", 20.0, 8.0)
        assert product(shop_db, "SNAP-3") == ("Mug", None, None, None)


class TestLeadTimes:
    def test_a_supplier_needs_no_country_nor_lead_time(self, shop_db):
        report = run(shop_db, "suppliers", "code,name\nS9,Ninth\n")
        assert report.created == 1
        found = rows(shop_db, select(Supplier.country, Supplier.quoted_lead_time_days).where(Supplier.code == "S9"))
        assert found == [(None, None)]

    def test_a_blank_lead_time_falls_back_to_the_supplier_s_and_zero_is_same_day(self, shop_db):
        run(shop_db, "suppliers", "code,name,quoted_lead_time_days\nS9,Ninth,\nS8,Eighth,0\n")
        report = run(
            shop_db,
            "product_suppliers",
            "sku,supplier_code,quoted_lead_time_days,quoted_lead_time_weeks\n"
            "SKU-A,S1,,\n"  # 2: S1 quotes 14 days
            "SKU-B,S1,0,\n"  # 3: same-day supply
            "SKU-C,S1,,3\n"  # 4: three weeks
            "SKU-A,S9,,\n"  # 5: S9 quotes nothing: refused
            "SKU-B,S8,,\n"  # 6: S8 quotes 0 days
            "SKU-C,S8,5,2\n",  # 7: both units: refused
        )
        assert problems(report) == [(5, "quoted_lead_time_days"), (7, "quoted_lead_time_weeks")]
        assert "supplier S9 quotes none either" in reason(report, 5)
        assert "quoted_lead_time_days is given too" in reason(report, 7)
        found = dict(
            rows(
                shop_db,
                select(Product.sku + "/" + Supplier.code, ProductSupplier.quoted_lead_time_days)
                .join(Product, Product.id == ProductSupplier.product_id)
                .join(Supplier, Supplier.id == ProductSupplier.supplier_id),
            )
        )
        assert found == {"SKU-A/S1": 14, "SKU-B/S1": 0, "SKU-C/S1": 21, "SKU-B/S8": 0}
        # A link without a cost takes the product's; the same file again changes nothing.
        assert set(rows(shop_db, select(ProductSupplier.unit_cost))) == {(8.0,)}
        again = run(
            shop_db,
            "product_suppliers",
            "sku,supplier_code,quoted_lead_time_days,quoted_lead_time_weeks\nSKU-A,S1,,\nSKU-B,S1,0,\nSKU-C,S1,,3\n",
        )
        assert (again.applied, again.unchanged) == (0, 3)


class TestStockSnapshot:
    HEADER = "sku,on_hand,units_on_backorder,in_transit,in_transit_eta\n"

    def test_a_negative_count_is_kept_as_units_owed(self, shop_db):
        report = run(shop_db, "stock", "sku,on_hand\nSKU-B,-7\nSKU-C,-2\n", "snap.csv", mapping=SET_BER)
        assert (report.updated, report.created, report.rejected) == (1, 1, [])
        b, c = level(shop_db, "SKU-B"), level(shop_db, "SKU-C")
        assert (b.on_hand, b.owed_without_orders, c.on_hand, c.owed_without_orders) == (0, 7, 0, 2)
        assert ledger_is_true(shop_db)
        assert run(shop_db, "stock", "sku,on_hand\nSKU-B,-7\nSKU-C,-2\n", "snap.csv", mapping=SET_BER).unchanged == 2
        # The next count that is not negative owes nothing any more.
        run(shop_db, "stock", "sku,on_hand\nSKU-B,3\n", mapping=SET_BER)
        assert (level(shop_db, "SKU-B").on_hand, level(shop_db, "SKU-B").owed_without_orders) == (3, 0)

    def test_units_on_backorder_and_a_negative_count_owe_the_larger_never_the_sum(self, shop_db):
        report = run(shop_db, "stock", self.HEADER + "SKU-B,-4,9,,\nSKU-C,-6,2,,\nSKU-A,10,,,\n", mapping=SET_BER)
        assert report.rejected == []
        owed = {sku: level(shop_db, sku).owed_without_orders for sku in ("SKU-A", "SKU-B", "SKU-C")}
        assert owed == {"SKU-A": 0, "SKU-B": 9, "SKU-C": 6}

    def test_units_in_transit_are_expected_within_the_lead_time_unless_dated(self, shop_db):
        run(shop_db, "product_suppliers", "sku,supplier_code,quoted_lead_time_days\nSKU-A,S1,10\n")
        content = self.HEADER + "SKU-A,10,,40,\nSKU-B,0,,25,2026-12-20\nSKU-C,0,,,\n"
        report = run(shop_db, "stock", content, mapping=SET_BER)
        assert report.rejected == []
        a, b, c = (level(shop_db, sku) for sku in ("SKU-A", "SKU-B", "SKU-C"))
        assert (a.in_transit, a.in_transit_eta) == (40, TODAY + dt.timedelta(days=10))
        assert (b.in_transit, b.in_transit_eta) == (25, dt.date(2026, 12, 20))
        assert (c.in_transit, c.in_transit_eta) == (0, None)
        # Importing the same snapshot on a later day keeps the date: nothing changes, nothing doubles.
        table = importing.read_table(content.encode(), "snap.csv")
        with shop_db.write_session() as session:
            again = importing.run_import(
                session, MIA, "stock", table, today=TODAY + dt.timedelta(days=3), mapping=SET_BER
            )
        assert (again.applied, again.unchanged) == (0, 3)
        assert level(shop_db, "SKU-A").in_transit == 40
        # A SKU without a supplier is expected within the default lead time the reorder point assumes.
        run(shop_db, "stock", self.HEADER + "SKU-C,0,,5,\n", mapping=SET_BER)
        assert level(shop_db, "SKU-C").in_transit_eta == TODAY + dt.timedelta(days=14)

    def test_a_date_without_a_quantity_in_transit_is_refused(self, shop_db):
        report = run(shop_db, "stock", "sku,on_hand,in_transit_eta\nSKU-A,10,2026-12-20\n", mapping=SET_BER)
        assert problems(report) == [(2, "in_transit_eta")] and "no in_transit column" in reason(report, 2)

    def test_the_snapshot_columns_are_found_by_their_aliases(self):
        header = ["sku", "national_inv", "lead_time", "in_transit_qty", "sales_1_month", "local_bo_qty"]
        assert importing.suggest_mapping("stock", header) == {
            "sku": "sku",
            "on_hand": "national_inv",
            "units_on_backorder": "local_bo_qty",
            "in_transit": "in_transit_qty",
        }

    def test_a_count_below_what_is_reserved_is_still_refused(self, shop_db):
        report = run(shop_db, "stock", "sku,on_hand\nSKU-A,-1\n", mapping=SET_BER)
        assert problems(report) == [(2, "on_hand")] and "3 unit(s) are reserved" in reason(report, 2)
        assert report.rejected[0].value == "-1"
        assert scalar(shop_db, select(StockMovement.id).where(StockMovement.quantity < 0)) is None
