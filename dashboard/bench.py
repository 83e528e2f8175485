"""`backorder-desk bench`: time the dashboard's data callbacks as a user triggers them.

For each scenario it measures, on a generated database of the requested size:
- server time: the callback answered through Dash's own endpoint (``/_dash-update-component``)
  by a signed-in manager, as the browser would post it (p50 and p95 over repeats);
- floor: the raw SQL of the same query run straight on the DB-API cursor (the best possible);
- naive: the common Dash pattern of reading the whole table into pandas, filtering and sorting
  there, for comparison.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select

from dashboard.config import DATA_DIR, Settings
from dashboard.db.engine import Database
from dashboard.db.grid import apply_filters, apply_sort_and_page, parse_request
from dashboard.db.migrate import upgrade
from dashboard.db.models import DEMO_DATASET_KEY, AppSetting, OrderLine, Product, SkuMetrics
from dashboard.services import kpi_events, kpi_rebuild
from dashboard.services import replenishment as repl

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Scenario:
    """One user action: the callback posted, and the SQL and pandas equivalents."""

    name: str
    output: str
    changed: str
    inputs: dict[str, Any]
    floor: Callable[[Any], None]
    naive: Callable[[Any], None]


@dataclass(frozen=True)
class Result:
    """Timings of one scenario in milliseconds."""

    name: str
    p50_ms: float
    p95_ms: float
    floor_ms: float
    ratio: float
    naive_ms: float


def bench_database(skus: int, path: Path | None, today: dt.date, echo: Callable[[str], None]) -> Database:
    """A generated database of ``skus`` SKUs, reused if one of that size already exists."""
    from dashboard.services.demo import generate_demo
    from dashboard.services.metrics import refresh_metrics

    path = path or DATA_DIR / f"bench-{skus}.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    with database.read_session() as session:
        marker = session.scalar(select(AppSetting.value).where(AppSetting.key == DEMO_DATASET_KEY))
    if not marker or marker.get("skus") != skus:
        echo(f"generating {skus:,} SKUs into {path} (once; later runs reuse it)…")
        generate_demo(database, skus=skus, today=today, replace=bool(marker))
        refresh_metrics(database, today, rebuild_kpis=True)
    with database.write_session() as session:
        # A database generated before the KPI tables existed gets its counters once.
        if kpi_events.closed_through(session) is None:
            echo("counting KPIs from history (once)…")
            kpi_rebuild.rebuild_kpis(session, today)
    return database


def _raw(database: Database, statements: list[Select]) -> Callable[[Any], None]:
    """Run compiled SQL on the DB-API cursor: no ORM, no Dash, no JSON."""
    compiled = [stmt.compile(dialect=database.engine.dialect) for stmt in statements]

    def run(dbapi: Any) -> None:
        cursor = dbapi.cursor()
        for sql in compiled:
            params = sql.construct_params()
            ordered = [params[name] for name in sql.positiontup] if sql.positiontup else params
            cursor.execute(str(sql), ordered)
            cursor.fetchall()
        cursor.close()

    return run


def _filter_inputs(filters: dict[str, Any]) -> dict[str, Any]:
    """The page's filter dropdowns as the browser posts them."""
    return {
        "repl-warehouse.value": filters.get("warehouse_id"),
        "repl-category.value": filters.get("category"),
        "repl-supplier.value": filters.get("supplier_id"),
        "repl-status.value": filters.get("sales_status"),
        "repl-condition.value": filters.get("condition"),
    }


def _naive_frame(connection: Any, parsed: repl.ReplenishmentFilters) -> pd.DataFrame:
    """The naive pattern's first step: read every pair into pandas, then apply the page filters there."""
    everything = repl.grid_base(repl.ReplenishmentFilters(condition="all"))
    frame = pd.read_sql(everything.add_columns(SkuMetrics.warehouse_id.label("warehouse_id")), connection)
    if parsed.warehouse_id:
        frame = frame[frame["warehouse_id"] == parsed.warehouse_id]
    if parsed.category:
        frame = frame[frame["category"] == parsed.category]
    return frame


