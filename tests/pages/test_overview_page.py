"""Overview over HTTP: executives and managers get the KPI headline from the counters; support does not."""

import json
import re

import pytest

from dashboard import context
from dashboard.domain import kpi_kinds
from dashboard.domain.kpi_spec import Card, Definition, ratio_of
from tests.conftest import TODAY
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
        assert re.fullmatch(r"\d+\.\d %", value), (key, value)
    links = [c["props"].get("href") for c in components(found["overview-kpis"])]
    assert "/kpis" in links and "/suppliers" in links


def test_every_overview_kpi_of_the_table_has_a_card_opening_its_sections_page(app, auth):
    auth.login("executive")
    found = _by_id(route(auth.client, "/"))
    cards = [c for c in components(found["overview-kpis"]) if c["type"] == "Card"]
    shown = kpi_kinds.overview_kpis()
    assert len(cards) == len(shown)
    for kpi in shown:
        card = found[f"card-kpi-{kpi.key.replace('_', '-')}"]
        assert kpi.overview.title in str(card) and kpi.overview.icon in str(card)
        assert kpi_kinds.section(kpi.section).page in [c["props"].get("href") for c in components(card)]


def test_a_kpi_added_to_the_overview_in_the_table_gets_a_card_in_its_unit(app, auth, add_kpi):
    kpi = add_kpi(
        key="backorder_wait_overview",
        definition=Definition("Backorder wait", "Days from going on backorder to shipping, on average."),
        unit="days",
        formula=ratio_of("backorder_wait_days", "backorders_shipped"),
        section="promises",
        detail=None,
        breakdown=None,
        overview=Card("Backorder wait", "bi-clock"),
    )
    auth.login("manager")
    found = _by_id(route(auth.client, "/"))
    value = found["card-kpi-backorder-wait-overview-value"]["props"]["children"]
    assert re.fullmatch(r"\d+\.\d d", value), value
    links = [c["props"].get("href") for c in components(found["card-kpi-backorder-wait-overview"])]
    assert "/kpis" in links and kpi.overview.title in str(found["card-kpi-backorder-wait-overview"])


def test_support_gets_the_work_lists_without_the_kpi_headline(app, auth):
    auth.login("support")
    found = _by_id(route(auth.client, "/"))
    assert "overview-kpis" not in found
    assert "card-open-backorders" in found


def test_a_list_longer_than_it_shows_says_so_and_links_to_all(app, auth):
    """Issue 22: the Overview listed 8 of 14 late POs with no way to the rest."""
    from dashboard.services.overview import overview_counts

    auth.login("manager")
    content = route(auth.client, "/").json["response"]["_pages_content"]["children"]
    ids = {c["props"].get("id"): c for c in components(content) if isinstance(c.get("props"), dict)}
    with context.current_for(app.server).db.read_session() as session:
        late = overview_counts(session, TODAY).pos_past_eta
    assert late > 8, "the demo has more late POs than the list shows"
    assert ids["list-late-pos-all"]["props"]["href"] == "/inbound?show=late"
    assert f"8 of {late}" in json.dumps(ids["list-late-pos"])


def test_links_follow_the_role_support_gets_none_to_pages_it_cannot_open(app, auth):
    """Support may not open /inbound or /replenishment: the Overview shows it the facts, not dead links."""
    auth.login("support")
    content = route(auth.client, "/").json["response"]["_pages_content"]["children"]
    hrefs = [c["props"].get("href") for c in components(content) if isinstance(c.get("props"), dict)]
    linked = {href.split("?")[0] for href in hrefs if isinstance(href, str)}
    assert "/backorders" in linked
    assert not linked & {"/inbound", "/replenishment", "/kpis", "/suppliers"}, linked
    ids = {c["props"].get("id") for c in components(content) if isinstance(c.get("props"), dict)}
    assert "list-late-pos" in ids and "list-late-pos-all" not in ids
