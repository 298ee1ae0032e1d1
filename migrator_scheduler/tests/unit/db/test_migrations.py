import pytest
import sqlalchemy as sa

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration
from migrator_scheduler.db import models
from migrator_scheduler import exception
from migrator_scheduler.tests import migrations_check


def test_walk_and_compare_sqlite(tmp_path):
    engine = sa.create_engine(f'sqlite:///{tmp_path}/m.sqlite')
    try:
        assert migrations_check.walk_revisions(engine)
        assert migrations_check.schema_differences(engine) == []
    finally:
        engine.dispose()


def test_the_models_name_the_newest_migration():
    assert migration.head() == models.SCHEMA_REVISION


def test_services_refuse_an_old_schema(sqlite_db):
    db_api.require_current_schema()
    assert db_api.schema_revision() == models.SCHEMA_REVISION
    with db_api.get_engine().begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = "
                             "'0001'"))
    with pytest.raises(exception.ConfigurationError,
                       match='at revision 0001, this code needs'):
        db_api.require_current_schema()
