"""Triage queries: filters, the severity order computed in SQL, the aging chart, cards, export and history."""

import datetime as dt

import pytest
from sqlalchemy import select

from dashboard.db.grid import GridQueryError
from dashboard.db.models import BackorderTriage
from dashboard.domain import days
from dashboard.domain.inputs import InputError
from dashboard.services.backorders import queue as bo
from dashboard.services.derived import triage
from tests.services import triage_data as data
from tests.services.triage_data import L1, L2, L3, L4, TODAY, day


@pytest.fixture
def triage_db(db):
    with db.write_session() as session:
        data.build(session)
    triage.refresh_triage(db, TODAY, handling_days=2)
    return db


def grid(db, request=None, today=TODAY, **filters):
    with db.read_session() as session:
        parsed = bo.BackorderFilters.parse(filters)
        return bo.grid_rows(session, parsed, request or {"startRow": 0, "endRow": 100}, today)


def ids(page) -> list[int]:
    return [row["line_id"] for row in page.rows]


def test_queue_is_ordered_by_the_severity_score_the_page_explains(triage_db):
    page = grid(triage_db)
    assert page.row_count == 4
    by_id = {row["line_id"]: row for row in page.rows}
    # L3: $30 (14.91) + at risk 15 + 2 days past promise · 3 + 5 quiet days = 40.91
    assert by_id[L3]["severity"] == pytest.approx(40.91)
    # L2: $30 (14.91) + VIP 20 + at risk 15 + 10 quiet days = 59.91
    assert by_id[L2]["severity"] == pytest.approx(59.91)
    # L4: $200 (23.03) + no supply 15 + 1 quiet day = 39.03; L1: $50 (17.08) + 3 quiet days = 20.08
    assert ids(page) == [L2, L3, L4, L1]
    severities = [row["severity"] for row in page.rows]
    assert severities == sorted(severities, reverse=True)


def test_sql_severity_equals_the_python_definition_on_any_day(triage_db):
    with triage_db.read_session() as session:
        stored = {row.id: row for row in session.scalars(select(BackorderTriage))}
    for offset in (0, 7, 45, 400):
        today = day(offset)
        for row in grid(triage_db, today=today).rows:
            s = stored[row["line_id"]]
            quiet_since = days.EPOCH + dt.timedelta(days=s.quiet_since_day)
            expected = triage.severity(s.base_score, today, s.promised_date, quiet_since)
            assert row["severity"] == pytest.approx(expected), (offset, row["line_id"])


def test_age_days_to_promise_and_state_are_today_s(triage_db):
    by_id = {row["line_id"]: row for row in grid(triage_db).rows}
    assert (by_id[L3]["age_days"], by_id[L3]["days_to_promise"], by_id[L3]["state"]) == (5, -2, "Past promise")
    assert (by_id[L2]["state"], by_id[L4]["state"], by_id[L1]["state"]) == ("At risk", "At risk", "On track")
    # A week later L2's promise (+3) has passed too.
    later = {row["line_id"]: row for row in grid(triage_db, today=day(7)).rows}
    assert later[L2]["state"] == "Past promise" and later[L2]["age_days"] == 17


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"state": "past_promise"}, {L3}),
        ({"state": "at_risk"}, {L2, L4}),
        ({"state": "on_track"}, {L1}),
        ({"bucket": "0-7"}, {L3, L4}),
        ({"bucket": "8-14"}, {L2}),
        ({"bucket": "15-30"}, {L1}),
        ({"bucket": "60+"}, set()),
        ({"customer": "VERA"}, {L2}),
        ({"sku": "sku-1"}, {L1, L2, L3, L4}),
        ({"channel": "marketplace"}, {L2}),
        ({"warehouse_id": "1", "state": "at_risk", "bucket": "0-7"}, {L4}),
        ({"customer": "100%_"}, set()),
    ],
)
def test_filters(triage_db, filters, expected):
    page = grid(triage_db, **filters)
    assert set(ids(page)) == expected and page.row_count == len(expected)


@pytest.mark.parametrize(
    "raw",
    [
        {"warehouse_id": "1; DROP TABLE order_line"},
        {"warehouse_id": -1},
        {"channel": "telepathy"},
        {"bucket": "9-99"},
        {"state": "fine"},
        {"customer": ["a"]},
        {"sku": "x" * 81},
    ],
)
def test_forged_filters_are_refused_with_a_message(raw):
    with pytest.raises(InputError):
        bo.BackorderFilters.parse(raw)


def test_grid_sorts_and_filters_in_sql_by_any_allowed_column(triage_db):
    request = {
        "startRow": 0,
        "endRow": 2,
        "sortModel": [{"colId": "promised_date", "sort": "asc"}],
        "filterModel": {"qty_waiting": {"filterType": "number", "type": "lessThan", "filter": 10}},
    }
    page = grid(triage_db, request)
    assert ids(page) == [L3, L2] and page.row_count == 3
    with pytest.raises(GridQueryError):
        grid(triage_db, {"startRow": 0, "endRow": 10, "sortModel": [{"colId": "customer_email", "sort": "asc"}]})


def test_aging_chart_counts_by_bucket_and_state(triage_db):
    with triage_db.read_session() as session:
        _summary, cells = bo.overview(session, bo.BackorderFilters(), TODAY)
    assert cells == {
        ("0-7", "past_promise"): (1, 30.0),
        ("0-7", "at_risk"): (1, 200.0),
        ("8-14", "at_risk"): (1, 30.0),
        ("15-30", "on_track"): (1, 50.0),
    }


def test_summary_cards(triage_db):  # from the same single query as the chart
    with triage_db.read_session() as session:
        summary, _cells = bo.overview(session, bo.BackorderFilters(), TODAY)
    assert summary == bo.TriageSummary(
        lines=4, units=31, value=310.0, past_promise=1, at_risk=2, uncovered=1, quiet_week=1
    )


def test_export_is_the_grid_s_rows_in_the_grid_s_order(triage_db):
    with triage_db.read_session() as session:
        exported = list(bo.export_rows(session, bo.BackorderFilters(state="at_risk"), None, None, TODAY))
    assert [row["line_id"] for row in exported] == [L2, L4]
    assert exported[0]["customer"] == "Vera Ip" and exported[0]["covering_po"] == "PO-A"


def test_line_detail_has_its_history(triage_db):
    with triage_db.read_session() as session:
        detail = bo.line_detail(session, L1)
        assert bo.line_detail(session, 999) is None
    assert detail.line["order_number"] == "SO-1" and detail.status == "backordered"
    assert [c["outcome"] for c in detail.contacts] == ["reached"]
    assert detail.notices == [] and detail.promises == []
