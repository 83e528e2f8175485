"""How a KPI kind is specified: a formula reads only what it declares, and a detail line words its base."""

import pytest

from dashboard.domain.kpi_spec import Basis, Definition, Formula, Kpi, Reading, ratio_of

BASIS = Basis("test", "kpi_daily")


def kpi(formula: Formula, detail: str | None = None) -> Kpi:
    return Kpi("test", Definition("Test", "A test."), "share", "up", BASIS, formula, section="orders", detail=detail)


class TestReading:
    def test_a_declared_counter_reads_its_sum_and_a_missing_one_reads_zero(self):
        reading = Reading(("a", "b"), {"a": 3.0})
        assert (reading["a"], reading["b"]) == (3.0, 0)
        assert reading.read == {"a", "b"}

    def test_an_undeclared_counter_cannot_be_read(self):
        reading = Reading(("a",), {"a": 3.0, "b": 4.0})
        with pytest.raises(KeyError, match="'b' without declaring it"):
            reading["b"]

    def test_a_histogram_is_read_like_a_counter(self):
        assert Reading(("delay_days",), {}, {"delay_days": [(1, 2)]}).histogram("delay_days") == [(1, 2)]
        assert Reading(("delay_days",), {}).histogram("delay_days") == []
        with pytest.raises(KeyError):
            Reading((), {}, {"delay_days": [(1, 2)]}).histogram("delay_days")

    def test_a_formula_that_reads_more_than_it_declares_fails_at_once(self):
        sloppy = kpi(Formula(("a",), lambda c: c["a"] + c["b"]))
        with pytest.raises(KeyError):
            sloppy.value({"a": 1, "b": 2})


class TestRatioOf:
    def test_it_divides_by_the_sum_of_the_denominator_counters(self):
        formula = ratio_of("cancelled", "shipped", "cancelled")
        assert formula.reads == ("cancelled", "shipped", "cancelled")
        assert formula.base == ("shipped", "cancelled")
        assert kpi(formula).value({"shipped": 2.0, "cancelled": 1.0}) == pytest.approx(1 / 3)

    def test_nothing_to_divide_by_is_no_value(self):
        assert kpi(ratio_of("a", "b")).value({"a": 1.0}) is None


class TestDescribe:
    def test_the_detail_line_words_the_base_and_the_page_context(self):
        shown = kpi(ratio_of("cancelled", "shipped", "cancelled"), "of {base:,.0f} closed; stock {through}")
        assert shown.describe({"shipped": 1200.0, "cancelled": 34.0}, through="through 22 Nov") == (
            "of 1,234 closed; stock through 22 Nov"
        )

    def test_a_kpi_without_a_detail_line_describes_as_nothing(self):
        assert kpi(ratio_of("a", "b")).describe({"b": 1.0}) == ""
