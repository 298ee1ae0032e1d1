"""The servers a benchmark runs against, set up from the test fixtures.

ZooKeeper is private (started from Debian's package on a free port);
RabbitMQ and PostgreSQL are the machine's, with a virtual host and a
database of their own that are removed at the end.
"""

from __future__ import annotations

import contextlib
import logging
import time

import fixtures
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import pool

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import migration
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import databases
from migrator_scheduler.tests.functional.fixtures import rabbitmq
from migrator_scheduler.tests.functional.fixtures import zookeeper

LOG = logging.getLogger(__name__)
CONF = ms_conf.CONF


def use_fixture(stack: contextlib.ExitStack, fixture: fixtures.Fixture):
    """Set ``fixture`` up, register its clean-up on ``stack``, return it.

    A failed set-up raises the fixture's own error (e.g. "PostgreSQL at
    ... is unreachable") rather than fixtures' wrapper of it.
    """
    try:
        fixture.setUp()
    except fixtures.MultipleExceptions as exc:
        raise exc.args[0][1] from None
    stack.callback(fixture.cleanUp)
    return fixture


class Servers:
    """ZooKeeper, RabbitMQ and a migrated PostgreSQL database.

    Attributes once :meth:`start` returned: ``zookeeper``, ``rabbitmq``
    and ``database`` (the fixtures), ``engine`` (a plain SQLAlchemy
    engine for the harness's own queries and bulk loads).
    """

    def __init__(self, num_buckets: int) -> None:
        self.num_buckets = num_buckets
        self.zookeeper = None
        self.rabbitmq = None
        self.database = None
        self.engine: sa.engine.Engine | None = None

    def start(self, stack: contextlib.ExitStack) -> None:
        """Start or reach every server; clean-ups go on ``stack``."""
        self.zookeeper = use_fixture(stack, zookeeper.ZooKeeperFixture())
        LOG.info('ZooKeeper listening on %s', self.zookeeper.hosts)
        self.rabbitmq = use_fixture(stack, rabbitmq.RabbitMQFixture())
        self.database = use_fixture(stack, databases.DatabaseFixture(
            databases.POSTGRESQL, ms_fixtures.unique_name('ms_bench')))
        LOG.info('Database %s created', self.database.name)
        self.engine = sa.create_engine(self.database.url,
                                       poolclass=pool.NullPool)
        stack.callback(self.engine.dispose)
        self._use_in_process(stack)

    def _use_in_process(self, stack: contextlib.ExitStack) -> None:
        # The harness calls the database API too (schema, tick costs):
        # point it at the benchmark database, as ``db sync`` would.
        CONF([], project='migrator-scheduler', default_config_files=[])
        CONF.set_override('connection', self.database.url,
                          group='database')
        stack.callback(CONF.clear_override, 'connection', group='database')
        db_api.reset()
        stack.callback(db_api.reset)
        migration.upgrade()
        db_api.ensure_num_buckets(self.num_buckets)

    def execute(self, *statements: str) -> None:
        """Run SQL statements in autocommit mode (TRUNCATE, ANALYZE...)."""
        with self.engine.connect().execution_options(
                isolation_level='AUTOCOMMIT') as conn:
            for statement in statements:
                conn.execute(sa.text(statement))

    def scalar(self, statement: str, **params):
        """Return the single value ``statement`` selects."""
        with self.engine.connect() as conn:
            return conn.execute(sa.text(statement), params).scalar()

    def clear(self) -> None:
        """Delete every rule and run, with the runs' earlier attempts.

        TRUNCATE locks the tables; a service writing to them meanwhile
        may deadlock with it, and PostgreSQL then cancels one of the two:
        if it is this one, it is tried again.
        """
        for attempt in range(5):
            try:
                self.execute('TRUNCATE run_attempts, runs, rules')
                return
            except sa_exc.OperationalError as exc:
                if 'deadlock' not in str(exc) or attempt == 4:
                    raise
                LOG.info('TRUNCATE deadlocked with a service; again')
                time.sleep(0.5)
