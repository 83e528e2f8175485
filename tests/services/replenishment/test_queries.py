"""Replenishment queries on the refreshed demo data: filters, grid pages, summary cards, most urgent."""

import dataclasses
import shutil

import pytest
from sqlalchemy import text

from dashboard.db.engine import Database
from dashboard.db.grid import GridQueryError, apply_filters, apply_sort_and_page, fetch_rows, parse_request
from dashboard.domain.codes import SalesStatus
from dashboard.domain.inputs import InputError
from dashboard.services.derived.refresh import refresh_metrics
from dashboard.services.overview import overview_counts
from dashboard.services.replenishment import queries as repl
from tests.conftest import BACKENDS, TODAY, refreshed_demo

F = repl.ReplenishmentFilters


@pytest.fixture(scope="module", params=BACKENDS)
def rdb(request, demo_template, tmp_path_factory):
    """The default demo with metrics refreshed, per backend. Read only."""
    with refreshed_demo(request.param, demo_template, tmp_path_factory.mktemp("repl")) as database:
        yield database


def sql(db, statement: str, **params):
    with db.engine.connect() as connection:
        return connection.execute(text(statement), params).all()


def scalar(db, statement: str, **params):
    return sql(db, statement, **params)[0][0]


@pytest.fixture(scope="module")
def warehouses(rdb) -> dict[str, int]:
    return {code: wid for wid, code in sql(rdb, "SELECT id, code FROM warehouse")}


def busiest_warehouse(db) -> tuple[int, str]:
    """The warehouse with the most pairs below their reorder point."""
    wid, code, _ = sql(
        db,
        "SELECT w.id, w.code, count(*) FROM sku_metrics m JOIN warehouse w ON w.id = m.warehouse_id "
        "WHERE m.below_reorder_point GROUP BY w.id, w.code ORDER BY count(*) DESC, w.id LIMIT 1",
    )[0]
    return wid, code


def all_pages(db, filters, sort_model=None, filter_model=None, page=100) -> tuple[list[dict], list[int]]:
    """Every row the grid would show, fetched page by page, and the rowCount of each page."""
    rows, counts, start = [], [], 0
    while True:
        request = {
            "startRow": start,
            "endRow": start + page,
            "sortModel": sort_model or [],
            "filterModel": filter_model or {},
        }
        with db.read_session() as session:
            result = repl.grid_rows(session, filters, request)
        rows.extend(result.rows)
        counts.append(result.row_count)
        if len(result.rows) < page:
            return rows, counts
        start += page


def assert_counts(counts: list[int], total: int) -> None:
    """First and last pages tell the filtered total; pages between repeat it or say -1 (keep the size you know)."""
    assert counts[0] == counts[-1] == total
    assert set(counts[1:]) <= {total, -1}


def keys(rows) -> list[tuple[str, str]]:
    return [(row["sku"], row["warehouse"]) for row in rows]


PAIRS_SQL = (
    "SELECT p.sku, w.code FROM sku_metrics m JOIN product p ON p.id = m.product_id "
    "JOIN warehouse w ON w.id = m.warehouse_id WHERE {where}"
)


