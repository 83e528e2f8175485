"""Overview: what needs attention today, each card linking to where it is handled."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy.exc import DBAPIError

from dashboard import context
from dashboard.auth.pages import current_role, visible_pages
from dashboard.auth.roles import user_may
from dashboard.components import formats
from dashboard.components.cards import make_alert_list, make_kpi_card
from dashboard.components.feedback import make_database_unavailable
from dashboard.components.kpis import format_delta, format_value, verdict
from dashboard.domain.codes import Role
from dashboard.domain.kpi_kinds import KPIS, overview_kpis, section
from dashboard.services.overview import (
    UNCONFIRMED_DAYS,
    OverviewCounts,
    RecentKpis,
    latest_pos,
    most_overdue_lines,
    overview_counts,
    recent_kpis,
)

dash.register_page(__name__, path="/", name="Overview", title="Overview · Backorder Desk", nav_order=0)


def _href(path: str) -> str | None:
    """Link to ``path`` only if the signed-in user may open the page there (support has no /inbound)."""
    base = path.split("?")[0]
    return path if any(p["path"] == base for p in visible_pages(current_role())) else None


def make_cards(counts: OverviewCounts) -> dbc.Row:
    """The four headline cards."""
    cards = [
        make_kpi_card(
            "Open backorders",
            f"{counts.open_backorder_lines:,}",
            f"{counts.open_backorder_units:,} units · ${counts.open_backorder_value:,.0f} waiting to ship",
            colour="primary",  # a workload, neither good nor bad in itself
            href=_href("/backorders"),
            card_id="card-open-backorders",
            icon="bi-hourglass-split",
        ),
        make_kpi_card(
            "Past promised date",
            f"{counts.lines_past_promise:,}",
            "waiting lines whose promise has passed",
            verdict=("bad", "promises broken") if counts.lines_past_promise else ("good", "no promise broken"),
            href=_href("/backorders?state=past_promise"),
            card_id="card-past-promise",
            icon="bi-exclamation-octagon",
        ),
        make_kpi_card(
            "Stocked out",
            f"{counts.pairs_stocked_out:,}",
            f"SKU-warehouse pairs of {counts.pairs:,} with nothing available there; "
            f"{counts.skus_stocked_out:,} of {counts.active_skus:,} active SKUs have nothing in any warehouse",
            verdict=("watch", "reorder to cover") if counts.pairs_stocked_out else ("good", "nothing stocked out"),
            href=_href("/replenishment?condition=stocked_out"),
            card_id="card-stocked-out",
            icon="bi-box",
        ),
        make_kpi_card(
            "POs past ETA",
            f"{counts.pos_past_eta:,}",
            f"of {counts.open_pos:,} open purchase orders",
            verdict=("watch", "chase the suppliers") if counts.pos_past_eta else ("good", "all on time"),
            href=_href("/inbound?show=late"),
            card_id="card-late-pos",
            icon="bi-truck",
        ),
    ]
    return dbc.Row([dbc.Col(card, md=6, xl=3, className="mb-3") for card in cards])


def _value_text(key: str, value: float | None) -> str:
    # The same figure reads the same on every page: "61.2 %", as on /kpis (docs/ui.md).
    return format_value(key, value)


def _delta_text(recent: RecentKpis, key: str) -> str:
    """The period the number covers (the same words as /kpis), then its change from the one before."""
    period = f"last {recent.days} days"
    delta = recent.delta(key)
    if delta is None:
        return period
    if KPIS[key].unit != "share":
        return f"{period} · {format_delta(key, delta)[0]} vs the {recent.days} days before"
    return f"{period} · {delta * 100:+.1f} pts vs the {recent.days} days before"


def make_kpi_row(recent: RecentKpis) -> dbc.Row:
    """Executive headline: the KPIs with an Overview card, over the last four weeks, each opening its page."""
    cards = [
        make_kpi_card(
            kpi.overview.title,
            _value_text(kpi.key, recent.current.get(kpi.key)),
            _delta_text(recent, kpi.key),
            verdict=verdict(kpi.key, recent.current.get(kpi.key)),
            href=_href(section(kpi.section).page),
            card_id=f"card-kpi-{kpi.key.replace('_', '-')}",
            icon=kpi.overview.icon,
        )
        for kpi in overview_kpis()
    ]
    return dbc.Row([dbc.Col(card, md=6, xl=3, className="mb-3") for card in cards], id="overview-kpis")


def _attention(session, today) -> tuple[OverviewCounts, list, list]:
    return overview_counts(session, today), most_overdue_lines(session, today), latest_pos(session, today)


def layout(**_query: str) -> html.Div:
    """The counts as of the latest change (cached per data version, shared by all workers)."""
    app = context.current()
    today = app.settings.today()
    try:
        with app.db.read_session() as session:
            counts, overdue, late = app.cache.versioned(
                session, "overview", (today,), lambda: _attention(session, today)
            )
            # Executives and managers also get the trend headline; support leads work the lists below.
            recent = (
                app.cache.versioned(session, "overview-kpis", (today,), lambda: recent_kpis(session, today))
                if user_may(Role.EXECUTIVE, Role.MANAGER)
                else None
            )
    except DBAPIError:
        return html.Div([html.H2("Overview"), make_database_unavailable()])
    overdue_rows = [
        (
            f"{line.order_number} · {line.sku}",
            f"{line.customer} · promised {formats.day(line.promised_date)}",
            f"{line.days_late} d late",
        )
        for line in overdue
    ]
    late_rows = [
        (
            po.number,
            f"{po.supplier} · ETA {formats.day(po.eta)}" + (" (confirmed)" if po.confirmed else " (unconfirmed)"),
            f"{po.days_late} d late",
        )
        for po in late
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.H2("Overview", className="mb-0"),
                    html.Span(f"as of {formats.weekday(today)}", className="text-body-secondary"),
                ],
                className="d-flex align-items-baseline gap-3 mb-3",
            ),
            *([make_kpi_row(recent)] if recent else []),
            make_cards(counts),
            *(
                [
                    dbc.Alert(
                        [
                            html.I(className="bi bi-envelope-exclamation me-2"),
                            f"{counts.sent_unconfirmed} purchase order(s) sent more than {UNCONFIRMED_DAYS} days ago "
                            "still have no confirmation from the supplier. ",
                            dcc.Link("See them on Inbound", href="/inbound?show=awaiting", className="alert-link"),
                        ],
                        color="warning",
                        className="py-2",
                        id="alert-unconfirmed-pos",
                    )
                ]
                if counts.sent_unconfirmed and user_may(Role.MANAGER, Role.EXECUTIVE)
                else []
            ),
            dbc.Row(
                [
                    dbc.Col(
                        make_alert_list(
                            "Furthest past their promise",
                            overdue_rows,
                            "No open line is past its promised date.",
                            list_id="list-overdue",
                            total=counts.lines_past_promise,
                            see_all=_href("/backorders?state=past_promise"),
                        ),
                        lg=6,
                        className="mb-3",
                    ),
                    dbc.Col(
                        make_alert_list(
                            "Purchase orders past ETA",
                            late_rows,
                            "Every open purchase order is on schedule.",
                            list_id="list-late-pos",
                            total=counts.pos_past_eta,
                            see_all=_href("/inbound?show=late"),
                        ),
                        lg=6,
                        className="mb-3",
                    ),
                ]
            ),
        ]
    )
