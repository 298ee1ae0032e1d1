"""Fixtures shared by the unit tests."""

import pytest

from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration


@pytest.fixture
def sqlite_db(tmp_path):
    """Point the database API at a fresh, migrated SQLite file."""
    CONF.set_override('connection', f'sqlite:///{tmp_path}/t.sqlite',
                      group='database')
    db_api.reset()
    migration.upgrade()
    yield
    db_api.reset()
    CONF.clear_override('connection', group='database')
