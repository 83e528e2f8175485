"""/api/v1: bearer tokens, the availability feed (JSON, CSV, ETag) and notify-me subscriptions."""

import csv
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from dashboard import context
from dashboard.cli import main
from dashboard.services.comms import storefront


def db_of(app):
    return context.current_for(app.server).db


def token_for(app, name="shop") -> str:
    with db_of(app).write_session() as session:
        return storefront.create_token(session, name)


def scalar(app, sql, **params):
    with db_of(app).engine.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
def test_requests_without_a_valid_token_get_401(app, client, headers):
    response = client.get("/api/v1/availability", headers=headers)
    assert response.status_code == 401 and response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert (
        client.post("/api/v1/subscriptions", json={"sku": "X", "email": "a@b.co"}, headers=headers).status_code == 401
    )


def test_a_revoked_token_stops_working(app, client):
    token = token_for(app)
    assert client.get("/api/v1/availability", headers=bearer(token)).status_code == 200
    with db_of(app).write_session() as session:
        storefront.revoke_token(session, "shop")
    assert client.get("/api/v1/availability", headers=bearer(token)).status_code == 401
    assert scalar(app, "SELECT count(*) FROM api_token WHERE token_hash = :t", t=token) == 0  # only the hash is kept


def test_the_feed_says_ships_now_ships_later_or_notify_me(app, client):
    feed = client.get("/api/v1/availability", headers=bearer(token_for(app))).json
    items = {item["sku"]: item for item in feed["items"]}
    assert len(items) == scalar(app, "SELECT count(*) FROM product")
    in_stock = next(i for i in items.values() if i["sales_status"] == "in_stock")
    assert in_stock["message"] == "In stock. Ships in 2 days." and in_stock["backorderable"] == 0
    out = next(i for i in items.values() if i["sales_status"] == "out_of_stock")
    assert out["message"] == "Out of stock. Notify me when available."
    offered = [i for i in items.values() if i["sales_status"] == "backorder" and i["ship_days_max"] is not None]
    assert offered, "the demo has SKUs on backorder with a confirmed window"
    for item in items.values():
        if item in offered:
            low, high = item["ship_days_min"], item["ship_days_max"]
            span = f"{low} days" if low == high else f"{low}–{high} days"
            assert item["message"] == f"Temporarily out of stock. Available for backorder. Estimated shipping: {span}."
            assert item["backorderable"] == scalar(
                app,
                "SELECT backorderable FROM status_advice a JOIN product p ON p.id = a.id WHERE p.sku = :s",
                s=item["sku"],
            )
        assert "coming soon" not in item["message"].lower()


def test_csv_and_cheap_polling_with_etag(app, client):
    headers = bearer(token_for(app))
    response = client.get("/api/v1/availability?format=csv", headers=headers)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert response.mimetype == "text/csv" and list(rows[0]) == list(storefront.FEED_COLUMNS)
    first = client.get("/api/v1/availability", headers=headers)
    again = client.get("/api/v1/availability", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert first.headers["Last-Modified"]
    assert client.get("/api/v1/availability?format=xml", headers=headers).status_code == 400


def test_notify_me_subscriptions_are_validated_and_not_doubled(app, client):
    headers = bearer(token_for(app))
    sku = scalar(app, "SELECT sku FROM product WHERE sales_status = 'out_of_stock' ORDER BY sku LIMIT 1")
    first = client.post("/api/v1/subscriptions", json={"sku": sku, "email": "Fan@Example.com"}, headers=headers)
    assert first.status_code == 201 and first.json["status"] == "active"
    again = client.post("/api/v1/subscriptions", json={"sku": sku, "email": "fan@example.com"}, headers=headers)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    for body in ({"sku": sku, "email": "not-an-email"}, {"sku": "NOPE-1", "email": "a@b.co"}, {"email": "a@b.co"}, []):
        assert client.post("/api/v1/subscriptions", json=body, headers=headers).status_code == 400


def test_tokens_from_the_command_line(app, demo_settings):
    runner = CliRunner()
    created = runner.invoke(main, ["tokens", "create", "erp"], obj={"settings": demo_settings})
    assert created.exit_code == 0
    token = created.stdout.strip().splitlines()[0]
    client = app.server.test_client()
    assert client.get("/api/v1/availability", headers=bearer(token)).status_code == 200
    assert runner.invoke(main, ["tokens", "create", "erp"], obj={"settings": demo_settings}).exit_code != 0
    assert runner.invoke(main, ["tokens", "revoke", "erp"], obj={"settings": demo_settings}).exit_code == 0
    assert client.get("/api/v1/availability", headers=bearer(token)).status_code == 401
