"""Reading one imported cell: clean values in, a message a shop manager understands for anything else."""

import datetime as dt

import pytest

from dashboard.domain import import_values as v
from dashboard.domain.codes import SalesStatus


class TestWholeNumbers:
    @pytest.mark.parametrize(("raw", "expected"), [("12", 12), (" 7 ", 7), ("12.0", 12), (12.0, 12), (3, 3)])
    def test_whole_numbers_in_any_spelling_are_read(self, raw, expected):
        assert v.whole(0)(raw) == expected

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("12.5", "not a whole number"),
            ("-1", "below the minimum of 0"),
            ("abc", "is not a number"),
            ("1,200", "without thousands separators"),
            ("nan", "is not a number"),
            ("inf", "is not a number"),
            ("9" * 40, "is not a number"),
            ("20000000", "above the maximum"),
            (True, "is not a number"),
        ],
    )
    def test_anything_else_is_refused_with_the_reason(self, raw, message):
        with pytest.raises(ValueError, match=message):
            v.whole(0)(raw)

    def test_the_minimum_is_the_callers(self):
        with pytest.raises(ValueError, match="below the minimum of 1"):
            v.whole(1)("0")


class TestMoney:
    def test_prices_round_half_up_to_cents(self):
        assert v.money("12.345") == 12.35 and v.money("0") == 0.0 and v.money(4.5) == 4.5

    @pytest.mark.parametrize(("raw", "message"), [("-0.01", "negative"), ("1e12", "too large"), ("$5", "not a number")])
    def test_negative_huge_or_decorated_prices_are_refused(self, raw, message):
        with pytest.raises(ValueError, match=message):
            v.money(raw)


class TestFlagsDatesAndCodes:
    @pytest.mark.parametrize(("raw", "expected"), [("true", True), ("Yes", True), ("1", True), ("x", True)])
    def test_yes_words(self, raw, expected):
        assert v.flag(raw) is expected

    @pytest.mark.parametrize("raw", ["false", "NO", "0", "n", False])
    def test_no_words(self, raw):
        assert v.flag(raw) is False

    def test_other_words_are_not_yes_or_no(self):
        with pytest.raises(ValueError, match="not yes or no"):
            v.flag("maybe")

    def test_dates_must_be_real_iso_dates(self):
        assert v.day("2026-11-27") == dt.date(2026, 11, 27)
        assert v.day(dt.datetime(2026, 11, 27, 0, 0)) == dt.date(2026, 11, 27)
        with pytest.raises(ValueError, match="not a real date"):
            v.day("2026-02-30")
        with pytest.raises(ValueError, match="write YYYY-MM-DD"):
            v.day("27.11.2026")

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("2026-11-20", dt.datetime(2026, 11, 20, tzinfo=dt.UTC)),
            ("2026-11-20 14:03", dt.datetime(2026, 11, 20, 14, 3, tzinfo=dt.UTC)),
            ("2026-11-20T14:03:00+01:00", dt.datetime(2026, 11, 20, 13, 3, tzinfo=dt.UTC)),
            ("2026-11-20T14:03:00Z", dt.datetime(2026, 11, 20, 14, 3, tzinfo=dt.UTC)),
        ],
    )
    def test_moments_are_utc(self, raw, expected):
        assert v.moment(raw) == expected

    @pytest.mark.parametrize("raw", ["yesterday", "2026-11-31 10:00", "2026-11-20 25:00"])
    def test_moments_that_are_not_dates_are_refused(self, raw):
        with pytest.raises(ValueError, match="not a"):
            v.moment(raw)

    @pytest.mark.parametrize(
        "raw",
        [
            "0001-01-01T00:00+01:00",  # the zone shift alone would overflow
            "9999-12-31T23:00-05:00",
            "0026-11-20",
            "2206-11-20 10:00",
            dt.datetime(1999, 12, 31, 23, 59),
            dt.date(2101, 1, 1),
        ],
    )
    def test_dates_outside_the_plausible_years_are_refused_not_crashed_on(self, raw):
        with pytest.raises(ValueError, match="outside 2000–2100; check the year"):
            v.moment(raw)
        if (isinstance(raw, str) and len(raw) == 10) or isinstance(raw, dt.date):
            with pytest.raises(ValueError, match="outside 2000–2100"):
                v.day(raw)

    @pytest.mark.parametrize("raw", ["in_stock", "In stock", "IN-STOCK", " in stock "])
    def test_codes_by_value_or_label_in_any_case(self, raw):
        assert v.code(SalesStatus)(raw) is SalesStatus.IN_STOCK

    def test_unknown_codes_list_the_allowed_ones(self):
        with pytest.raises(ValueError, match="use one of: in_stock, backorder, out_of_stock, discontinued"):
            v.code(SalesStatus)("sold_out")


class TestText:
    def test_text_is_trimmed_and_xlsx_whole_numbers_lose_their_point(self):
        assert v.text(10)("  mug ") == "mug" and v.text(10)(12345.0) == "12345"

    def test_too_long_or_control_characters_are_refused(self):
        with pytest.raises(ValueError, match="longer than 5"):
            v.text(5)("abcdef")
        with pytest.raises(ValueError, match="control characters"):
            v.text(20)("bad\x00name")

    def test_countries_emails_and_time_zones(self):
        assert v.country("de") == "DE" and v.email("ops@shop.example") == "ops@shop.example"
        assert v.timezone("Europe/Berlin") == "Europe/Berlin"
        for parse, raw in ((v.country, "Germany"), (v.email, "ops@"), (v.timezone, "../../etc/passwd")):
            with pytest.raises(ValueError):
                parse(raw)
