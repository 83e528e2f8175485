"""/api/v1: the storefront feed and notify-me subscriptions, for the shop's systems (bearer tokens)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict
from email.utils import format_datetime

import orjson
from flask import Blueprint, Response, request

from dashboard import context
from dashboard.auth.gate import deny
from dashboard.services.comms import storefront
from dashboard.services.derived.freshness import last_changed, last_refreshed

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


@bp.before_request
def require_token() -> Response | None:
    """Every /api/v1 request carries a valid, unrevoked ``Authorization: Bearer`` token."""
    with context.current().db.read_session() as session:
        if not storefront.token_is_valid(session, _bearer()):
            response = deny(401, "a valid API token is required (Authorization: Bearer …)")
            response.headers["WWW-Authenticate"] = 'Bearer realm="backorder-desk"'
            return response
    return None


@bp.get("/availability")
def availability() -> Response:
    """Per SKU: status, available, backorderable, ship window and the sentence to show; JSON or ``?format=csv``."""
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        return deny(400, "format must be json or csv")
    app = context.current()
    today = app.settings.today()
    with app.db.read_session() as session:
        stamps = [s for s in (last_refreshed(session), last_changed(session)) if s is not None]
        modified = max(stamps) if stamps else None
        # The feed changes when the data does, or when the day turns (windows count days from today).
        version = f"{modified.isoformat() if modified else '-'}|{today}|{app.settings.handling_days}|{fmt}"
        etag = hashlib.sha256(version.encode()).hexdigest()[:32]
        if etag in request.if_none_match:
            response = Response(status=304)
        else:
            rows = storefront.availability(session, today, app.settings.handling_days)
            response = (
                _csv(rows)
                if fmt == "csv"
                else Response(
                    orjson.dumps({"as_of": today.isoformat(), "items": [asdict(r) for r in rows]}),
                    mimetype="application/json",
                )
            )
    response.set_etag(etag)
    if modified is not None:
        response.headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _csv(rows: list[storefront.Availability]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(storefront.FEED_COLUMNS)
    for row in rows:
        values = asdict(row)
        writer.writerow([values[column] for column in storefront.FEED_COLUMNS])
    return Response(buffer.getvalue(), mimetype="text/csv")


@bp.post("/subscriptions")
def subscribe() -> Response:
    """The storefront's "Notify me" button: ``{"sku": …, "email": …}`` → 201 (new) or 200 (already waiting)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return deny(400, "send a JSON object with sku and email")
    try:
        with context.current().db.write_session() as session:
            subscription, created = storefront.subscribe(session, body.get("sku"), body.get("email"))
            answer = {"id": subscription.id, "sku": body["sku"].strip(), "status": subscription.status.value}
    except storefront.StorefrontError as exc:
        return deny(400, str(exc))
    return Response(orjson.dumps(answer), status=201 if created else 200, mimetype="application/json")
