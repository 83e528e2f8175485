"""CSV exports of exactly what a grid shows (page filters, column filters and sort), streamed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from flask import Blueprint, Response, request, stream_with_context

from dashboard import context
from dashboard.auth.routes import roles_required
from dashboard.db.grid import parse_filters, parse_sorts
from dashboard.domain.codes import Role
from dashboard.domain.inputs import InputError
from dashboard.services.backorders import queue as bo
from dashboard.services.replenishment import queries as repl

bp = Blueprint("exports", __name__)
REPLENISHMENT_ROLES = (Role.MANAGER, Role.EXECUTIVE)
BACKORDER_ROLES = (Role.SUPPORT, Role.MANAGER, Role.EXECUTIVE)
FLUSH_BYTES = 64_000


def _json_param(name: str) -> object:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise InputError(f"{name} is not valid JSON") from None


def _csv_lines(header: list[str], rows: Iterator[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(key) for key in header])
        if buffer.tell() > FLUSH_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@bp.get("/replenishment/export.csv")
@roles_required(*REPLENISHMENT_ROLES)
def replenishment_csv() -> Response:
    """The replenishment grid's filtered set as CSV; bad parameters get a 400 before anything streams."""
    # Parsed before the first byte streams, so a bad parameter is a 400 (the app's InputError handler).
    filters = repl.ReplenishmentFilters.parse(request.args)
    filter_model, sort_model = _json_param("filterModel"), _json_param("sortModel")
    parse_filters(filter_model, repl.GRID_COLUMNS)
    parse_sorts(sort_model, repl.GRID_COLUMNS)
    db = context.current().db

    def generate() -> Iterator[str]:
        with db.read_session() as session:
            rows = repl.export_rows(session, filters, filter_model, sort_model)
            yield from _csv_lines(list(repl.GRID_COLUMNS), rows)

    name = f"replenishment-{filters.condition}-{context.current().settings.today():%Y%m%d}.csv"
    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/backorders/export.csv")
@roles_required(*BACKORDER_ROLES)
def backorders_csv() -> Response:
    """The triage queue's filtered set as CSV, in the grid's order."""
    filters = bo.BackorderFilters.parse(request.args)
    filter_model, sort_model = _json_param("filterModel"), _json_param("sortModel")
    today = context.current().settings.today()
    columns = bo.grid_columns(today)
    parse_filters(filter_model, columns)
    parse_sorts(sort_model, columns)
    db = context.current().db

    def generate() -> Iterator[str]:
        with db.read_session() as session:
            rows = bo.export_rows(session, filters, filter_model, sort_model, today)
            yield from _csv_lines(["line_id", *columns], rows)

    return Response(
        stream_with_context(generate()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="backorders-{today:%Y%m%d}.csv"'},
    )
