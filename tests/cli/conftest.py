"""Shared by the command-line tests: a database with waiting customers and a manager, and a runner."""

import pytest
from click.testing import CliRunner

from dashboard.cli import main
from dashboard.config import Settings
from dashboard.db.models import User
from dashboard.domain.codes import Role
from dashboard.services.derived.refresh import refresh_metrics
from tests.services import triage_data as data
from tests.services.imports.import_data import build_shop
from tests.services.triage_data import TODAY


@pytest.fixture
def cli_db(db):
    with db.write_session() as session:
        data.build(session)
        session.add(User(username="mia", password_hash="x", role=Role.MANAGER, active=True))
        session.add(User(username="sam", password_hash="x", role=Role.SUPPORT, active=True))
    refresh_metrics(db, TODAY)
    return db


def run(db, *args):
    settings = Settings(database_url=db.url, auto_demo=False, today_override=TODAY)
    return CliRunner().invoke(main, list(args), obj={"settings": settings})


def scalar(db, stmt):
    with db.read_session() as session:
        return session.scalar(stmt)


@pytest.fixture
def import_cli_db(db):
    with db.write_session() as session:
        build_shop(session)
        session.add(User(username="mia", password_hash="x", role=Role.MANAGER, active=True))
    return db
