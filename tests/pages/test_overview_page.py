"""Overview over HTTP: executives and managers get the KPI headline from the counters; support does not."""

import re

import pytest

from tests.pages.dash_http import components, route


def _by_id(response) -> dict[str, dict]:
    assert response.status_code == 200
    return {
        c["props"]["id"]: c
        for c in components(response.json["response"]["_pages_content"]["children"])
        if isinstance(c["props"].get("id"), str)
    }


@pytest.mark.parametrize("role", ["executive", "manager"])
def test_leaders_see_four_week_kpis_linking_to_their_pages(app, auth, role):
    auth.login(role)
    found = _by_id(route(auth.client, "/"))
    assert "overview-kpis" in found
    for key in ("fill-rate-lines", "backorder-rate", "otif-original", "on-time-receipt"):
        value = found[f"card-kpi-{key}-value"]["props"]["children"]
        # The demo has four weeks of orders and receipts: every card has a percentage, not a dash.
        assert re.fullmatch(r"\d+\.\d%", value), (key, value)
    links = [c["props"].get("href") for c in components(found["overview-kpis"])]
    assert "/kpis" in links and "/suppliers" in links


def test_support_gets_the_work_lists_without_the_kpi_headline(app, auth):
    auth.login("support")
    found = _by_id(route(auth.client, "/"))
    assert "overview-kpis" not in found
    assert "card-open-backorders" in found
