"""AG Grid infinite-row requests become safe SQL that filters, sorts and pages identically on both backends.

Each database test seeds a handful of products through the ORM and runs real requests on SQLite and
PostgreSQL; a migrated database costs about a second, so one test checks a whole table of cases. Forged
requests are checked twice: quickly against the parser, and on each backend to show nothing is executed.
"""

import datetime as dt
import json
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.db.grid import (
    GridColumn,
    GridQueryError,
    _StatementCache,
    apply_filters,
    apply_sort_and_page,
    fetch_rows,
    iter_filtered_rows,
    parse_request,
)
from dashboard.db.models import Product, SkuMetrics, Warehouse
from dashboard.db.text_search import rebuild_sku_metrics_search, sku_metrics_trigram
from dashboard.domain.codes import SalesStatus, Substitutability

UTC = dt.UTC
COLUMNS = {
    column.key: column
    for column in [
        GridColumn("id", Product.id, "number"),
        GridColumn("sku", Product.sku, "text"),
        GridColumn("name", Product.name, "text"),
        GridColumn("category", Product.category, "set"),
        GridColumn("price", Product.unit_price, "number"),
        GridColumn("status", Product.sales_status, "set"),
        GridColumn("changed", Product.status_changed_at, "date"),
        GridColumn("max_days", Product.max_backorder_days, "number"),
        GridColumn("reason", Product.status_reason, "text", sortable=False),
        GridColumn("stockout", SkuMetrics.projected_stockout_date, "date"),
        GridColumn("premium", Product.unit_price >= 20, "bool"),
        GridColumn("cost", Product.unit_cost, "number", filterable=False),
    ]
}
BASE = select(
    Product.id,
    Product.sku,
    Product.name,
    Product.unit_price.label("price"),
    Product.sales_status.label("status"),
    Product.status_changed_at.label("changed"),
    SkuMetrics.projected_stockout_date.label("stockout"),
).outerjoin(SkuMetrics, SkuMetrics.product_id == Product.id)

# id, sku, name, category, price, status, changed (UTC), max_backorder_days, reason, projected stockout
PRODUCTS = [
    (1, "A-100", "Blue Widget", "Kitchen", 10, "in_stock", dt.datetime(2026, 1, 5, 10), 7, None, None),
    (2, "A-101", "blue widget XL", "Kitchen", 12.5, "backorder", dt.datetime(2026, 1, 6), 14, "", None),
    (3, "B-200", "Discount 50%", "Garden", 5, "backorder", dt.datetime(2026, 1, 6, 23, 59, 59), None, " ", None),
    (4, "B-201", "Discount 500", "Garden", 5, "out_of_stock", None, 21, "Supplier late", dt.date(2026, 3, 1)),
    (5, "C-300", "snake_case tool", "Tools", 99.99, "discontinued", dt.datetime(2026, 2, 1), 30, "EOL", None),
    (6, "C-301", "snakeXcase tool", "Tools", 10, "in_stock", dt.datetime(2026, 1, 31, 12), None, None, None),
    (7, "D-400", "Pipe 1/2 inch", "Plumbing", 20, "in_stock", dt.datetime(2026, 1, 20), 10, None, None),
]
ALL_IDS = [row[0] for row in PRODUCTS]


