"""Warehouses, suppliers, products and product–supplier links: upserts on natural keys, every bad cell reported."""

import pytest
from sqlalchemy import func, select

from dashboard.db.models import (
    AppSetting,
    AuditEvent,
    Product,
    ProductSupplier,
    Supplier,
    Warehouse,
)
from dashboard.domain.codes import SalesStatus, Substitutability
from dashboard.services import imports as importing
from dashboard.services.catalog import status
from dashboard.services.derived.freshness import CHANGED_KEY
from tests.services.imports.import_data import problems, reason, rows, run, scalar, snapshot

PRODUCTS = (
    "sku,name,category,unit_price,unit_cost,substitutability,sales_status,max_backorder_days\n"
    "SKU-N1,Enamel Mug,Kitchen,12.50,4.10,niche,,\n"  # 2: new, defaults to in stock
    "SKU-N2,Linen Towel,Bath,9,3,,out_of_stock,30\n"  # 3: new, out of stock
    "SKU-A,Product SKU-A,Kitchen,22.00,8,,,\n"  # 4: price change
    "SKU-B,Product SKU-B,Kitchen,20,8,,,\n"  # 5: unchanged
    "SKU-N3,Bad Price,Kitchen,-1,2,,,\n"  # 6: negative price
    "SKU-N4,Bad Cost,Kitchen,5,abc,,,\n"  # 7: cost not a number
    "SKU-N5,Bad Kind,Kitchen,5,2,rare,sold_out,0\n"  # 8: three bad cells
    ",No SKU,Kitchen,5,2,,,\n"  # 9: no SKU
    "SKU-N1,Enamel Mug again,Kitchen,12.50,4.10,,,\n"  # 10: repeats row 2
)


class TestWarehousesAndSuppliers:
    def test_warehouses_are_upserted_by_code(self, shop_db):
        report = run(
            shop_db, "warehouses", "code,name,timezone\nMUC,Munich,\nBER,Berlin Mitte,Europe/Berlin\nX,Y,Mars/Base\n"
        )
        assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
        assert problems(report) == [(4, "timezone")] and "not a time zone" in reason(report, 4)
        found = dict(rows(shop_db, select(Warehouse.code, Warehouse.timezone)))
        assert found["MUC"] == "UTC" and "X" not in found
        assert scalar(shop_db, select(Warehouse.name).where(Warehouse.code == "BER")) == "Berlin Mitte"

    def test_suppliers_check_country_email_and_lead_time(self, shop_db):
        report = run(
            shop_db,
            "suppliers",
            "code,name,country,email,quoted_lead_time_days\n"
            "S2,Second Co,nl,buy@s2.example,21\n"
            "S3,Third Co,Netherlands,buy@s3.example,21\n"
            "S4,Fourth Co,NL,not-an-email,21\n"
            "S5,Fifth Co,NL,,-1\n"
            "S1,First Supply,DE,,14\n",
        )
        assert problems(report) == [(3, "country"), (4, "email"), (5, "quoted_lead_time_days")]
        assert "below the minimum of 0" in reason(report, 5)
        assert (report.created, report.unchanged) == (1, 1)  # a blank e-mail keeps S1's
        assert rows(shop_db, select(Supplier.code, Supplier.country).order_by(Supplier.code)) == [
            ("S1", "DE"),
            ("S2", "NL"),
        ]
        assert scalar(shop_db, select(Supplier.email).where(Supplier.code == "S1")) == "po@s1.example"


