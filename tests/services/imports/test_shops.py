"""Shopify and WooCommerce product exports: recognised by their header, imported as products, stock and statuses."""

from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.db.models import Product, StockLevel, Warehouse
from dashboard.domain.codes import SalesStatus
from dashboard.services import imports as importing
from tests.services.imports.import_data import ledger_is_true, problems, reason, rows, run, snapshot

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
SHOPIFY = (SAMPLES / "shopify_products.csv").read_bytes()
WOO = (SAMPLES / "woocommerce_products.csv").read_bytes()


def catalog(db) -> dict[str, tuple]:
    return {
        sku: (name, category, price, cost, status)
        for sku, name, category, price, cost, status in rows(
            db,
            select(
                Product.sku, Product.name, Product.category, Product.unit_price, Product.unit_cost, Product.sales_status
            ),
        )
    }


def stock(db, warehouse: str) -> dict[str, int]:
    return dict(
        rows(
            db,
            select(Product.sku, StockLevel.on_hand)
            .join(Product, Product.id == StockLevel.product_id)
            .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
            .where(Warehouse.code == warehouse),
        )
    )


class TestRecognition:
    def test_each_export_is_recognised_by_its_header(self):
        assert importing.detect_shop(importing.read_table(SHOPIFY, "s.csv").header) == "shopify"
        assert importing.detect_shop(importing.read_table(WOO, "w.csv").header) == "woocommerce"
        assert importing.detect_shop(["sku", "name", "category", "unit_price", "unit_cost"]) is None

    def test_products_becomes_the_shop_whose_export_it_is(self):
        assert importing.resolve_kind("products", importing.read_table(SHOPIFY, "s.csv")) == "shopify"
        with pytest.raises(importing.ImportFileError, match="does not look like a shopify product export"):
            importing.resolve_kind("shopify", importing.read_table(WOO, "w.csv"))


def test_the_shopify_sample_maps_to_products_stock_and_statuses(shop_db):
    report = run(shop_db, "products", SHOPIFY, "shopify_products.csv", warehouse_code="HAM")
    assert report.kind == "shopify" and report.rejected == []
    assert (report.rows, report.created, report.ignored) == (7, 6, 1)  # the image-only row is ignored
    found = catalog(shop_db)
    assert found["TEE-BLK-M"] == ("Classic Organic Tee - Black / M", "T-Shirts", 29.0, 11.4, SalesStatus.IN_STOCK)
    assert found["TEE-BLK-L"][4] is SalesStatus.BACKORDER  # 0 on hand, policy "continue"
    assert found["TEE-WHT-M"][4] is SalesStatus.OUT_OF_STOCK  # 0 on hand, policy "deny"
    assert found["POUR-01"][:2] == ("Ceramic Pour-Over Dripper", "Coffee Gear")  # "Default Title" is no option
    assert found["MUG-OLD-12"][0] == 'Travel Mug 12 oz "Commuter"'
    assert found["MUG-OLD-12"][4] is SalesStatus.DISCONTINUED  # archived
    # Draft is not discontinued: oversold (-2) with "continue" is a backorder; no Type, so the category's leaf.
    assert found["APRON-NAT"] == (
        "Linen Work Apron - Natural",
        "Clothing Accessories",
        42.0,
        None,  # no "Cost per item": the cost is unknown, never 0
        SalesStatus.BACKORDER,
    )
    assert stock(shop_db, "HAM") == {
        "TEE-BLK-M": 24,
        "TEE-BLK-L": 0,
        "TEE-WHT-M": 0,
        "POUR-01": 7,
        "MUG-OLD-12": 0,
        "APRON-NAT": 0,
    }
    assert ledger_is_true(shop_db)