@pytest.fixture
def shop(db):
    """The seven products above, one warehouse, and a projected stockout for product 4."""
    with db.write_session() as session:
        session.add(Warehouse(id=1, code="W1", name="Main"))
        for pid, sku, name, category, price, status, changed, max_days, reason, _ in PRODUCTS:
            session.add(
                Product(
                    id=pid,
                    sku=sku,
                    name=name,
                    category=category,
                    unit_price=price,
                    unit_cost=1,
                    substitutability=Substitutability.STANDARD,
                    sales_status=SalesStatus(status),
                    status_changed_at=changed and changed.replace(tzinfo=UTC),
                    max_backorder_days=max_days,
                    status_reason=reason,
                )
            )
        session.flush()
        session.add(
            SkuMetrics(
                product_id=4,
                warehouse_id=1,
                projected_stockout_date=dt.date(2026, 3, 1),
                computed_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    return db


def page(db, filter_model=None, sort_model=None, start=0, end=100):
    """Run one grid request through :func:`fetch_rows`."""
    request = {"startRow": start, "endRow": end, "sortModel": sort_model or [], "filterModel": filter_model or {}}
    with db.read_session() as session:
        return fetch_rows(session, BASE, COLUMNS, request, Product.id)


def ids(db, filter_model=None, sort_model=None, start=0, end=100):
    """Product ids of one page, in grid order."""
    return [row["id"] for row in page(db, filter_model, sort_model, start, end).rows]


def check_cases(db, cases):
    """Assert each ``(column, filter) -> ids`` case; the message names the failing one."""
    for col_id, model, expected in cases:
        assert ids(db, {col_id: model}) == expected, f"{col_id}: {model}"


def text(op, value=None):
    return {"filterType": "text", "type": op, "filter": value}


def number(op, value=None, to=None):
    return {"filterType": "number", "type": op, "filter": value, "filterTo": to}


def date(op, value=None, to=None):
    return {"filterType": "date", "type": op, "dateFrom": value, "dateTo": to}


def values(*items):
    return {"filterType": "set", "values": list(items)}


@contextmanager
def statements(db):
    """Collect every SQL statement sent to ``db`` inside the block."""
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


class TestFilters:
    def test_text_filters_are_case_insensitive_and_match_like_ag_grid(self, shop):
        check_cases(
            shop,
            [
                ("name", text("contains", "widget"), [1, 2]),
                ("name", text("contains", "WIDGET"), [1, 2]),
                ("name", text("notContains", "widget"), [3, 4, 5, 6, 7]),
                ("name", text("equals", "BLUE widget"), [1]),
                ("name", text("notEqual", "blue widget"), [2, 3, 4, 5, 6, 7]),
                ("name", text("startsWith", "disc"), [3, 4]),
                ("name", text("endsWith", "TOOL"), [5, 6]),
                ("sku", text("startsWith", "a-"), [1, 2]),
                # Empty and whitespace-only text counts as blank, as in AG Grid.
                ("reason", text("blank"), [1, 2, 3, 6, 7]),
                ("reason", text("notBlank"), [4, 5]),
                # Empty cells pass the negative filters, as they do client-side.
                ("reason", text("notContains", "late"), [1, 2, 3, 5, 6, 7]),
                ("reason", text("notEqual", "eol"), [1, 2, 3, 4, 6, 7]),
            ],
        )

    def test_like_metacharacters_in_user_text_match_literally(self, shop):
        check_cases(
            shop,
            [
                ("name", text("contains", "50%"), [3]),
                ("name", text("contains", "%"), [3]),
                ("name", text("contains", "snake_case"), [5]),
                ("name", text("contains", "_"), [5]),
                ("name", text("contains", "1/2"), [7]),
                ("name", text("contains", "/"), [7]),
                ("name", text("endsWith", "0%"), [3]),
                ("name", text("startsWith", "%"), []),
            ],
        )

    def test_number_filters(self, shop):
        check_cases(
            shop,
            [
                ("price", number("equals", 10), [1, 6]),
                ("price", number("equals", "10"), [1, 6]),
                ("price", number("notEqual", 10), [2, 3, 4, 5, 7]),
                ("price", number("lessThan", 10), [3, 4]),
                ("price", number("lessThanOrEqual", 10), [1, 3, 4, 6]),
                ("price", number("greaterThan", 12.5), [5, 7]),
                ("price", number("greaterThanOrEqual", 12.5), [2, 5, 7]),
                ("price", number("inRange", 5, 12.5), [1, 6]),  # exclusive, AG Grid's default
                ("price", number("inRange", 12.5, 5), [1, 6]),
                ("max_days", number("notEqual", 7), [2, 4, 5, 7]),  # NULL is not "not 7"
                ("max_days", number("blank"), [3, 6]),
                ("max_days", number("notBlank"), [1, 2, 4, 5, 7]),
            ],
        )

    def test_date_filters_compare_whole_utc_days(self, shop):
        check_cases(
            shop,
            [
                ("changed", date("equals", "2026-01-06 00:00:00"), [2, 3]),
                ("changed", date("notEqual", "2026-01-06 00:00:00"), [1, 5, 6, 7]),
                ("changed", date("lessThan", "2026-01-06 00:00:00"), [1]),
                ("changed", date("lessThanOrEqual", "2026-01-06"), [1, 2, 3]),
                ("changed", date("greaterThan", "2026-01-31 00:00:00"), [5]),
                ("changed", date("greaterThanOrEqual", "2026-01-31 00:00:00"), [5, 6]),
                ("changed", date("inRange", "2026-01-05 00:00:00", "2026-02-01 00:00:00"), [2, 3, 6, 7]),
                ("changed", date("blank"), [4]),
                ("changed", date("notBlank"), [1, 2, 3, 5, 6, 7]),
                ("stockout", date("equals", "2026-03-01 00:00:00"), [4]),
                ("stockout", date("greaterThan", "2026-02-28 00:00:00"), [4]),
                ("stockout", date("greaterThan", "2026-03-01 00:00:00"), []),
            ],
        )

    def test_set_filters(self, shop):
        check_cases(
            shop,
            [
                ("category", values("Garden", "Tools"), [3, 4, 5, 6]),
                ("category", values(), []),
                ("status", values("backorder", "out_of_stock"), [2, 3, 4]),
                ("max_days", values("7", 30), [1, 5]),
                ("max_days", values(None, 7), [1, 3, 6]),
                ("premium", values("true"), [5, 7]),
                ("premium", values(False), [1, 2, 3, 4, 6]),
            ],
        )

    def test_combined_conditions_and_several_columns(self, shop):
        greater = number("greaterThanOrEqual", 5)
        below = number("lessThan", 12)
        check_cases(
            shop,
            [
                ("price", {"filterType": "number", "operator": "AND", "conditions": [greater, below]}, [1, 3, 4, 6]),
                (
                    "sku",
                    {
                        "filterType": "text",
                        "operator": "OR",
                        "conditions": [text("startsWith", "a"), text("equals", "d-400")],
                    },
                    [1, 2, 7],
                ),
                # AG Grid before v29 sent exactly two conditions as condition1/condition2.
                (
                    "price",
                    {"filterType": "number", "operator": "OR", "condition1": below, "condition2": greater},
                    ALL_IDS,
                ),
                (
                    "name",
                    {"filterType": "text", "operator": "AND", "conditions": [text("contains", "disc")] * 3},
                    [3, 4],
                ),
            ],
        )
        both = {"category": values("Garden", "Kitchen"), "price": number("lessThan", 10)}
        assert ids(shop, both) == [3, 4]


# (sku, name, supplier) of sku_metrics rows whose text trips up case folding, LIKE and FTS5 query syntax.
SEARCHABLE = [
    ("A-100", "Blue Widget", "Acme"),
    ("a-101", "blue widget XL", "ACME Trading"),
    ("Q-1", 'Say "hello" lamp', None),
    ("P-50%", "Discount 50% off", "Half_Price Ltd"),
    ("S_1", "snake_case tool", "Snakes & Co"),
    ("SX1", "snakeXcase tool", "Snake's"),
    ("D-400", "Pipe 1/2 inch", "Pipes / Tubes"),
    ("É-1", "ÉCLAIR lamp", "Ökoladen"),
    ("é-2", "éclair LAMP", "ökoladen"),
    ("N-0", None, None),
    ("F-1", "Lamp* (NEAR) OR AND: {x} ^", "x"),
    ("SP-1", "  spaced  out  ", ""),
]
NEEDLES = [
    *("a", "A", "la", "É", "é", "%", "_", "/", '"', '""', "^"),  # 1-2 characters: LIKE alone
    *("lamp", "LAMP", "LaMp", "widget x", "Blue Widget XL", "acme", "ökolad", "ÖKOLAD"),
    *("ÉCL", "écl", "clair", 'hello"', '"hello"', '"""', "50%", "0% o", "%%%", "e_c", "snake_case", "___"),
    *("1/2", "///", "lamp*", "(near)", "or and", "{x}", "AND:", "  s", "no such thing"),
]
PLAIN = {"sku": SkuMetrics.sku, "name": SkuMetrics.product_name, "supplier": SkuMetrics.supplier_name}
LIKE_ONLY = {key: GridColumn(key, expr, "text") for key, expr in PLAIN.items()}
TRIGRAM = {key: GridColumn(key, expr, "text", trigram=sku_metrics_trigram(expr.key)) for key, expr in PLAIN.items()}
SEARCH_BASE = select(SkuMetrics.id, SkuMetrics.sku, SkuMetrics.product_name.label("name"))


@pytest.fixture
def searchable(db):
    """One sku_metrics row per entry of SEARCHABLE, with its search index rebuilt as a refresh does."""
    with db.write_session() as session:
        session.add(Warehouse(id=1, code="W1", name="Main"))
        for pid in range(1, len(SEARCHABLE) + 1):
            session.add(
                Product(
                    id=pid,
                    sku=f"P{pid}",
                    name=f"Product {pid}",
                    category="Any",
                    unit_price=1,
                    unit_cost=1,
                    substitutability=Substitutability.STANDARD,
                    sales_status=SalesStatus.IN_STOCK,
                )
            )
        session.flush()
        for pid, (sku, name, supplier) in enumerate(SEARCHABLE, start=1):
            session.add(
                SkuMetrics(
                    id=pid,
                    product_id=pid,
                    warehouse_id=1,
                    sku=sku,
                    product_name=name,
                    supplier_name=supplier,
                    computed_at=dt.datetime(2026, 1, 1, tzinfo=UTC),
                )
            )
        session.flush()
        rebuild_sku_metrics_search(session.connection())
    return db


def search(db, columns, col_id, needle):
    """Ids of the rows whose ``col_id`` contains ``needle``, through ``columns``."""
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {col_id: text("contains", needle)}}
    with db.read_session() as session:
        return [row["id"] for row in fetch_rows(session, SEARCH_BASE, columns, request, SkuMetrics.id).rows]


class TestTrigramContains:
    def test_finds_exactly_what_like_finds_on_both_backends(self, searchable):
        found = 0
        for col_id in PLAIN:
            for needle in NEEDLES:
                expected = search(searchable, LIKE_ONLY, col_id, needle)
                assert search(searchable, TRIGRAM, col_id, needle) == expected, f"{col_id} contains {needle!r}"
                found += bool(expected)
        assert found > len(NEEDLES)  # the comparison is not between empty answers

    def test_case_insensitive_like_the_like_path(self, searchable):
        assert search(searchable, TRIGRAM, "name", "LaMp") == [3, 8, 9, 11]
        assert search(searchable, TRIGRAM, "name", "blue widget") == [1, 2]
        assert search(searchable, TRIGRAM, "sku", "a-10") == [1, 2]

    def test_quotes_and_like_metacharacters_match_literally(self, searchable):
        assert search(searchable, TRIGRAM, "name", '"hello"') == [3]
        assert search(searchable, TRIGRAM, "name", "50% o") == [4]
        assert search(searchable, TRIGRAM, "name", "e_c") == [5]
        assert search(searchable, TRIGRAM, "supplier", "f_p") == [4]
        assert search(searchable, TRIGRAM, "name", "lamp*") == [11]

    def test_sqlite_asks_the_fts5_index_from_three_characters_on(self, searchable):
        for needle, uses_index in (("la", False), ("lam", True), ("lamp", True)):
            with statements(searchable) as sent:
                search(searchable, TRIGRAM, "name", needle)
            assert any("MATCH" in sql for sql in sent) is (searchable.is_sqlite and uses_index), needle

    def test_a_contains_filter_on_a_column_without_trigram_index_is_unchanged(self, searchable):
        with statements(searchable) as sent:
            assert search(searchable, LIKE_ONLY, "name", "lamp") == [3, 8, 9, 11]
        assert not any("MATCH" in sql for sql in sent)

    def test_only_contains_uses_the_index(self, searchable):
        with statements(searchable) as sent:
            for op in ("notContains", "equals", "notEqual", "startsWith", "endsWith"):
                request = {"startRow": 0, "endRow": 100, "filterModel": {"name": text(op, "lamp")}}
                with searchable.read_session() as session:
                    fetch_rows(session, SEARCH_BASE, TRIGRAM, request, SkuMetrics.id)
        assert not any("MATCH" in sql for sql in sent)


class TestSortingAndPaging:
    def test_sorts_both_ways_with_ties_broken_by_the_unique_key(self, shop):
        assert ids(shop, sort_model=[{"colId": "price", "sort": "asc"}]) == [3, 4, 1, 6, 2, 7, 5]
        assert ids(shop, sort_model=[{"colId": "price", "sort": "desc"}]) == [5, 7, 2, 1, 6, 3, 4]
        by_two = [{"colId": "price", "sort": "asc"}, {"colId": "sku", "sort": "desc"}]
        assert ids(shop, sort_model=by_two) == [4, 3, 6, 1, 2, 7, 5]
        assert ids(shop) == ALL_IDS  # no sort model: the tiebreak alone

    def test_nulls_sort_last_in_both_directions_on_both_backends(self, shop):
        assert ids(shop, sort_model=[{"colId": "max_days", "sort": "asc"}]) == [1, 7, 2, 4, 5, 3, 6]
        assert ids(shop, sort_model=[{"colId": "max_days", "sort": "desc"}]) == [5, 4, 2, 7, 1, 3, 6]
        assert ids(shop, sort_model=[{"colId": "changed", "sort": "desc"}]) == [5, 6, 7, 3, 2, 1, 4]

    def test_pages_tile_the_sorted_set_and_row_count_is_the_filtered_total(self, shop):
        sort = [{"colId": "price", "sort": "desc"}]
        cheap = {"price": number("lessThan", 50)}
        whole = ids(shop, cheap, sort)
        assert whole == [7, 2, 1, 6, 3, 4]
        windows = [page(shop, cheap, sort, start, start + 2) for start in (0, 2, 4, 6)]
        assert [row["id"] for window in windows for row in window.rows] == whole
        # The first block carries the filtered total; later full blocks say -1 ("keep the size you know")
        # so scrolling does not count the set again; past the end the total is counted once more.
        assert [window.row_count for window in windows] == [6, -1, -1, 6]
        assert page(shop, cheap, sort, 5, 8).row_count == 6  # a short last page knows the end
        assert page(shop, {"name": text("contains", "no such")}).row_count == 0

    def test_response_is_what_get_rows_response_needs_and_is_json_friendly(self, shop):
        response = page(shop, {"sku": text("equals", "b-201")}).as_response()
        assert response == {
            "rowData": [
                {
                    "id": 4,
                    "sku": "B-201",
                    "name": "Discount 500",
                    "price": 5.0,
                    "status": "out_of_stock",
                    "changed": None,
                    "stockout": "2026-03-01",
                }
            ],
            "rowCount": 1,
        }
        row = page(shop, {"id": number("equals", 1)}).rows[0]
        assert row["changed"] == "2026-01-05T10:00:00+00:00"
        json.dumps(row)

    def test_no_request_yet_gives_the_first_page(self, shop):
        with shop.read_session() as session:
            result = fetch_rows(session, BASE, COLUMNS, None, Product.id, max_page=3)
        assert [row["id"] for row in result.rows] == [1, 2, 3]
        assert result.row_count == 7


def reused(db, sort_model, start, end):
    """Product ids of one page, with the view's statements kept for later requests."""
    request = {"startRow": start, "endRow": end, "sortModel": sort_model}
    with db.read_connection() as connection:
        page = fetch_rows(connection, BASE, COLUMNS, request, Product.id, reuse_statements=True)
    return [row["id"] for row in page.rows]


class TestStatementReuse:
    def test_a_core_connection_reads_like_a_session(self, shop):
        request = {"startRow": 1, "endRow": 5, "sortModel": [{"colId": "price", "sort": "desc"}]}
        with shop.read_connection() as connection:
            assert fetch_rows(connection, BASE, COLUMNS, request, Product.id) == page(
                shop, None, request["sortModel"], 1, 5
            )

    def test_blocks_of_a_kept_view_get_their_own_window_and_fresh_rows(self, shop):
        sort = [{"colId": "price", "sort": "desc"}]
        with statements(shop) as sent:
            first = reused(shop, sort, 0, 3)
            with shop.write_session() as session:
                session.add(
                    Product(
                        id=8,
                        sku="E-500",
                        name="Golden Widget",
                        category="Kitchen",
                        unit_price=500,
                        unit_cost=1,
                        substitutability=Substitutability.STANDARD,
                        sales_status=SalesStatus.IN_STOCK,
                    )
                )
            again = reused(shop, sort, 0, 3)
            second_block = reused(shop, sort, 3, 6)
        assert first == [5, 7, 2]
        assert again == [8, 5, 7]  # the new row shows at once: statements are reused, rows never are
        assert second_block == [2, 1, 6]
        pages = [sql for sql in sent if "LIMIT" in sql]
        assert len(pages) == 3 and len(set(pages)) == 1

    def test_the_shape_of_a_request_not_its_window_names_the_view(self):
        def shape(**overrides):
            return parse_request(request(**overrides), COLUMNS).shape

        assert shape(startRow=0, endRow=100) == shape(startRow=300, endRow=400)
        assert shape(filterModel={"name": text("contains", "a")}) != shape(filterModel={"name": text("contains", "b")})
        assert shape(sortModel=[{"colId": "sku", "sort": "asc"}]) != shape(sortModel=[{"colId": "sku", "sort": "desc"}])

    def test_the_cache_keeps_only_the_most_recent_views(self):
        cache = _StatementCache(size=2)
        views = [parse_request(request(filterModel={"name": text("contains", n)}), COLUMNS) for n in "abc"]
        first, _ = cache.statements(BASE, COLUMNS, views[0], Product.id)
        assert cache.statements(BASE, COLUMNS, views[0], Product.id)[0] is first
        cache.statements(BASE, COLUMNS, views[1], Product.id)
        cache.statements(BASE, COLUMNS, views[2], Product.id)  # evicts views[0], the least recently used
        assert cache.statements(BASE, COLUMNS, views[0], Product.id)[0] is not first


class TestExport:
    def test_streams_exactly_the_filtered_set_in_grid_order(self, shop):
        filters = {"price": number("lessThan", 50), "name": text("notContains", "widget")}
        sort = [{"colId": "price", "sort": "desc"}]
        with shop.read_session() as session:
            exported = list(iter_filtered_rows(session, BASE, COLUMNS, filters, sort, Product.id, batch=2))
        assert exported == page(shop, filters, sort).rows
        assert [row["id"] for row in exported] == [7, 6, 3, 4]

    def test_needs_no_models_and_has_no_page_limit(self, shop):
        with shop.read_session() as session:
            exported = list(iter_filtered_rows(session, BASE, COLUMNS, None, None, Product.id, batch=1))
        assert [row["id"] for row in exported] == ALL_IDS


def request(**overrides):
    return {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}} | overrides