class TestProducts:
    def test_good_rows_go_in_and_each_bad_cell_is_reported(self, shop_db):
        report = run(shop_db, "products", PRODUCTS, "catalog.csv")
        assert problems(report) == [
            (6, "unit_price"),
            (7, "unit_cost"),
            (8, "max_backorder_days"),
            (8, "sales_status"),
            (8, "substitutability"),
            (9, "sku"),
            (10, "sku"),
        ]
        assert "negative" in reason(report, 6) and "repeats row 2" in reason(report, 10)
        assert "use one of: niche, standard, commodity" in reason(report, 8)
        assert (report.rows, report.created, report.updated, report.unchanged, report.rejected_rows) == (9, 2, 1, 1, 5)
        assert report.needs_kpi_rebuild
        found = {
            sku: (status, kind, price, wait)
            for sku, status, kind, price, wait in rows(
                shop_db,
                select(
                    Product.sku,
                    Product.sales_status,
                    Product.substitutability,
                    Product.unit_price,
                    Product.max_backorder_days,
                ),
            )
        }
        assert found["SKU-N1"] == (SalesStatus.IN_STOCK, Substitutability.NICHE, 12.5, None)
        assert found["SKU-N2"] == (SalesStatus.OUT_OF_STOCK, Substitutability.STANDARD, 9.0, 30)
        assert found["SKU-A"][2] == 22.0 and "SKU-N3" not in found
        assert scalar(shop_db, select(Product.version).where(Product.sku == "SKU-A")) == 2  # an edit, like any other

    def test_the_import_is_audited_and_marks_the_data_changed(self, shop_db):
        run(shop_db, "products", PRODUCTS, "catalog.csv")
        event = scalar(shop_db, select(AuditEvent).where(AuditEvent.action == "import_products"))
        assert (event.actor, event.entity_type, event.entity_id) == ("mia", "import", "catalog.csv")
        assert event.after == {
            "file": "catalog.csv",
            "kind": "products",
            "rows": 9,
            "applied": 3,
            "unchanged": 1,
            "rejected": 5,
        }
        assert scalar(shop_db, select(AppSetting.value).where(AppSetting.key == CHANGED_KEY)) is not None

    def test_importing_the_same_file_again_changes_nothing(self, shop_db):
        run(shop_db, "products", PRODUCTS)
        before = snapshot(shop_db)
        again = run(shop_db, "products", PRODUCTS)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
        assert not again.needs_kpi_rebuild
        assert snapshot(shop_db) == before

    def test_a_file_of_only_bad_rows_writes_nothing(self, shop_db):
        before = snapshot(shop_db)
        report = run(shop_db, "products", "sku,name,category,unit_price,unit_cost\n,X,Kitchen,1,1\nY,Y,Kitchen,-2,1\n")
        assert report.applied == 0 and problems(report) == [(2, "sku"), (3, "unit_price")]
        assert snapshot(shop_db) == before
        assert scalar(shop_db, select(AppSetting.id).where(AppSetting.key == CHANGED_KEY)) is None

    def test_a_huge_cell_is_refused_and_reported_cut_short(self, shop_db):
        report = run(shop_db, "products", f"sku,name,category,unit_price,unit_cost\nBIG,{'x' * 100_000},K,1,1\n")
        assert problems(report) == [(2, "name")] and "longer than 200 characters (100,000)" in reason(report, 2)
        assert len(report.rejected[0].value) == 201 and len(report.rejected_csv()) < 1_000

    def test_a_status_change_goes_through_the_status_rules_and_is_audited(self, shop_db):
        report = run(
            shop_db,
            "products",
            "sku,name,category,unit_price,unit_cost,sales_status\n"
            "SKU-B,Product SKU-B,Kitchen,20,8,backorder\n"  # confirmed PO-1 within the wait: allowed
            "SKU-A,Renamed,Kitchen,20,8,backorder\n"  # 10 on hand: backorder refused, and the rename with it
            "SKU-C,Product SKU-C,Kitchen,20,8,discontinued\n",  # a customer waits: someone must decide
            "statuses.csv",
        )
        assert problems(report) == [(3, "sales_status"), (4, "sales_status")]
        assert "Backorder needs a confirmed ETA" in reason(report, 3) and "backorder-desk status" in reason(report, 3)
        assert "has open backorders" in reason(report, 4)
        assert report.updated == 1
        statuses = dict(rows(shop_db, select(Product.sku, Product.sales_status)))
        assert statuses == {
            "SKU-A": SalesStatus.IN_STOCK,
            "SKU-B": SalesStatus.BACKORDER,
            "SKU-C": SalesStatus.BACKORDER,
        }
        assert scalar(shop_db, select(Product.name).where(Product.sku == "SKU-A")) == "Product SKU-A"
        event = scalar(shop_db, select(AuditEvent).where(AuditEvent.action == "set_status"))
        assert (event.entity_id, event.actor, event.reason) == ("SKU-B", "mia", "Imported from statuses.csv")
        assert event.before["sales_status"] == "out_of_stock" and event.after["sales_status"] == "backorder"

    def test_a_status_changed_by_someone_else_mid_import_leaves_nothing_half_written(self, shop_db, monkeypatch):
        def stale(*_args, **_kwargs):
            raise status.StaleStatusError("SKU-B was changed by sam after you loaded it; nothing was saved.")

        monkeypatch.setattr(status, "set_status", stale)
        before = snapshot(shop_db)
        content = "sku,name,category,unit_price,unit_cost,sales_status\nNEW-1,Mug,K,1,1,\nSKU-B,B,K,20,8,backorder\n"
        with pytest.raises(importing.ImportFileError, match=r"changed while it was being imported.*changed by sam"):
            run(shop_db, "products", content)
        assert snapshot(shop_db) == before


