"""The supplier's confirmation page: one purchase order behind a signed, expiring link; no account (issue 21 item 4).

GET shows the PO (lines and requested date) and a form; POST records the answer in one transaction.
A tampered, expired or used link gets a plain page saying so, with status 400, 410 or 409, and
changes nothing. The page shows nothing but that PO.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from dashboard import context
from dashboard.services.audit.trail import Actor
from dashboard.services.purchasing import confirmation

bp = Blueprint("supplier", __name__)
PREFIX = "/supplier/confirm/"


def _status(error: confirmation.LinkError) -> int:
    text = str(error)
    return 410 if "expired" in text else 409 if "already answered" in text else 400


def _page(status: int = 200, **values) -> Response:
    app = context.current()
    html = render_template("supplier_confirm.html", csrf_token=generate_csrf(), today=app.settings.today(), **values)
    return Response(html, status=status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@bp.route(f"{PREFIX}<token>", methods=["GET", "POST"])
def confirm_page(token: str) -> Response:
    """Show the PO the link names, or record the supplier's answer to it."""
    app = context.current()
    if request.method == "GET":
        try:
            with app.db.read_session() as session:
                return _page(po=confirmation.linked_po(session, token))
        except confirmation.LinkError as error:
            return _page(_status(error), error=str(error))
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return _page(400, error="The form expired; open the link from the email again.")
    try:
        with app.unit_of_work(Actor("supplier")) as work:
            done = confirmation.confirm(
                work.session,
                token,
                request.form.get("delivery_date"),
                request.form.get("note") or None,
                work.today,
                work.handling_days,
            )
    except confirmation.LinkError as error:
        with app.db.read_session() as session:
            try:
                po = confirmation.linked_po(session, token)
            except confirmation.LinkError:
                po = None
        return _page(_status(error) if po is None else 400, po=po, error=str(error))
    return _page(done=done)