def test_the_woocommerce_sample_maps_to_products_stock_and_statuses(shop_db):
    report = run(shop_db, "woocommerce", WOO, "woocommerce_products.csv", warehouse_code="BER")
    assert report.rejected == [] and (report.rows, report.created, report.ignored) == (8, 6, 2)
    found = catalog(shop_db)
    assert found["WOO-BEANIE"] == ("Merino Beanie", "Hats", 24.0, None, SalesStatus.IN_STOCK)
    assert found["HOODIE-GRY-M"][1:] == ("Hoodies", 59.0, None, SalesStatus.BACKORDER)  # parent's category; "notify"
    assert found["HOODIE-GRY-L"][4] is SalesStatus.IN_STOCK
    assert found["WOO-SCARF"][4] is SalesStatus.OUT_OF_STOCK  # stock not managed: "In stock?" 0
    assert found["WOO-GLOVES"][4] is SalesStatus.OUT_OF_STOCK  # 0 managed, backorders not allowed
    assert found["WOO-TOTE"][4] is SalesStatus.IN_STOCK  # private is not discontinued
    assert "HOODIE" not in found and "PARTNER-GIFT" not in found  # variable parent, external product
    ber = stock(shop_db, "BER")
    assert {sku: ber.get(sku) for sku in ("WOO-BEANIE", "HOODIE-GRY-M", "HOODIE-GRY-L", "WOO-GLOVES", "WOO-SCARF")} == {
        "WOO-BEANIE": 15,
        "HOODIE-GRY-M": 0,
        "HOODIE-GRY-L": 3,
        "WOO-GLOVES": 0,
        "WOO-SCARF": None,  # unmanaged: no stock level
    }


def test_importing_the_same_export_again_changes_nothing(shop_db):
    run(shop_db, "products", SHOPIFY, warehouse_code="BER")
    before = snapshot(shop_db)
    again = run(shop_db, "products", SHOPIFY, warehouse_code="BER")
    assert (again.applied, again.unchanged, again.ignored) == (0, 6, 1) and snapshot(shop_db) == before


def test_a_status_the_rules_refuse_leaves_the_whole_row_out(shop_db):
    # SKU-A has 10 on hand, 3 of them reserved; a shop saying "none left, keep selling" would put it on
    # backorder with no supply to promise from. The rules refuse it, and the row's count goes with it.
    export = (
        "Handle,Title,Type,Variant SKU,Variant Inventory Qty,Variant Inventory Policy,Variant Price,Status\n"
        "sku-a,Product SKU-A,Kitchen,SKU-A,0,continue,20.00,active\n"
        "sku-b,Product SKU-B,Kitchen,SKU-B,4,deny,20.00,active\n"
        "new,Brand New,Kitchen,NEW-1,0,continue,5.00,active\n"
        "bad,Bad Price,Kitchen,BAD-1,1,deny,-3,active\n"
        "bad2,Bad Policy,Kitchen,BAD-2,1,sometimes,3,active\n"
    )
    report = run(shop_db, "shopify", export, "export.csv", warehouse_code="BER")
    assert problems(report) == [(2, "sales_status"), (5, "Variant Price"), (6, "Variant Inventory Policy")]
    assert "Backorder needs a confirmed ETA" in reason(report, 2)
    assert stock(shop_db, "BER")["SKU-A"] == 10
    found = catalog(shop_db)
    assert found["SKU-A"][4] is SalesStatus.IN_STOCK and found["SKU-B"][4] is SalesStatus.IN_STOCK
    assert found["NEW-1"][4] is SalesStatus.BACKORDER  # a new SKU takes the shop's word
    assert stock(shop_db, "BER")["SKU-B"] == 4 and ledger_is_true(shop_db)


def test_the_warehouse_must_be_chosen_when_there_are_several(shop_db):
    before = snapshot(shop_db)
    with pytest.raises(importing.ImportFileError, match="Choose the warehouse this stock is in"):
        run(shop_db, "products", SHOPIFY)
    with pytest.raises(importing.ImportFileError, match="No warehouse 'XYZ'"):
        run(shop_db, "products", SHOPIFY, warehouse_code="XYZ")
    assert snapshot(shop_db) == before


