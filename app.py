"""Entry point: `python app.py` serves the dashboard; gunicorn uses `app:server`."""

from dashboard import create_app
from dashboard.devserver import run

app = create_app()
server = app.server

if __name__ == "__main__":
    run(app)
