"""Status and cause codes are defined once, each with a label and a colour."""

import pytest

from dashboard.domain.codes import CauseCode, LabelledCode, LineStatus, SalesStatus

BOOTSTRAP_COLOURS = {"primary", "secondary", "success", "danger", "warning", "info", "light", "dark"}


class TestCodeLists:
    @pytest.mark.parametrize("code_set", LabelledCode.__subclasses__())
    def test_every_code_has_a_label_and_a_bootstrap_colour(self, code_set):
        for member in code_set:
            assert member.label and member.label[0].isupper()
            assert member.colour in BOOTSTRAP_COLOURS

    def test_design_lists_are_exactly_these(self):
        assert SalesStatus.values() == ["in_stock", "backorder", "out_of_stock", "discontinued"]
        assert LineStatus.values() == ["open", "backordered", "allocated", "shipped", "cancelled"]
        assert CauseCode.values() == [
            "supplier_delay",
            "transport",
            "customs",
            "demand_spike",
            "forecast_error",
            "long_lead_time",
            "data_error",
            "other",
        ]

    def test_codes_compare_equal_to_their_stored_value(self):
        assert SalesStatus.BACKORDER == "backorder"
        assert str(SalesStatus.BACKORDER) == "backorder"


class TestParse:
    def test_unknown_value_names_the_allowed_ones(self):
        with pytest.raises(ValueError, match="in_stock, backorder, out_of_stock, discontinued"):
            SalesStatus.parse("coming_soon")

    def test_known_value_parses(self):
        assert SalesStatus.parse("out_of_stock") is SalesStatus.OUT_OF_STOCK
