import sqlalchemy as sa

from migrator_scheduler.tests import migrations_check


def test_walk_and_compare_sqlite(tmp_path):
    engine = sa.create_engine(f'sqlite:///{tmp_path}/m.sqlite')
    try:
        assert migrations_check.walk_revisions(engine)
        assert migrations_check.schema_differences(engine) == []
    finally:
        engine.dispose()
