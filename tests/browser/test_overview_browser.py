"""Overview in a real browser: numbers in every card and a clean console."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_ovw001_overview_cards_show_numbers(dash_duo, signed_in):
    signed_in("support")
    dash_duo.wait_for_text_to_equal("#card-open-backorders .kpi-title", "OPEN BACKORDERS", timeout=10)
    for card in ("card-open-backorders", "card-past-promise", "card-stocked-out", "card-late-pos"):
        value = dash_duo.find_element(f"#{card}-value").text
        assert re.fullmatch(r"[\d,]+", value), (card, value)
    assert int(dash_duo.find_element("#card-open-backorders-value").text.replace(",", "")) > 0
    assert "Backorder Desk" in dash_duo.find_element(".navbar-brand").text
    assert dash_duo.get_logs() == []


def test_ovw002_unknown_path_shows_the_not_found_page(dash_duo, signed_in):
    signed_in("manager")
    dash_duo.driver.get(dash_duo.server.url + "/nowhere")
    dash_duo.wait_for_text_to_equal("#not-found h2", "Page not found", timeout=10)
    assert dash_duo.get_logs() == []


def test_ovw003_menu_opens_on_a_narrow_screen(dash_duo, signed_in):
    dash_duo.driver.set_window_size(600, 900)
    signed_in("executive")
    dash_duo.wait_for_element("#card-open-backorders", timeout=10)
    dash_duo.find_element("#navbar-toggler").click()
    dash_duo.wait_for_element("#navbar-collapse.show", timeout=5)
    assert dash_duo.find_element("#navbar-collapse .nav-link").text == "Overview"
    assert dash_duo.get_logs() == []
