"""The sales-status policy: each branch of design §4, the backorder cap and the refusals."""

import datetime as dt

import pytest

from dashboard.domain.codes import SalesStatus, Substitutability
from dashboard.domain.status_policy import (
    Inbound,
    StatusRefusedError,
    backorder_cap,
    check_change,
    mismatch,
    promise_without_supply,
    recommend,
)

TODAY = dt.date(2026, 11, 27)
IN, BO, OUT, DISC = SalesStatus.IN_STOCK, SalesStatus.BACKORDER, SalesStatus.OUT_OF_STOCK, SalesStatus.DISCONTINUED
STD = Substitutability.STANDARD


def po(number, qty, days, confirmed=True):
    return Inbound(number, qty, confirmed, TODAY + dt.timedelta(days=days - 3), TODAY + dt.timedelta(days=days))


def test_available_stock_means_in_stock():
    rec = recommend(OUT, 5, [], STD, 0, TODAY)
    assert rec.status is IN and "5 units available" in rec.reason


def test_confirmed_po_within_the_wait_means_backorder_with_its_window_and_cap():
    rec = recommend(OUT, 0, [po("PO-2", 10, 30), po("PO-1", 8, 12)], STD, 3, TODAY)
    assert rec.status is BO
    assert rec.backorderable == 5  # 8 confirmed within 21 days − 3 already promised
    assert rec.window == (TODAY + dt.timedelta(days=9), TODAY + dt.timedelta(days=12))
    assert "PO-1" in rec.reason and "12 days" in rec.reason


def test_unconfirmed_or_too_late_supply_means_out_of_stock():
    assert recommend(BO, 0, [po("PO-1", 9, 5, confirmed=False)], STD, 0, TODAY).status is OUT
    late = recommend(BO, 0, [po("PO-1", 9, 40)], STD, 0, TODAY)
    assert late.status is OUT and "21-day limit" in late.reason
    assert recommend(BO, 0, [po("PO-1", 9, 40)], STD, 0, TODAY, max_wait_days=45).status is BO


def test_commodities_are_never_backordered():
    assert recommend(OUT, 0, [po("PO-1", 50, 5)], Substitutability.COMMODITY, 0, TODAY).status is OUT


def test_inbound_already_promised_leaves_no_room():
    rec = recommend(BO, 0, [po("PO-1", 6, 5)], STD, 6, TODAY)
    assert rec.status is OUT and "already promised" in rec.reason


def test_discontinued_stays_discontinued():
    assert recommend(DISC, 10, [], STD, 0, TODAY).status is DISC


def test_backorder_cap_is_never_negative():
    assert backorder_cap(10, 4) == 6 and backorder_cap(3, 9) == 0


def test_backorder_without_confirmed_eta_is_refused_unless_overridden():
    rec = recommend(OUT, 0, [po("PO-1", 9, 5, confirmed=False)], STD, 0, TODAY)
    with pytest.raises(StatusRefusedError, match="confirmed ETA"):
        check_change(OUT, BO, rec, None)
    check_change(OUT, BO, rec, "Supplier confirmed by phone, paperwork follows")


def test_setting_the_same_status_is_refused():
    with pytest.raises(StatusRefusedError, match="already"):
        check_change(IN, IN, recommend(IN, 3, [], STD, 0, TODAY), None)


def test_mismatches_say_why():
    assert mismatch(BO, recommend(BO, 0, [], STD, 0, TODAY)).startswith("On backorder, but the policy says out")
    assert "could be taken" in mismatch(OUT, recommend(OUT, 0, [po("PO-1", 5, 5)], STD, 0, TODAY))
    assert mismatch(IN, recommend(IN, 2, [], STD, 0, TODAY)) is None


def test_a_backorder_nothing_covers_is_promised_the_last_day_of_the_wait():
    ordered = dt.date(2026, 11, 20)
    assert promise_without_supply(ordered) == dt.date(2026, 12, 11)  # 21 days by default
    assert promise_without_supply(ordered, 5) == dt.date(2026, 11, 25)
