"""Liveness and readiness probes."""

from dashboard import create_app
from dashboard.config import Settings


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.text == "ok\n"


def test_readyz_is_200_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200


def test_readyz_is_503_with_a_plain_message_when_the_database_is_down():
    settings = Settings(database_url="postgresql://nobody@127.0.0.1:1/none", auto_demo=False)
    app = create_app(settings)
    response = app.server.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.text == "database unavailable\n"
    assert "Traceback" not in response.text
