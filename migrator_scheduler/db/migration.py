"""Schema migrations (alembic, upgrade only)."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from migrator_scheduler.db import api as db_api

_SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), 'migrations')


def _config(connection) -> alembic_config.Config:
    config = alembic_config.Config()
    config.set_main_option('script_location', _SCRIPT_LOCATION)
    config.attributes['connection'] = connection
    return config


def upgrade(revision: str = 'head') -> None:
    """Upgrade the configured database to ``revision``."""
    with db_api.get_engine().begin() as connection:
        alembic_command.upgrade(_config(connection), revision)


def version() -> str | None:
    """Return the database's current revision (None before db sync)."""
    with db_api.get_engine().connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        return context.get_current_revision()


def head() -> str:
    """Return the newest revision this code knows."""
    script = alembic_script.ScriptDirectory.from_config(_config(None))
    return script.get_current_head()
