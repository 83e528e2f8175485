"""Page tests run against the demo app, whose database already has its metrics (as a first start)."""

import pytest


@pytest.fixture
def app(demo_app):
    """The demo app under its short name."""
    return demo_app