class TestFilterParse:
    def test_nothing_chosen_means_every_warehouse_and_below_reorder_point(self):
        assert F.parse({}) == F(None, None, None, None, "below_rop")

    def test_query_string_values_are_converted(self):
        parsed = F.parse(
            {
                "warehouse_id": "2",
                "supplier_id": "7",
                "category": "Toys",
                "sales_status": "in_stock",
                "condition": "stocked_out",
            }
        )
        assert parsed == F(2, "Toys", 7, SalesStatus.IN_STOCK, "stocked_out")

    def test_empty_values_mean_no_filter(self):
        blank = {"warehouse_id": "", "supplier_id": None, "category": "", "sales_status": "", "condition": ""}
        assert F.parse(blank) == F()

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ({"warehouse_id": "abc"}, "warehouse_id must be a positive whole number, not 'abc'"),
            ({"warehouse_id": "1.5"}, "warehouse_id must be a positive whole number"),
            ({"supplier_id": [3]}, "supplier_id must be a positive whole number"),
            ({"supplier_id": {"$gt": 0}}, "supplier_id must be a positive whole number"),
            ({"warehouse_id": "0"}, "warehouse_id must be a positive whole number"),
            ({"supplier_id": -4}, "supplier_id must be a positive whole number"),
        ],
    )
    def test_bad_ids_are_refused_with_a_message(self, raw, message):
        with pytest.raises(InputError, match=message.replace("[", r"\[").replace("$", r"\$")):
            F.parse(raw)

    @pytest.mark.parametrize("condition", ["nope", "below_rop; DROP TABLE sku_metrics", "ALL"])
    def test_an_unknown_condition_is_refused_naming_the_allowed_ones(self, condition):
        allowed = "below_rop, below_ss, stocked_out, no_history, all"
        with pytest.raises(InputError, match=f"condition must be one of {allowed}"):
            F.parse({"condition": condition})

    @pytest.mark.parametrize("status", ["sold", "IN_STOCK", ["in_stock"]])
    def test_an_unknown_sales_status_is_refused_naming_the_allowed_ones(self, status):
        with pytest.raises(InputError, match="not a valid SalesStatus; use one of: in_stock, backorder"):
            F.parse({"sales_status": status})

    @pytest.mark.parametrize("category", ["x" * 81, 5, ["Toys"]])
    def test_a_category_must_be_short_text(self, category):
        with pytest.raises(InputError, match="category must be a short text"):
            F.parse({"category": category})

    @pytest.mark.parametrize("condition", [["all"], {"all": 1}])
    def test_a_condition_that_is_not_text_is_refused_with_a_message(self, condition):
        with pytest.raises(InputError, match="condition"):
            F.parse({"condition": condition})

    def test_as_query_round_trips_through_parse(self):
        filters = F(3, "Garden", 2, SalesStatus.BACKORDER, "below_ss")
        assert filters.as_query() == {
            "warehouse_id": "3",
            "category": "Garden",
            "supplier_id": "2",
            "sales_status": "backorder",
            "condition": "below_ss",
        }
        assert F.parse(filters.as_query()) == filters

    def test_as_query_leaves_out_what_is_not_set(self):
        assert F().as_query() == {"condition": "below_rop"}


