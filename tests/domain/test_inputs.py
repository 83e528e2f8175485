"""Values from outside: each parser returns its type or refuses with a message; odd values never slip through."""

import datetime as dt

import pytest

from dashboard.domain import inputs
from dashboard.domain.inputs import InputError, RefusedError


class TestIntegers:
    @pytest.mark.parametrize(("raw", "expected"), [(5, 5), ("5", 5), (" 42 ", 42), (7.0, 7), ("-3", -3)])
    def test_numbers_and_ascii_digit_strings_are_read(self, raw, expected):
        assert inputs.integer(raw, "qty") == expected

    @pytest.mark.parametrize(
        "raw", ["²", "١٢", "1.5", 1.5, "", "1 OR 1=1", True, None, [], {}, float("nan"), float("inf"), "9" * 13]
    )
    def test_everything_else_is_refused_with_its_name(self, raw):
        with pytest.raises(InputError, match="qty must be a whole number"):
            inputs.integer(raw, "qty")

    def test_ids_are_positive_and_fit_a_database_integer(self):
        assert inputs.record_id("17", "warehouse") == 17
        for raw in (0, -1, "0", 2**31, 10**30):
            with pytest.raises(InputError, match="warehouse must be a positive whole number"):
                inputs.record_id(raw, "warehouse")

    def test_empty_means_not_given_only_where_optional(self):
        assert inputs.optional_id(None) is None and inputs.optional_id("") is None
        with pytest.raises(InputError):
            inputs.record_id("", "id")

    def test_a_minimum_other_than_one_is_named(self):
        with pytest.raises(InputError, match="qty must be at least 0"):
            inputs.integer(-1, "qty", minimum=0)


class TestText:
    def test_text_is_stripped_and_empty_is_none(self):
        assert inputs.text("  hello ", "note", max_length=10) == "hello"
        assert inputs.text("   ", "note", max_length=10) is None

    @pytest.mark.parametrize(("raw", "message"), [(5, "note must be text"), (["a"], "note must be text")])
    def test_non_text_is_refused(self, raw, message):
        with pytest.raises(InputError, match=message):
            inputs.text(raw, "note", max_length=10)

    def test_too_long_and_required_are_said(self):
        with pytest.raises(InputError, match="at most 3 characters"):
            inputs.text("abcd", "code", max_length=3)
        with pytest.raises(InputError, match="Write a reason"):
            inputs.text(None, "reason", max_length=3, required=True)

    def test_a_password_is_kept_exactly_as_typed(self):
        assert inputs.secret("  s3cret ", "password") == "  s3cret "
        with pytest.raises(InputError):
            inputs.secret(["x"], "password")


class TestChoicesDatesAndShapes:
    def test_a_choice_is_one_of_the_allowed_strings(self):
        assert inputs.choice("csv", "format", ("csv", "json")) == "csv"
        assert inputs.choice("", "format", ("csv",), optional=True) is None
        for raw in (["csv"], {"csv": 1}, "CSV", None):
            with pytest.raises(InputError, match="format must be one of: csv, json"):
                inputs.choice(raw, "format", ("csv", "json"))

    def test_dates_are_iso_days_within_the_century(self):
        assert inputs.day("2026-12-03", "eta") == dt.date(2026, 12, 3)
        assert inputs.day("2026-12-03T00:00:00", "eta") == dt.date(2026, 12, 3)
        for raw in ("2026-13-01", "٢٠٢٦-١٢-٠٣", 20261203, "1999-12-31", "3026-01-01", None):
            with pytest.raises(InputError, match="eta must"):
                inputs.day(raw, "eta")

    def test_objects_and_lists_are_what_they_claim(self):
        assert inputs.mapping(None, "row") == {} and inputs.items(None, "rows") == []
        with pytest.raises(InputError, match="row must be an object"):
            inputs.mapping(["a"], "row")
        with pytest.raises(InputError, match="rows must be a list"):
            inputs.items("abc", "rows")
        with pytest.raises(InputError, match="too many"):
            inputs.items([1, 2, 3], "rows", max_items=2)

    @pytest.mark.parametrize("cell", [None, "5", 5, [], {"rowId": "²"}, {"rowId": ["1"]}, {"colId": "sku"}])
    def test_a_forged_grid_click_is_refused(self, cell):
        with pytest.raises(InputError, match="clicked line"):
            inputs.grid_row_id(cell, "line")

    def test_a_grid_click_gives_its_row_id(self):
        assert inputs.grid_row_id({"rowId": "12", "colId": "sku"}, "line") == 12
        assert inputs.grid_row_key({"rowId": "PO-7"}, "purchase order") == "PO-7"


def test_every_input_error_is_a_refusal_and_a_value_error():
    assert issubclass(InputError, RefusedError) and issubclass(RefusedError, ValueError)
