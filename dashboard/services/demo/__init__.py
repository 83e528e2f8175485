"""``backorder-desk demo``: a deterministic, realistic dataset that ends today.

The same seed, size and end date give the same rows. See :mod:`.simulation` for the story.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dashboard.db.bulk import insert_rows, reset_sequences
from dashboard.db.engine import Database
from dashboard.db.models import DEMO_DATASET_KEY, AppSetting, Base, Product, User
from dashboard.db.text_search import rebuild_sku_metrics_search
from dashboard.domain.codes import Role
from dashboard.services.demo.catalog import build_catalog
from dashboard.services.demo.simulation import Simulation
from dashboard.services.demo.state import DAY, HOUR
from dashboard.services.demo.tables import Clock, DemoUsers, build_tables
from dashboard.services.users.passwords import hash_password

DEMO_USERS = (Role.ADMIN, Role.MANAGER, Role.SUPPORT, Role.EXECUTIVE)
# Order lines per SKU over 540 days: 100,000 SKUs give about two million lines.
LINES_PER_SKU = 21.0
# The data ends at this UTC time on the last day, so the same inputs give the same rows.
END_HOUR_UTC = 8

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    """What was generated, for the command line to report."""

    products: int
    order_lines: int
    purchase_orders: int
    open_backorders: int
    rows: int


class DatabaseNotEmptyError(RuntimeError):
    """The target already has data and the caller did not ask to replace it."""


def demo_password(username: str) -> str:
    """The documented demo password of a demo user (design §8)."""
    return f"demo-{username}"


def is_demo_database(session: Session) -> bool:
    """Whether this database was built by ``backorder-desk demo`` (so demo sign-ins may be shown)."""
    return session.scalar(select(AppSetting.id).where(AppSetting.key == DEMO_DATASET_KEY)) is not None


def has_data(db: Database) -> bool:
    """Whether the database already holds products (a demo or real data)."""
    with db.read_session() as session:
        return bool(session.scalar(select(func.count()).select_from(Product)))


def generate_demo(
    db: Database,
    *,
    skus: int = 400,
    days: int = 540,
    seed: int = 42,
    today: dt.date,
    replace: bool = False,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill ``db`` (already migrated) with demo data ending ``today``; one transaction."""
    if skus < 20:
        raise ValueError("--skus must be at least 20")
    if days < 60:
        raise ValueError("--days must be at least 60")
    report = progress or (lambda _stage, _done, _total: None)
    rng = np.random.default_rng(seed)
    start = today - dt.timedelta(days=days - 1)
    catalog = build_catalog(rng, skus, days, LINES_PER_SKU * days / 540)
    report("master data", 1, 1)
    sim = Simulation(
        rng, catalog, days, start.weekday(), start.timetuple().tm_yday, (days - 1) * DAY + END_HOUR_UTC * HOUR
    )
    sim.run(lambda done: report("simulating days", done, days) if done % 10 == 0 or done == days else None)
    with db.write_session() as session:
        if has_data(db) or session.scalar(select(func.count()).select_from(User)):
            if not replace:
                raise DatabaseNotEmptyError("the database already has data; pass --replace to wipe it first")
            for table in reversed(Base.metadata.sorted_tables):
                session.execute(delete(table))
            # sku_metrics is empty now; its search index (not a model table) must not keep the old rows.
            rebuild_sku_metrics_search(session.connection())
        users = []
        for role in DEMO_USERS:
            user = User(username=role.value, password_hash=hash_password(demo_password(role.value)), role=role)
            session.add(user)
            users.append(user)
        session.add(
            AppSetting(
                key=DEMO_DATASET_KEY, value={"skus": skus, "days": days, "seed": seed, "today": today.isoformat()}
            )
        )
        session.flush()
        manager_id = next(u.id for u in users if u.role is Role.MANAGER)
        support_id = next(u.id for u in users if u.role is Role.SUPPORT)
        tables = build_tables(sim, rng, Clock(start), DemoUsers(manager_id=manager_id, support_id=support_id))
        connection = session.connection()
        total = sum(len(next(iter(cols.values()), [])) for cols in tables.values())
        done = 0
        for table in Base.metadata.sorted_tables:  # parents before children
            if table.name not in tables:
                continue
            name, columns = table.name, tables[table.name]
            names = list(columns)
            rows = zip(*(columns[c] for c in names), strict=True)
            before = done
            done += insert_rows(
                connection,
                table,
                names,
                rows,
                lambda n, name=name, before=before: report(f"writing {name}", before + n, total),
            )
            report(f"writing {name}", done, total)
        reset_sequences(connection, [Base.metadata.tables[name] for name in tables])
    lines = tables["order_line"]["status"]
    return DemoSummary(
        products=skus,
        order_lines=len(lines),
        purchase_orders=len(tables["purchase_order"]["id"]),
        open_backorders=sum(1 for s in lines if s == "backordered"),
        rows=total,
    )
