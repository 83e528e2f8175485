"""The import tests' database: a small shop on each backend."""

import pytest

from tests.services.imports.import_data import build_shop


@pytest.fixture
def shop_db(db):
    """A migrated database holding :func:`build_shop`'s shop."""
    with db.write_session() as session:
        build_shop(session)
    return db