class TestGridRows:
    def test_only_rows_of_the_warehouse_and_condition(self, rdb):
        wid, code = busiest_warehouse(rdb)
        with rdb.read_session() as session:
            page = repl.grid_rows(session, F(warehouse_id=wid, condition="below_rop"), None)
        expected = sql(rdb, PAIRS_SQL.format(where="m.warehouse_id = :w AND m.below_reorder_point"), w=wid)
        assert page.rows
        assert {row["warehouse"] for row in page.rows} == {code}
        assert all(row["below_reorder_point"] for row in page.rows)
        assert sorted(keys(page.rows)) == sorted(expected)
        assert page.row_count == len(expected)

    @pytest.mark.parametrize(
        ("condition", "column"), [("below_ss", "below_safety_stock"), ("stocked_out", "stocked_out")]
    )
    def test_each_condition_selects_its_flag(self, rdb, condition, column):
        rows, counts = all_pages(rdb, F(condition=condition))
        expected = sql(rdb, PAIRS_SQL.format(where=f"m.{column}"))
        assert rows and all(row[column] for row in rows)
        assert sorted(keys(rows)) == sorted(expected)
        assert_counts(counts, len(expected))

    def test_the_safety_stock_method_is_a_column_to_filter_on(self, rdb):
        text_filter = {"ss_method": {"filterType": "text", "type": "equals", "filter": "Poisson"}}
        rows, counts = all_pages(rdb, F(condition="all"), filter_model=text_filter)
        expected = sql(rdb, PAIRS_SQL.format(where="m.ss_method = 'poisson'"))
        assert rows and {row["ss_method"] for row in rows} == {"Poisson"}
        assert sorted(keys(rows)) == sorted(expected)
        assert_counts(counts, len(expected))

    def test_paging_through_all_rows_of_a_warehouse_sees_each_pair_once(self, rdb):
        wid, _ = busiest_warehouse(rdb)
        rows, counts = all_pages(rdb, F(warehouse_id=wid, condition="all"))
        total = scalar(rdb, "SELECT count(*) FROM sku_metrics WHERE warehouse_id = :w", w=wid)
        assert total > 100  # several pages
        assert len(rows) == len(set(keys(rows))) == total
        assert_counts(counts, total)
        assert len(counts) >= 3

    def test_row_count_of_a_full_first_page_is_the_whole_set(self, rdb):
        with rdb.read_session() as session:
            page = repl.grid_rows(session, F(condition="all"), {"startRow": 0, "endRow": 50})
        assert len(page.rows) == 50
        assert page.row_count == scalar(rdb, "SELECT count(*) FROM stock_level")

    def test_asking_past_the_end_gives_no_rows_and_the_true_count(self, rdb):
        total = scalar(rdb, "SELECT count(*) FROM sku_metrics WHERE below_reorder_point")
        with rdb.read_session() as session:
            page = repl.grid_rows(session, F(), {"startRow": total + 100, "endRow": total + 200})
        assert page.rows == []
        assert page.row_count == total

    def test_sorted_descending_by_suggested_quantity(self, rdb):
        rows, _ = all_pages(rdb, F(condition="all"), [{"colId": "suggested_order_qty", "sort": "desc"}])
        quantities = [row["suggested_order_qty"] for row in rows]
        assert quantities == sorted(quantities, reverse=True)
        assert quantities[0] > 0 == quantities[-1]

    def test_sorting_happens_across_pages_not_within_them(self, rdb):
        # With 50-row pages the largest value must still come first: the database sorts the whole set.
        rows, _ = all_pages(rdb, F(condition="all"), [{"colId": "on_hand", "sort": "desc"}], page=50)
        assert rows[0]["on_hand"] == scalar(rdb, "SELECT max(on_hand) FROM sku_metrics")

    def test_empty_cells_sort_last_both_ways(self, rdb):
        for direction in ("asc", "desc"):
            rows, _ = all_pages(rdb, F(condition="all"), [{"colId": "days_of_cover", "sort": direction}])
            covers = [row["days_of_cover"] for row in rows]
            present = [c for c in covers if c is not None]
            assert None in covers and covers[len(present) :] == [None] * (len(covers) - len(present))
            assert present == sorted(present, reverse=direction == "desc")

    def test_two_sort_keys(self, rdb):
        sort = [{"colId": "abc_class", "sort": "asc"}, {"colId": "reorder_point", "sort": "desc"}]
        rows, _ = all_pages(rdb, F(condition="all"), sort)
        pairs = [(row["abc_class"], -row["reorder_point"]) for row in rows]
        assert pairs == sorted(pairs)

    def test_a_text_column_filter_narrows_the_rows(self, rdb):
        model = {"category": {"filterType": "text", "type": "equals", "filter": "toys"}}
        rows, counts = all_pages(rdb, F(condition="all"), filter_model=model)
        expected = sql(rdb, PAIRS_SQL.format(where="p.category = 'Toys'"))
        assert rows and {row["category"] for row in rows} == {"Toys"}
        assert sorted(keys(rows)) == sorted(expected)
        assert_counts(counts, len(expected))

    def test_a_number_column_filter_narrows_the_rows(self, rdb):
        model = {"suggested_order_qty": {"filterType": "number", "type": "greaterThan", "filter": 0}}
        rows, counts = all_pages(rdb, F(condition="all"), filter_model=model)
        expected = sql(rdb, PAIRS_SQL.format(where="m.suggested_order_qty > 0"))
        assert sorted(keys(rows)) == sorted(expected)
        assert_counts(counts, len(expected))

    def test_column_filters_combine_with_the_page_filters(self, rdb):
        wid, code = busiest_warehouse(rdb)
        model = {"sku": {"filterType": "text", "type": "startsWith", "filter": "k"}}
        rows, _ = all_pages(rdb, F(warehouse_id=wid, condition="all"), filter_model=model)
        expected = sql(rdb, PAIRS_SQL.format(where="m.warehouse_id = :w AND p.sku LIKE 'K%'"), w=wid)
        assert rows and all(row["sku"].startswith("K") and row["warehouse"] == code for row in rows)
        assert sorted(keys(rows)) == sorted(expected)

    def test_category_supplier_and_status_page_filters(self, rdb):
        supplier = scalar(
            rdb,
            "SELECT ps.supplier_id FROM product_supplier ps JOIN product p ON p.id = ps.product_id "
            "WHERE ps.is_primary AND p.category = 'Kitchen' ORDER BY ps.id LIMIT 1",
        )
        filters = F(category="Kitchen", supplier_id=supplier, sales_status=SalesStatus.IN_STOCK, condition="all")
        rows, _ = all_pages(rdb, filters)
        expected = sql(
            rdb,
            PAIRS_SQL.format(
                where="p.category = 'Kitchen' AND p.sales_status = 'in_stock' AND EXISTS (SELECT 1 FROM "
                "product_supplier ps WHERE ps.product_id = p.id AND ps.is_primary AND ps.supplier_id = :s)"
            ),
            s=supplier,
        )
        assert expected
        assert sorted(keys(rows)) == sorted(expected)

    def test_rows_carry_the_product_and_supplier_names(self, rdb):
        sku, name, supplier = sql(
            rdb,
            "SELECT p.sku, p.name, s.name FROM product p JOIN product_supplier ps ON ps.product_id = p.id "
            "AND ps.is_primary JOIN supplier s ON s.id = ps.supplier_id ORDER BY p.id LIMIT 1",
        )[0]
        model = {"sku": {"filterType": "text", "type": "equals", "filter": sku}}
        rows, _ = all_pages(rdb, F(condition="all"), filter_model=model)
        assert rows and all((row["name"], row["supplier"]) == (name, supplier) for row in rows)

    @pytest.mark.parametrize(
        "request_",
        [
            {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "password_hash", "sort": "asc"}]},
            {"startRow": 0, "endRow": 10, "filterModel": {"id; DROP TABLE x": {"filterType": "text"}}},
            {"startRow": -1, "endRow": 10},
            {"startRow": 0, "endRow": 100_000},
        ],
    )
    def test_a_bad_request_is_refused_before_any_query(self, rdb, request_):
        with rdb.read_session() as session, pytest.raises(GridQueryError):
            repl.grid_rows(session, F(), request_)


