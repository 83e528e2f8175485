"""Column mapping: suggested from the header, applied to rows, previewed without writing, saved by name."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard.db.models import AuditEvent, ImportMapping
from dashboard.services import imports as importing
from tests.services.imports.import_data import MIA, TODAY, ledger_is_true, problems, run, scalar, snapshot

SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
# A German WMS export: nothing here matches our names or their aliases.
LAGER = "Artikel;Lagerort;Bestand;Bemerkung\nSKU-A;BER;12;\nSKU-B;BER;x;defekt\nSKU-C;HAM;4;\n"
LAGER_MAPPING = {"sku": "Artikel", "warehouse_code": "Lagerort", "on_hand": "Bestand"}


def table(content: str, name: str = "lager.csv") -> importing.Table:
    return importing.read_table(content.encode(), name)


class TestSuggestions:
    def test_exact_loose_and_alias_matches(self):
        header = ["SKU", "Warehouse Code", "Qty On Hand", "Safety Qty", "Notes"]
        assert importing.suggest_mapping("stock", header) == {
            "sku": "SKU",
            "warehouse_code": "Warehouse Code",
            "on_hand": "Qty On Hand",
            "safety_stock": "Safety Qty",
        }

    def test_the_wms_sample_is_understood_without_help(self):
        sample = importing.read_table(SAMPLES / "wms_stock_export.csv")
        assert importing.suggest_mapping("stock", sample.header) == {
            "sku": "Item No",
            "warehouse_code": "Location",
            "on_hand": "Qty On Hand",
            "safety_stock": "Safety Qty",
        }

    def test_one_column_is_suggested_for_one_field_only(self):
        assert importing.suggest_mapping("stock", ["qty"]) == {"on_hand": "qty"}


class TestApplying:
    def test_a_mapping_turns_their_columns_into_our_fields(self):
        mapped = importing.apply_mapping("stock", table(LAGER), LAGER_MAPPING)
        assert mapped[0] == (2, {"sku": "SKU-A", "warehouse_code": "BER", "on_hand": "12"})
        assert [number for number, _ in mapped] == [2, 3, 4]

    def test_without_a_mapping_the_required_columns_are_named_as_missing(self):
        with pytest.raises(importing.ImportFileError, match="lacks the column\\(s\\): sku, warehouse_code, on_hand"):
            importing.apply_mapping("stock", table(LAGER))

    @pytest.mark.parametrize(
        ("mapping", "error", "message"),
        [
            ({**LAGER_MAPPING, "on_hand": "Menge"}, importing.ImportFileError, "has no column 'Menge'"),
            ({**LAGER_MAPPING, "colour": "Farbe"}, importing.MappingError, "'colour' is not a field of stock"),
            ({"sku": "Artikel", "warehouse_code": "Lagerort"}, importing.ImportFileError, "lacks the column"),
            (["sku"], importing.MappingError, "pairs each of our fields"),
        ],
    )
    def test_a_mapping_that_does_not_fit_the_file_is_refused(self, mapping, error, message):
        with pytest.raises(error, match=message):
            importing.apply_mapping("stock", table(LAGER), mapping)

    def test_a_field_switched_off_is_not_read_even_from_a_column_of_its_own_name(self):
        products = "Artikel,name,category,unit_price,unit_cost,sales_status\nSKU-A,A,Kitchen,20,8,discontinued\n"
        mapping = {"sku": "Artikel", "sales_status": None}
        assert importing.apply_mapping("products", table(products), mapping)[0] == (
            2,
            {"sku": "SKU-A", "name": "A", "category": "Kitchen", "unit_price": "20", "unit_cost": "8"},
        )
        # Without the switch, the column of exactly our name is read (the default for a mapping).
        assert "sales_status" in importing.apply_mapping("products", table(products), {"sku": "Artikel"})[0][1]

    def test_an_import_through_a_mapping_reports_their_row_numbers(self, shop_db):
        report = run(shop_db, "stock", LAGER, "lager.csv", mapping=LAGER_MAPPING)
        assert (report.created, report.updated) == (1, 1) and problems(report) == [(3, "on_hand")]
        assert ledger_is_true(shop_db)


class TestPreview:
    def test_the_first_rows_with_what_would_happen_and_nothing_written(self, shop_db):
        before = snapshot(shop_db)
        with shop_db.read_session() as session:
            shown = importing.preview(session, "stock", table(LAGER), mapping=LAGER_MAPPING, today=TODAY, limit=2)
        assert [(row.row, row.outcome) for row in shown] == [(2, "update"), (3, "rejected")]
        assert shown[0].values == {"sku": "SKU-A", "warehouse_code": "BER", "on_hand": "12"}
        assert [(p.column, p.value) for p in shown[1].problems] == [("on_hand", "x")]
        assert snapshot(shop_db) == before

    def test_a_new_and_an_unchanged_row(self, shop_db):
        with shop_db.read_session() as session:
            shown = importing.preview(
                session, "stock", table("sku,warehouse_code,on_hand\nSKU-A,BER,10\nSKU-A,HAM,1\n"), today=TODAY
            )
        assert [row.outcome for row in shown] == ["unchanged", "new"]


class TestSavedMappings:
    def test_save_load_list_and_delete(self, shop_db):
        with shop_db.write_session() as session:
            importing.save_mapping(session, MIA, "stock", " Lager ", LAGER_MAPPING)
            importing.save_mapping(session, MIA, "products", "Lager", {"sku": "Artikel"})  # names are per kind
        with shop_db.read_session() as session:
            assert importing.load_mapping(session, "stock", "Lager") == LAGER_MAPPING
            assert [(m.kind, m.name, m.created_by) for m in importing.list_mappings(session)] == [
                ("products", "Lager", "mia"),
                ("stock", "Lager", "mia"),
            ]
            assert [m.kind for m in importing.list_mappings(session, "stock")] == ["stock"]
        report = run(shop_db, "stock", LAGER, mapping=LAGER_MAPPING)
        assert report.applied == 2
        with shop_db.write_session() as session:
            importing.delete_mapping(session, MIA, "stock", "Lager")
        with (
            shop_db.read_session() as session,
            pytest.raises(importing.MappingError, match="No saved stock mapping named 'Lager'"),
        ):
            importing.load_mapping(session, "stock", "Lager")
        actions = select(AuditEvent.action).where(AuditEvent.entity_type == "import_mapping").order_by(AuditEvent.id)
        with shop_db.read_session() as session:
            assert session.scalars(actions).all() == ["save_mapping", "save_mapping", "delete_mapping"]

    def test_a_name_is_not_overwritten_unless_asked(self, shop_db):
        with shop_db.write_session() as session:
            importing.save_mapping(session, MIA, "stock", "wms", LAGER_MAPPING)
        with shop_db.write_session() as session, pytest.raises(importing.MappingError, match="exists already"):
            importing.save_mapping(session, MIA, "stock", "wms", {"sku": "Item"})
        with shop_db.write_session() as session:
            importing.save_mapping(session, MIA, "stock", "wms", {"sku": "Item"}, replace=True)
        with shop_db.read_session() as session:
            assert importing.load_mapping(session, "stock", "wms") == {"sku": "Item"}
        assert scalar(shop_db, select(func.count()).select_from(ImportMapping)) == 1

    def test_bad_mappings_are_not_saved(self, shop_db):
        cases = [
            ("stock", "", LAGER_MAPPING, "Give the mapping a name"),
            ("stock", "x" * 81, LAGER_MAPPING, "Give the mapping a name"),
            ("stock", "wms", {}, "maps no field"),
            ("stock", "wms", {"sku": 5}, "must be a column name"),
            ("stock", "wms", {"price": "Preis"}, "not a field of stock"),
            ("pallets", "wms", LAGER_MAPPING, "Unknown import kind"),
        ]
        for kind, name, mapping, message in cases:
            with shop_db.write_session() as session, pytest.raises(importing.MappingError, match=message):
                importing.save_mapping(session, MIA, kind, name, mapping)
        assert scalar(shop_db, select(func.count()).select_from(ImportMapping)) == 0


def test_a_set_value_fills_a_column_the_file_lacks_for_any_kind(shop_db):
    report = run(shop_db, "stock", "sku,on_hand\nSKU-A,12\n", values={"warehouse_code": "BER"})
    assert (report.updated, report.rejected) == (1, [])
    with pytest.raises(importing.MappingError, match="has a column for warehouse_code"):
        run(shop_db, "stock", "sku,location,on_hand\nSKU-A,BER,12\n", values={"warehouse_code": "BER"})
