"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy.exc import DBAPIError

from dashboard import context

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is up and serving requests."""
    return Response("ok\n", mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> Response:
    """Ready only while the database answers; 503 with a plain reason otherwise."""
    try:
        context.current().db.ping()
    except DBAPIError:
        return Response("database unavailable\n", status=503, mimetype="text/plain")
    return Response("ready\n", mimetype="text/plain")