class TestSummary:
    def _direct(self, db, where: str = "1 = 1", **params):
        return sql(
            db,
            "SELECT count(*), "
            "sum(CASE WHEN m.below_reorder_point THEN 1 ELSE 0 END), "
            "sum(CASE WHEN m.below_reorder_point THEN m.suggested_order_qty * p.unit_cost ELSE 0 END), "
            "sum(CASE WHEN m.below_reorder_point THEN m.suggested_order_qty ELSE 0 END), "
            "sum(CASE WHEN m.below_safety_stock THEN 1 ELSE 0 END), "
            "sum(CASE WHEN m.stocked_out THEN 1 ELSE 0 END) "
            f"FROM sku_metrics m JOIN product p ON p.id = m.product_id WHERE {where}",
            **params,
        )[0]

    def _check(self, summary, direct):
        pairs, rop, value, units, ss, out = direct
        assert (summary.pairs, summary.below_reorder_point, summary.below_safety_stock, summary.stocked_out) == (
            pairs,
            rop,
            ss,
            out,
        )
        assert summary.suggested_units == units
        assert summary.suggested_value == pytest.approx(float(value), abs=0.01 * max(rop, 1))

    def test_counts_over_everything(self, rdb):
        with rdb.read_session() as session:
            summary = repl.summary(session, F())
        direct = self._direct(rdb)
        self._check(summary, direct)
        assert summary.below_reorder_point > 0 and summary.suggested_units > 0

    def test_counts_for_one_warehouse(self, rdb, warehouses):
        for wid in warehouses.values():
            with rdb.read_session() as session:
                summary = repl.summary(session, F(warehouse_id=wid))
            self._check(summary, self._direct(rdb, "m.warehouse_id = :w", w=wid))

    def test_counts_for_a_category(self, rdb):
        with rdb.read_session() as session:
            summary = repl.summary(session, F(category="Kitchen"))
        self._check(summary, self._direct(rdb, "p.category = 'Kitchen'"))

    def test_the_condition_does_not_narrow_the_cards(self, rdb):
        with rdb.read_session() as session:
            results = {c: repl.summary(session, F(condition=c)) for c in repl.CONDITIONS}
        assert len(set(results.values())) == 1

    def test_a_scope_with_nothing_in_it_counts_zero(self, rdb):
        with rdb.read_session() as session:
            summary = repl.summary(session, F(category="No such category"))
        assert summary == repl.ReplenishmentSummary(0, 0, 0.0, 0, 0, 0)


