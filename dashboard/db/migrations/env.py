"""Alembic environment: runs on the engine handed over by dashboard.db.migrate."""

from alembic import context

from dashboard.db.migrate import include_object
from dashboard.db.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a SQLite table by copying it and dropping the original, and with foreign
        # keys on, DROP TABLE deletes the rows first, cascading into (or refused by) every table that
        # references it (product, for one). The PRAGMA only works outside a transaction, so it goes to
        # the driver's connection before Alembic begins; foreign_key_check below proves nothing broke.
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
            render_as_batch=sqlite,
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            # The connection goes back to the pool: it must enforce foreign keys again.
            connection.rollback()
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