def _grid_scenario(database: Database, name: str, filters: dict[str, Any], request: dict[str, Any]) -> Scenario:
    parsed = repl.ReplenishmentFilters.parse(filters)
    grid_request = parse_request(request, repl.GRID_COLUMNS)
    base = apply_filters(repl.grid_base(parsed), grid_request)
    # The same statements the grid runs: the page, and the filtered count for a first block.
    page = apply_sort_and_page(base, grid_request, repl.TIEBREAK)
    count = select(func.count()).select_from(base.order_by(None).subquery())
    statements = [page, count] if request["startRow"] == 0 else [page]
    values = {"repl-grid.getRowsRequest": request, **_filter_inputs(filters)}

    def naive(connection: Any) -> None:
        frame = _naive_frame(connection, parsed)
        if parsed.condition != "all":
            frame = frame[
                frame[
                    {
                        "below_rop": "below_reorder_point",
                        "below_ss": "below_safety_stock",
                        "stocked_out": "stocked_out",
                    }[parsed.condition]
                ].astype(bool)
            ]
        for column, model in (request.get("filterModel") or {}).items():
            frame = frame[frame[column].astype(str).str.lower().str.contains(str(model["filter"]).lower())]
        for sort in reversed(request.get("sortModel") or []):
            frame = frame.sort_values(sort["colId"], ascending=sort["sort"] == "asc", kind="stable")
        frame.iloc[request["startRow"] : request["endRow"]].to_dict("records")

    return Scenario(
        name,
        "..repl-grid.getRowsResponse...repl-export.href..",
        "repl-grid.getRowsRequest",
        values,
        _raw(database, statements),
        naive,
    )


def _overview_scenario(database: Database, name: str, filters: dict[str, Any]) -> Scenario:
    parsed = repl.ReplenishmentFilters.parse(filters)
    values = _filter_inputs(filters)

    def naive(connection: Any) -> None:
        frame = _naive_frame(connection, parsed)
        below = frame[frame["below_reorder_point"].astype(bool)]
        (len(frame), len(below), below["suggested_value"].sum(), frame["below_safety_stock"].sum())
        below.assign(u=below["stock_position"] / below["reorder_point"]).nsmallest(15, "u")

    return Scenario(
        name,
        "..repl-cards.children...repl-chart.figure...repl-alert.children..",
        "repl-condition.value",
        values,
        _raw(database, [repl.summary_statement(parsed), repl.most_urgent_statement(parsed)]),
        naive,
    )