def test_a_shop_export_takes_no_mapping(shop_db):
    with pytest.raises(importing.MappingError, match="mapped automatically"):
        run(shop_db, "products", SHOPIFY, warehouse_code="BER", mapping={"sku": "Handle"})


def test_a_shop_quantity_is_what_is_free_to_sell_so_reserved_units_are_added(shop_db):
    export = "Handle,Title,Variant SKU,Variant Inventory Qty,Variant Price\nsku-a,Product SKU-A,SKU-A,5,20.00\n"
    report = run(shop_db, "shopify", export, warehouse_code="BER")
    assert report.updated == 1 and stock(shop_db, "BER")["SKU-A"] == 8  # 5 free + 3 reserved for SO-1
    assert ledger_is_true(shop_db)
    assert run(shop_db, "shopify", export, warehouse_code="BER").unchanged == 1


@pytest.mark.parametrize("quantity", [10, 0, -1])
def test_importing_an_export_again_while_customers_wait_changes_nothing(shop_db, quantity):
    # SO-1 waits for 4 SKU-C in BER. The shop's quantity is what it can still sell: the 4 units its
    # customer waits for are on the shelf besides (oversold by 1: only 3 of them are), and serving
    # them must not make the next import of the same file count them again.
    export = (
        "Handle,Title,Type,Variant SKU,Variant Price,Variant Inventory Qty,Variant Inventory Policy,Status\n"
        f"prod-c,Product SKU-C,Kitchen,SKU-C,20.00,{quantity},continue,active\n"
    )
    first = run(shop_db, "products", export, warehouse_code="BER")
    assert first.rejected == []
    on_hand = max(0, quantity + 4)
    assert stock(shop_db, "BER")["SKU-C"] == on_hand and ledger_is_true(shop_db)
    before = snapshot(shop_db)
    again = run(shop_db, "products", export, warehouse_code="BER")
    assert (again.applied, again.unchanged) == (0, 1)
    assert snapshot(shop_db) == before and ledger_is_true(shop_db)


def test_an_untracked_shopify_variant_brings_no_stock_and_no_stock_status(shop_db):
    # A blank "Variant Inventory Tracker": Shopify does not count the variant and always sells it.
    export = (
        "Handle,Title,Type,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty,"
        "Variant Inventory Policy,Status\n"
        "gift,Gift card,Misc,GIFT-1,25.00,,0,deny,active\n"
        "sku-b,Product SKU-B,Kitchen,SKU-B,20.00,,7,deny,active\n"
        "mug,Mug,Kitchen,MUG-1,9.00,shopify,0,deny,active\n"
    )
    report = run(shop_db, "products", export, warehouse_code="BER")
    assert report.rejected == [] and (report.created, report.unchanged) == (2, 1)
    found = catalog(shop_db)
    assert found["GIFT-1"][4] is SalesStatus.IN_STOCK  # a new SKU: always sellable
    assert found["SKU-B"][4] is SalesStatus.OUT_OF_STOCK  # an existing SKU keeps its status
    assert found["MUG-1"][4] is SalesStatus.OUT_OF_STOCK  # tracked by Shopify: as before
    ber = stock(shop_db, "BER")
    assert "GIFT-1" not in ber and ber["SKU-B"] == 0 and ber["MUG-1"] == 0
    assert ledger_is_true(shop_db)


def test_an_export_of_untracked_variants_only_needs_no_warehouse(shop_db):
    export = (
        "Handle,Title,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\n"
        "gift,Gift card,GIFT-1,25.00,,3\n"
    )
    report = run(shop_db, "shopify", export)  # two warehouses, none chosen
    assert report.rejected == [] and report.created == 1
    assert "GIFT-1" not in stock(shop_db, "BER") and "GIFT-1" not in stock(shop_db, "HAM")