class TestMostUrgent:
    def _ratios(self, rows) -> list[float]:
        return [row["stock_position"] / row["reorder_point"] for row in rows]

    def test_ordered_by_position_over_reorder_point_lowest_first_and_limited(self, rdb):
        with rdb.read_session() as session:
            urgent = repl.most_urgent(session, F())
        candidates = sql(
            rdb,
            "SELECT m.stock_position, m.reorder_point FROM sku_metrics m "
            "WHERE m.below_reorder_point AND m.reorder_point > 0",
        )
        assert len(candidates) > 15
        assert len(urgent) == 15
        ratios = self._ratios(urgent)
        assert ratios == sorted(ratios)
        assert ratios == pytest.approx(sorted(pos / rop for pos, rop in candidates)[:15])

    def test_only_pairs_matching_the_filters(self, rdb):
        wid, code = busiest_warehouse(rdb)
        with rdb.read_session() as session:
            urgent = repl.most_urgent(session, F(warehouse_id=wid), limit=5)
        assert len(urgent) == 5
        assert {row["warehouse"] for row in urgent} == {code}
        assert all(row["reorder_point"] > 0 and row["stock_position"] <= row["reorder_point"] for row in urgent)

    def test_rows_carry_what_the_chart_draws(self, rdb):
        with rdb.read_session() as session:
            (row,) = repl.most_urgent(session, F(), limit=1)
        assert {"sku", "warehouse", "stock_position", "safety_stock", "reorder_point"} <= set(row)

    def test_nothing_when_nothing_matches(self, rdb):
        with rdb.read_session() as session:
            assert repl.most_urgent(session, F(category="No such category")) == []


class TestFilterOptions:
    def test_choices_come_from_the_data(self, rdb, warehouses):
        with rdb.read_session() as session:
            options = repl.filter_options(session)
        assert [o["value"] for o in options["warehouse"]] == [warehouses[c] for c in sorted(warehouses)]
        categories = [o["value"] for o in options["category"]]
        assert categories == sorted(categories) and "Toys" in categories
        assert len(options["supplier"]) == scalar(rdb, "SELECT count(*) FROM supplier")
        assert [o["value"] for o in options["sales_status"]] == SalesStatus.values()
        assert [o["value"] for o in options["condition"]] == list(repl.CONDITIONS)


class TestStatusColumn:
    def test_the_status_column_shows_and_filters_by_the_label_people_read(self, rdb):
        model = {"sales_status": {"filterType": "text", "type": "equals", "filter": "out of stock"}}
        rows, _ = all_pages(rdb, F(condition="all"), filter_model=model)
        assert rows
        assert {row["sales_status"] for row in rows} == {SalesStatus.OUT_OF_STOCK.label}
        with rdb.read_session() as session:
            expected = session.execute(
                text("SELECT count(*) FROM sku_metrics WHERE sales_status = 'out_of_stock'")
            ).scalar()
        assert len(rows) == expected


# The grid's columns with the trigram path switched off: the plain LIKE the index must agree with.
LIKE_ONLY = {key: dataclasses.replace(column, trigram=None) for key, column in repl.GRID_COLUMNS.items()}
SEARCH_NEEDLES = {
    "name": ["kettlebell", "KettleBell", "bell, m", "COMPACT TRAIN", "set, XL", ", ", "xl", "a", "zzz", '"', "%", "_"],
    "sku": ["toy-", "-0000", "TOY-000002", "00", "k", "t_y", "50%"],
    "supplier": ["trading", "SUPPLY CO.", "goods", "co", "q", "'s", '"x"'],
}


def contains(column: str, needle: str) -> dict:
    return {column: {"filterType": "text", "type": "contains", "filter": needle}}


