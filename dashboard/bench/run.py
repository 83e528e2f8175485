"""`backorder-desk bench`: time the dashboard's data callbacks as a user triggers them.

For each scenario it measures, on a generated database of the requested size:
- server time: the callback answered through Dash's own endpoint (``/_dash-update-component``)
  by a signed-in manager, as the browser would post it (p50 and p95 over repeats);
- floor: the raw SQL of the same query run straight on the DB-API cursor (the best possible);
- naive: the common Dash pattern of reading the whole table into pandas, filtering and sorting
  there, for comparison.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dashboard import create_app
from dashboard.bench.common import Scenario
from dashboard.bench.data import dataset_summary
from dashboard.bench.kpis import kpi_scenarios
from dashboard.bench.replenishment import replenishment_scenarios
from dashboard.bench.triage import triage_scenarios
from dashboard.config import Settings
from dashboard.db.engine import Database

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Result:
    """Timings of one scenario in milliseconds."""

    name: str
    p50_ms: float
    p95_ms: float
    floor_ms: float
    ratio: float
    naive_ms: float


def scenarios(database: Database) -> list[Scenario]:
    """The actions a manager takes on /replenishment, a support lead on /backorders, an executive on /kpis."""
    today = Settings().today()
    return replenishment_scenarios(database) + triage_scenarios(database, today) + kpi_scenarios(database, today)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_bench(
    database: Database, repeat: int = 30, echo: Callable[[str], None] = print, only: str | None = None
) -> list[Result]:
    """Time every scenario; the first run of each is a warm-up and not counted."""
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

    outputs: Any = [{"id": p.split(".")[0], "property": p.split(".")[1]} for p in output.strip(".").split("...")]
    if not output.startswith(".."):  # a single-output callback: Dash sends (and expects) one spec, not a list
        outputs = outputs[0]
    return {
        "output": output,
        "outputs": outputs,
        "inputs": spec(entry["inputs"]),
        "state": spec(entry["state"]),
        "changedPropIds": [scenario.changed],
    }


def write_json(path: Path, database: Database, results: list[Result]) -> None:
    """The machine-readable report."""
    report = {
        "dataset": dataset_summary(database),
        "database": database.engine.dialect.name,
        "results": [asdict(r) for r in results],
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
