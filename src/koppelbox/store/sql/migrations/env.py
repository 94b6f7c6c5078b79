"""Alembic's environment: migrations run on the connection `engine.migrate` hands over (never a URL from
a file), inside its transaction."""

from __future__ import annotations

from alembic import context

from koppelbox.store.sql.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
