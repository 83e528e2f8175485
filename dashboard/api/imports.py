"""Downloads for /import: a template per kind, and the rows an import refused (managers only)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from dashboard import context
from dashboard.auth.roles import current_actor
from dashboard.auth.routes import roles_required
from dashboard.domain.codes import Role
from dashboard.services import imports as importing
from dashboard.services.imports import jobs as import_jobs

bp = Blueprint("imports", __name__)


def _not_found(message: str) -> Response:
    response = jsonify({"error": "not_found", "message": message})
    response.status_code = 404
    return response


def _csv(name: str, text: str) -> Response:
    # UTF-8 with BOM so Excel opens names with accents correctly.
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.get("/import/template/<kind>.csv")
@roles_required(Role.MANAGER)
def template_csv(kind: str) -> Response:
    """The header row of ``kind``'s import file."""
    if kind not in importing.TEMPLATES:
        return _not_found(f"No import template for {kind[:40]!r}; kinds: {', '.join(importing.TEMPLATES)}.")
    return _csv(f"backorder-desk-{kind}-template.csv", importing.template(kind))


@bp.get("/import/refused/<token>.csv")
@roles_required(Role.MANAGER)
def refused_csv(token: str) -> Response:
    """The rows the import of upload ``token`` refused (row, column, value, reason) — the uploader's only."""
    try:
        with context.current().db.read_session() as session:
            name, text = import_jobs.rejected_csv(session, token, current_actor())
    except import_jobs.UploadError as exc:
        return _not_found(str(exc))
    return _csv(name, text)
