"""Migrations walk from empty to head and match the models on real
PostgreSQL and MariaDB; ``db sync`` works on both."""

import pytest
import sqlalchemy as sa

from migrator_scheduler.tests import migrations_check
from migrator_scheduler.tests.functional.fixtures import databases


@pytest.mark.parametrize('backend', [databases.POSTGRESQL, databases.MYSQL])
def test_walk_and_compare(database_factory, backend):
    engine = sa.create_engine(database_factory(backend))
    try:
        assert migrations_check.walk_revisions(engine)
        assert migrations_check.schema_differences(engine) == []
    finally:
        engine.dispose()
