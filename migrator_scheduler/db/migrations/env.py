"""Alembic environment: runs on the connection handed in by migration.py."""

from alembic import context

from migrator_scheduler.db import models


def run_migrations_online() -> None:
    connection = context.config.attributes['connection']
    context.configure(connection=connection,
                      target_metadata=models.metadata,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
