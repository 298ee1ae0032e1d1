"""Fixtures shared by the unit tests."""

import pytest

from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration
from migrator_scheduler import rpc


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


@pytest.fixture
def fake_rpc():
    """The in-process ``fake://`` transport as this process's RPC
    transport, with one server thread (messages are handled in order)."""
    CONF.set_override('executor_thread_pool_size', 1)
    transport = rpc.init(CONF)
    yield transport
    rpc.cleanup()
    CONF.clear_override('executor_thread_pool_size')