class TestFreeTextSearch:
    def test_contains_finds_exactly_what_like_finds(self, rdb):
        for column, needles in SEARCH_NEEDLES.items():
            for needle in needles:
                request = {"startRow": 0, "endRow": 500, "sortModel": [], "filterModel": contains(column, needle)}
                with rdb.read_session() as session:
                    base = repl.grid_base(F(condition="all"))
                    expected = fetch_rows(session, base, LIKE_ONLY, request, repl.TIEBREAK)
                    found = fetch_rows(session, base, repl.GRID_COLUMNS, request, repl.TIEBREAK)
                assert found == expected, f"{column} contains {needle!r}"
        rows, counts = all_pages(rdb, F(condition="all"), filter_model=contains("name", "KETTLEBELL"))
        assert rows and all("kettlebell" in row["name"].lower() for row in rows)
        assert_counts(counts, len(rows))

    def test_the_contains_filter_is_served_by_the_trigram_index(self, rdb):
        grid_request = parse_request(
            {"startRow": 0, "endRow": 100, "filterModel": contains("name", "kettle")}, repl.GRID_COLUMNS
        )
        stmt = apply_sort_and_page(
            apply_filters(repl.grid_base(F(condition="all")), grid_request), grid_request, repl.TIEBREAK
        )
        with rdb.engine.connect() as connection:
            compiled = stmt.compile(dialect=connection.dialect)
            params = compiled.construct_params()
            if rdb.is_sqlite:
                values = tuple(params[name] for name in compiled.positiontup)
                plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), values)]
                # The FTS5 index drives the query; sku_metrics is only looked up by rowid, never scanned.
                assert any("VIRTUAL TABLE" in step for step in plan), plan
                assert any("USING INTEGER PRIMARY KEY" in step for step in plan), plan
                assert not any(step.startswith("SCAN sku_metrics ") or step == "SCAN sku_metrics" for step in plan), (
                    plan
                )
            else:
                # On a few hundred rows a scan is cheaper; forbid it to see which index the planner can match.
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                connection.exec_driver_sql("SET LOCAL enable_indexscan = off")
                plan = [row[0] for row in connection.exec_driver_sql("EXPLAIN " + str(compiled), params)]
                assert any("ix_sku_metrics_product_name_trgm" in step for step in plan), plan


def test_a_metrics_refresh_brings_the_search_index_up_to_date(demo_template, tmp_path):
    """SQLite's FTS5 index keeps no text of its own: the refresh that rewrites sku_metrics refills it."""
    path = tmp_path / "inventory.db"
    shutil.copy(demo_template, path)
    database = Database(f"sqlite:///{path}")
    with database.write_session() as session:
        old = session.execute(text("SELECT name FROM product WHERE id = 1")).scalar()
        session.execute(text("UPDATE product SET name = 'Quixotic lamp' WHERE id = 1"))
    refresh_metrics(database, TODAY)
    pairs = scalar(database, "SELECT count(*) FROM sku_metrics WHERE product_id = 1")
    found, _ = all_pages(database, F(condition="all"), filter_model=contains("name", "QUIXOTIC"))
    assert pairs and len(found) == pairs
    old_rows, _ = all_pages(database, F(condition="all"), filter_model=contains("name", old))
    assert all(row["name"] == old for row in old_rows)
    assert len(old_rows) == scalar(database, "SELECT count(*) FROM sku_metrics WHERE product_name = :n", n=old)
    database.dispose()


class TestForecastColumns:
    def test_the_forecast_method_is_a_column_to_filter_on(self, rdb):
        text_filter = {"forecast_method": {"filterType": "text", "type": "equals", "filter": "Croston-SBA"}}
        rows, counts = all_pages(rdb, F(condition="all"), filter_model=text_filter)
        expected = sql(rdb, PAIRS_SQL.format(where="m.forecast_method = 'croston_sba'"))
        assert rows and {row["forecast_method"] for row in rows} == {"Croston-SBA"}
        assert sorted(keys(rows)) == sorted(expected)
        assert_counts(counts, len(expected))

    def test_forecast_error_is_a_percentage_to_sort_and_filter_on(self, rdb):
        number_filter = {"forecast_wape": {"filterType": "number", "type": "lessThan", "filter": 50}}
        rows, _ = all_pages(rdb, F(condition="all"), filter_model=number_filter)
        expected = sql(rdb, PAIRS_SQL.format(where="round(m.forecast_wape * 100) < 50"))
        assert rows and all(row["forecast_wape"] < 50 for row in rows)
        assert sorted(keys(rows)) == sorted(expected)
        assert {row["demand_pattern"] for row in rows} <= {"Smooth", "Erratic", "Intermittent", "Lumpy", "No sales"}


def test_the_overview_counts_the_stocked_out_pairs_this_page_lists(rdb):
    """Overview and Replenishment name one set one way: SKU-warehouse pairs with nothing available there."""
    with rdb.read_session() as session:
        counts = overview_counts(session, TODAY)
        cards = repl.summary(session, F(condition="stocked_out"))
    rows, _ = all_pages(rdb, F(condition="stocked_out"))
    assert counts.pairs_stocked_out == cards.stocked_out == len(rows) > 0
    assert counts.pairs == cards.pairs == scalar(rdb, "SELECT count(*) FROM sku_metrics")
    # The SKUs out everywhere are a subset: every such active SKU has all its pairs in the list.
    assert 0 < counts.skus_stocked_out <= len({row["sku"] for row in rows})
