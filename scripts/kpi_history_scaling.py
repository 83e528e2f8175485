"""Does a KPI page get slower as history grows? Time its services while the history is multiplied.

Usage: python scripts/kpi_history_scaling.py [data/bench-100000.db] [--copies 3] [--repeat 20]

Inside one transaction that is rolled back at the end (the database is left as it was), the
script times the /kpis report and the /suppliers scorecard for the same date range, then adds
another full copy of every KPI table's history before the earliest day (shifted back by the
length of the history), and times again. If the queries read only the chosen range, the times stay
flat while the tables double, triple and quadruple. SQLite only (it uses SQLite's date()).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dashboard.db.counters import counter_columns, key_columns
from dashboard.db.engine import Database
from dashboard.db.models import KPI_TABLES, KpiDaily
from dashboard.services.inbound import suppliers
from dashboard.services.kpis import filters as kpi_filters
from dashboard.services.kpis import report as kpi_report


def timed(call, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
    runs = sorted(runs[1:])
    return statistics.median(runs), runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", default="data/bench-100000.db")
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    database = Database(f"sqlite:///{args.db}")
    with database.read_session() as session:
        first, last = session.execute(select(func.min(KpiDaily.day), func.max(KpiDaily.day))).one()
    first, last = dt.date.fromisoformat(str(first)), dt.date.fromisoformat(str(last))
    span = (last - first).days + 1
    today = last + dt.timedelta(days=1)
    start, end = kpi_filters.default_range(today, 13)
    print(f"history {first} … {last} ({span} days); timing {start} … {end}")
    print(f"{'history':>10} {'kpi_daily rows':>15} {'KPI report p50/p95 ms':>24} {'scorecard p50/p95 ms':>22}")
    # A plain session, never committed: the padding is rolled back at the end.
    with Session(database.engine) as session:
        options = kpi_filters.filter_options(session)
        raw = {"start": start.isoformat(), "end": end.isoformat()}
        filters = kpi_filters.KpiFilters.parse(raw, options, today)
        scored = suppliers.SupplierFilters.parse(raw, today)

        def report() -> None:
            kpi_report.headline(session, filters)
            kpi_report.weekly_trends(session, filters)
            kpi_report.delay_causes(session, filters)
            kpi_report.breakdown(session, filters, "supplier")

        def scorecard() -> None:
            suppliers.scorecard(session, scored, today)

        for copy in range(args.copies + 1):
            rows = session.scalar(select(func.count()).select_from(KpiDaily))
            r50, r95 = timed(report, args.repeat)
            s50, s95 = timed(scorecard, args.repeat)
            years = span * (copy + 1) / 365
            print(f"{years:>8.1f} y {rows:>15,} {r50:>11.1f} / {r95:<10.1f} {s50:>10.1f} / {s95:<10.1f}")
            if copy == args.copies:
                break
            shift = span * (copy + 1)
            for model in KPI_TABLES:
                table = model.__table__
                columns = key_columns(table) + counter_columns(table)
                names = ", ".join(columns)
                values = ", ".join(f"date(day, '-{shift} days')" if c == "day" else c for c in columns)
                session.execute(
                    text(f"INSERT INTO {table.name} ({names}) SELECT {values} FROM {table.name} WHERE day >= :first"),
                    {"first": first.isoformat()},
                )
        session.rollback()


if __name__ == "__main__":
    main()