def any_of(count):
    return {"filterType": "text", "operator": "OR", "conditions": [text("equals", "a")] * count}


FORGED = [
    (request(sortModel=[{"colId": "secret", "sort": "asc"}]), "unknown column 'secret'"),
    (request(sortModel=[{"colId": "sku; DROP TABLE product", "sort": "asc"}]), "unknown column 'sku; DROP"),
    (request(filterModel={"sku; DROP TABLE product--": text("contains", "x")}), "unknown column"),
    (request(filterModel={"password_hash": text("contains", "x")}), "unknown column 'password_hash'"),
    (request(sortModel=[{"colId": "sku", "sort": "sideways"}]), "'asc' or 'desc'"),
    (request(sortModel=[{"colId": "sku", "sort": "asc"}] * 6), "at most 5"),
    (request(sortModel={"colId": "sku"}), "sortModel must be a list"),
    (request(sortModel=[{"colId": "reason", "sort": "asc"}]), "'reason' cannot be used to sort"),
    (request(filterModel={"cost": number("equals", 1)}), "'cost' cannot be used to filter"),
    (
        request(filterModel={"price": text("contains", "1")}),
        "'price' cannot take a 'text' filter; it takes number or set",
    ),
    (request(filterModel={"changed": number("equals", 1)}), "takes date filters"),
    (request(filterModel={"premium": text("equals", "x")}), "takes set filters"),
    (request(filterModel={"sku": {"filterType": "multi", "filterModels": []}}), "cannot take a 'multi' filter"),
    (request(filterModel={"sku": text("regex", ".*")}), "Unknown text filter type 'regex'"),
    (request(filterModel={"sku": text("contains", 5)}), "needs text"),
    (request(filterModel={"sku": text("contains", "x" * 201)}), "at most 200 characters"),
    (request(filterModel={"price": number("equals", "ten")}), "needs a number, not 'ten'"),
    (request(filterModel={"price": number("equals", True)}), "needs a number"),
    (request(filterModel={"price": number("equals", float("nan"))}), "needs a number"),
    (request(filterModel={"price": number("equals", 10**30)}), "needs a number"),
    (request(filterModel={"price": number("inRange", 1)}), "needs a number, not None"),
    (request(filterModel={"changed": date("equals", "27/11/2026")}), "needs a date like 2026-11-27"),
    (request(filterModel={"changed": date("equals", "2026-02-30 00:00:00")}), "needs a date"),
    (request(filterModel={"changed": date("equals", "9999-12-31")}), "needs a date"),
    (request(filterModel={"changed": date("inRange", "2026-01-01")}), "needs a date"),
    (request(filterModel={"status": values("shipped")}), "'shipped' is not a value of 'status'"),
    (request(filterModel={"category": values(*range(1001))}), "at most 1000 values"),
    (request(filterModel={"category": {"filterType": "set", "values": "Garden"}}), "list of at most 1000"),
    (request(filterModel={"premium": values("maybe")}), "takes true or false"),
    (request(filterModel={"sku": "A-100"}), "must be an object"),
    (request(filterModel=[]), "filterModel must be an object"),
    (
        request(filterModel={"sku": {"filterType": "text", "operator": "XOR", "conditions": [text("equals", "a")]}}),
        "AND/OR operator",
    ),
    (request(filterModel={"sku": {"filterType": "text", "operator": "AND", "conditions": []}}), "list of conditions"),
    (
        request(filterModel={"sku": {"filterType": "text", "operator": "OR", "conditions": [number("equals", 1)]}}),
        "must be text filters",
    ),
    (
        request(filterModel={"sku": any_of(21)}),
        "At most 20 filter conditions",
    ),
    (request(filterModel={"category": values(), "status": values(), "sku": any_of(19)}), "At most 20"),
    (request(startRow=-1), "startRow must be between 0"),
    (request(startRow="0"), "startRow must be a whole number"),
    (request(endRow=None), "endRow must be a whole number"),
    (request(startRow=10, endRow=10), "endRow must be greater than startRow"),
    (request(endRow=501), "at most 500 rows; 501 were asked for"),
    (request(startRow=10**12, endRow=10**12 + 1), "startRow must be between"),
    ("startRow=0", "must be an object"),
]