def scenarios(database: Database) -> list[Scenario]:
    """The actions a manager takes on /replenishment and a support lead on /backorders, broad to narrow."""
    with database.read_session() as session:
        category = session.scalar(select(Product.category).order_by(Product.category).limit(1))
    sort_value = [{"colId": "suggested_value", "sort": "desc"}]
    replenishment = [
        _grid_scenario(
            database,
            "replenishment grid: below ROP, by order value",
            {"condition": "below_rop"},
            {"startRow": 0, "endRow": 100, "sortModel": sort_value, "filterModel": {}},
        ),
        _grid_scenario(
            database,
            "replenishment grid: one warehouse, all SKUs, by days of cover, 3rd block",
            {"condition": "all", "warehouse_id": 1},
            {
                "startRow": 200,
                "endRow": 300,
                "sortModel": [{"colId": "days_of_cover", "sort": "asc"}],
                "filterModel": {},
            },
        ),
        _grid_scenario(
            database,
            "replenishment grid: all SKUs, name contains 'lamp'",
            {"condition": "all"},
            {
                "startRow": 0,
                "endRow": 100,
                "sortModel": [{"colId": "sku", "sort": "asc"}],
                "filterModel": {"name": {"filterType": "text", "type": "contains", "filter": "lamp"}},
            },
        ),
        _overview_scenario(database, "replenishment cards + chart: below ROP", {"condition": "below_rop"}),
        _overview_scenario(
            database,
            "replenishment cards + chart: warehouse + category",
            {"condition": "below_rop", "warehouse_id": 2, "category": category},
        ),
    ]
    # Imported here: the triage scenarios build on this module's Scenario and _raw.
    from dashboard.bench_kpis import kpi_scenarios
    from dashboard.bench_triage import triage_scenarios

    today = Settings().today()
    return replenishment + triage_scenarios(database, today) + kpi_scenarios(database, today)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_bench(
    database: Database, repeat: int = 30, echo: Callable[[str], None] = print, only: str | None = None
) -> list[Result]:
    """Time every scenario; the first run of each is a warm-up and not counted."""
    from dashboard import create_app

    settings = Settings(database_url=database.url, auto_demo=False, secret_key="bench-" + "x" * 40)
    app = create_app(settings, prepare=False)
    server_ms: list[float] = []
    app.server.wsgi_app = _timed(app.server.wsgi_app, server_ms)
    client = app.server.test_client()
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    client.post("/login", data={"username": "manager", "password": "demo-manager", "csrf_token": token})
    client.get("/_dash-dependencies")
    results = []
    for scenario in scenarios(database):
        if only and only.lower() not in scenario.name.lower():
            continue
        body = _payload(app, scenario)
        server, floor, naive = [], [], []
        for i in range(repeat + 1):
            response = client.post("/_dash-update-component", json=body)
            if response.status_code != 200:
                raise RuntimeError(f"{scenario.name}: HTTP {response.status_code} {response.text[:200]}")
            if i:
                server.append(server_ms[-1])
        with database.engine.connect() as connection:
            dbapi = connection.connection.dbapi_connection
            for i in range(repeat + 1):
                started = time.perf_counter()
                scenario.floor(dbapi)
                if i:
                    floor.append((time.perf_counter() - started) * 1000)
            for _ in range(max(3, repeat // 10)):
                started = time.perf_counter()
                scenario.naive(connection)
                naive.append((time.perf_counter() - started) * 1000)
        p50, floor50 = statistics.median(server), statistics.median(floor)
        result = Result(
            scenario.name,
            round(p50, 2),
            round(_percentile(server, 0.95), 2),
            round(floor50, 3),
            # from the reported figures, so the report is consistent with itself
            round(round(p50, 2) / round(floor50, 3), 2) if round(floor50, 3) else 0.0,
            round(statistics.median(naive), 1),
        )
        echo(
            f"{result.name:<72} p50 {result.p50_ms:7.2f}  p95 {result.p95_ms:7.2f}  floor {result.floor_ms:7.2f}"
            f"  ratio {result.ratio:5.2f}  naive {result.naive_ms:8.1f} ms"
        )
        results.append(result)
    return results


def _timed(wsgi_app: Callable[..., Any], sink: list[float]) -> Callable[..., Any]:
    """Server time: from the request entering the WSGI app to the last byte of the response body."""

    def timed(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        started = time.perf_counter()
        body = b"".join(wsgi_app(environ, start_response))
        sink.append((time.perf_counter() - started) * 1000)
        return [body]

    return timed


def _payload(app: Any, scenario: Scenario) -> dict[str, Any]:
    # A scenario may name one of a callback's outputs ("id.property"); the callback's full key is looked up.
    output = scenario.output
    if output not in app.callback_map:
        output = next(key for key in app.callback_map if f"..{output}.." in key or key.startswith(f"{output}."))
    entry = app.callback_map[output]

    def spec(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [
            {"id": i["id"], "property": i["property"], "value": scenario.inputs.get(f"{i['id']}.{i['property']}")}
            for i in items
        ]

    outputs = [{"id": p.split(".")[0], "property": p.split(".")[1]} for p in output.strip(".").split("...")]
    return {
        "output": output,
        "outputs": outputs,
        "inputs": spec(entry["inputs"]),
        "state": spec(entry["state"]),
        "changedPropIds": [scenario.changed],
    }


def dataset_summary(database: Database) -> dict[str, int]:
    """Size of the benchmarked data."""
    with database.read_session() as session:
        return {
            "skus": session.scalar(select(func.count()).select_from(Product)) or 0,
            "order_lines": session.scalar(select(func.count()).select_from(OrderLine)) or 0,
        }


def write_json(path: Path, database: Database, results: list[Result]) -> None:
    """The machine-readable report."""
    report = {
        "dataset": dataset_summary(database),
        "database": database.engine.dialect.name,
        "results": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
