"""Checks shared by the migration tests of every backend."""

import alembic.autogenerate
import alembic.command
import alembic.migration
import alembic.script
import sqlalchemy as sa

from migrator_scheduler.db import migration
from migrator_scheduler.db import models


def walk_revisions(engine: sa.engine.Engine) -> list[str]:
    """Upgrade one revision at a time from empty to head; return them."""
    config = migration._config(None)
    script = alembic.script.ScriptDirectory.from_config(config)
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        with engine.begin() as connection:
            config.attributes['connection'] = connection
            alembic.command.upgrade(config, revision)
        with engine.connect() as connection:
            context = alembic.migration.MigrationContext.configure(
                connection)
            assert context.get_current_revision() == revision
    return revisions


def schema_differences(engine: sa.engine.Engine) -> list:
    """Return how the migrated schema differs from the models."""
    with engine.connect() as connection:
        context = alembic.migration.MigrationContext.configure(
            connection, opts={'compare_type': True,
                              'compare_server_default': True})
        diff = alembic.autogenerate.compare_metadata(
            context, models.metadata)
    # MySQL reports its DATETIME(6) where the model says DateTime with a
    # dialect variant: the same type.
    return [d for d in diff if not _same_datetime(d)]


def _same_datetime(diff) -> bool:
    if not (isinstance(diff, list) and diff and diff[0][0] == 'modify_type'):
        return False
    old, new = diff[0][5], diff[0][6]
    return 'DATETIME' in str(old).upper() and 'UTCDATETIME' in type(
        new).__name__.upper()