class TestRejectedRequests:
    @pytest.mark.parametrize(("forged", "message"), FORGED)
    def test_forged_or_malformed_requests_raise_a_helpful_error(self, forged, message):
        with pytest.raises(GridQueryError) as caught:
            parse_request(forged, COLUMNS)
        assert message in str(caught.value)
        assert len(str(caught.value)) < 200

    def test_nothing_reaches_the_database(self, shop):
        with shop.read_session() as session, statements(shop) as sent:
            for forged, _ in FORGED:
                with pytest.raises(GridQueryError):
                    fetch_rows(session, BASE, COLUMNS, forged, Product.id)
            for forged, _ in FORGED:
                if isinstance(forged, dict) and (forged["filterModel"] or forged["sortModel"]):
                    with pytest.raises(GridQueryError):
                        iter_filtered_rows(
                            session, BASE, COLUMNS, forged["filterModel"], forged["sortModel"], Product.id
                        )
        assert sent == []
        with shop.read_session() as session:
            assert session.scalar(select(func.count()).select_from(Product)) == 7

    def test_page_size_limit_is_configurable(self):
        assert parse_request(request(endRow=1000), COLUMNS, max_page=1000).end == 1000
        with pytest.raises(GridQueryError, match="at most 50 rows"):
            parse_request(request(endRow=51), COLUMNS, max_page=50)

    def test_unknown_column_kind_is_refused_when_the_column_is_defined(self):
        with pytest.raises(ValueError, match="kind must be one of"):
            GridColumn("sku", Product.sku, "json")  # type: ignore[arg-type]


class TestGeneratedSql:
    @pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
    def test_user_text_only_travels_as_bound_parameters(self, dialect):
        hostile = "x'; DROP TABLE product; --"
        grid_request = parse_request(
            request(
                filterModel={"name": text("contains", hostile), "category": values(hostile)},
                sortModel=[{"colId": "sku", "sort": "desc"}],
            ),
            COLUMNS,
        )
        compiled = apply_sort_and_page(apply_filters(BASE, grid_request), grid_request, Product.id).compile(
            dialect=dialect
        )
        assert "DROP" not in str(compiled)
        assert "%x'; DROP TABLE product; --%" in compiled.params.values()
        assert "NULLS LAST" in str(compiled)