LINKS = "sku,supplier_code,is_primary,quoted_lead_time_days,moq,pack_size,unit_cost\n"


class TestProductSuppliers:
    def test_links_go_in_with_exactly_one_primary_per_product(self, shop_db):
        run(shop_db, "suppliers", "code,name,country,quoted_lead_time_days\nS2,Second,NL,30\n")
        report = run(
            shop_db,
            "product_suppliers",
            LINKS + "SKU-A,S1,,14,10,6,7.5\n"  # first link of SKU-A: becomes primary
            "SKU-B,S1,true,14,,,7\n"
            "SKU-B,S2,true,30,,,6\n"  # a second primary for SKU-B: refused
            "SKU-C,S9,,14,,,7\n"  # unknown supplier
            "SKU-Z,S1,,14,,,7\n"  # unknown SKU
            "SKU-A,S2,,30,0,,6\n",  # MOQ 0
        )
        assert problems(report) == [(4, "is_primary"), (5, "supplier_code"), (6, "sku"), (7, "moq")]
        assert "row 3 already makes another supplier primary" in reason(report, 4)
        links = rows(
            shop_db,
            select(
                Product.sku, Supplier.code, ProductSupplier.is_primary, ProductSupplier.moq, ProductSupplier.pack_size
            )
            .join(Product, Product.id == ProductSupplier.product_id)
            .join(Supplier, Supplier.id == ProductSupplier.supplier_id)
            .order_by(Product.sku, Supplier.code),
        )
        assert links == [("SKU-A", "S1", True, 10, 6), ("SKU-B", "S1", True, 1, 1)]

    def test_a_new_primary_unsets_the_old_one_and_a_reimport_changes_nothing(self, shop_db):
        run(shop_db, "suppliers", "code,name,country,quoted_lead_time_days\nS2,Second,NL,30\n")
        run(shop_db, "product_suppliers", LINKS + "SKU-A,S1,true,14,,,7\n")
        switch = LINKS + "SKU-A,S2,yes,30,,,6\n"
        assert run(shop_db, "product_suppliers", switch).created == 1
        primaries = rows(
            shop_db,
            select(Supplier.code)
            .join(ProductSupplier, ProductSupplier.supplier_id == Supplier.id)
            .where(ProductSupplier.is_primary),
        )
        assert primaries == [("S2",)]
        before = snapshot(shop_db)
        again = run(shop_db, "product_suppliers", switch)
        assert (again.applied, again.unchanged) == (0, 1) and snapshot(shop_db) == before
        # A file that does not mention the primary leaves it alone.
        assert run(shop_db, "product_suppliers", LINKS + "SKU-A,S1,false,14,,,7\n").unchanged == 1
        count = select(func.count()).select_from(ProductSupplier).where(ProductSupplier.is_primary)
        assert scalar(shop_db, count) == 1
