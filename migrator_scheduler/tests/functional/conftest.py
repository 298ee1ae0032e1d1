"""Session-wide real servers for the functional tests.

Fixtures (all session-scoped; each server is set up once, on first use):

``zookeeper``
    :class:`~.fixtures.zookeeper.ZooKeeperFixture`: ``.url`` for tooz,
    ``.hosts`` for kazoo, ``.stop()``/``.start()``/``.restart()``.
``postgresql_url`` / ``mysql_url``
    URL of a fresh database on PostgreSQL / MariaDB, dropped at the end.
``database_factory``
    ``make(backend) -> url``: one more fresh database each call, for tests
    that need an empty one (migrations).
``rabbitmq``
    :class:`~.fixtures.rabbitmq.RabbitMQFixture`: ``.url``,
    ``.restart()``...
``transport_url``
    ``rabbitmq.url``.
``private_postgresql``
    :class:`~.fixtures.postgresql.PrivatePostgreSQLFixture`: a server of
    the session's own, ``.url``, ``.stop(mode)``/``.start()``/
    ``.restart(mode, downtime)``, ``.database()``.
``private_rabbitmq``
    :class:`~.fixtures.rabbitmq_node.PrivateRabbitMQFixture`: a broker
    node of the session's own, with the API of ``rabbitmq``.

And, for each test (function-scoped):

``pg_cluster`` / ``mysql_cluster``
    :class:`~.cluster.Cluster` on a fresh PostgreSQL / MariaDB database,
    the session's ZooKeeper and RabbitMQ; its logs are printed when the
    test failed.
``private_pg_cluster``
    The same on a fresh database of ``private_postgresql``, for tests
    that stop the database server.

A server that is not there fails the tests that use it, with a message
naming the environment variable to set; ``MIGRATOR_TEST_ALLOW_SKIP=1``
makes them skip.
"""

import collections.abc
import contextlib
import pathlib
import unittest

import fixtures
import pytest

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import databases
from migrator_scheduler.tests.functional.fixtures import postgresql
from migrator_scheduler.tests.functional.fixtures import rabbitmq as rmq
from migrator_scheduler.tests.functional.fixtures import rabbitmq_node
from migrator_scheduler.tests.functional.fixtures import zookeeper as zk


@contextlib.contextmanager
def _using(fixture):
    """Set a ``fixtures.Fixture`` up for a pytest fixture's life."""
    error = None
    try:
        fixture.setUp()
    except fixtures.MultipleExceptions as exc:
        # setUp cleaned up already; report the error _setUp raised.
        error = exc.args[0][1]
    if isinstance(error, unittest.SkipTest):
        pytest.skip(str(error))
    if isinstance(error, ms_fixtures.ServiceUnavailable):
        pytest.fail(str(error), pytrace=False)
    if error is not None:
        raise error
    try:
        yield fixture
    finally:
        fixture.cleanUp()


@pytest.fixture(scope='session')
def zookeeper():
    with _using(zk.ZooKeeperFixture()) as server:
        yield server


@pytest.fixture(scope='session')
def database_factory():
    with contextlib.ExitStack() as stack:
        def make(backend: str) -> str:
            return stack.enter_context(
                _using(databases.DatabaseFixture(backend))).url
        yield make


@pytest.fixture(scope='session')
def postgresql_url(database_factory):
    return database_factory(databases.POSTGRESQL)


@pytest.fixture(scope='session')
def mysql_url(database_factory):
    return database_factory(databases.MYSQL)


@pytest.fixture(scope='session')
def rabbitmq():
    with _using(rmq.RabbitMQFixture()) as broker:
        yield broker


@pytest.fixture(scope='session')
def transport_url(rabbitmq):
    return rabbitmq.url


@pytest.fixture(scope='session')
def private_postgresql():
    with _using(postgresql.PrivatePostgreSQLFixture()) as server:
        yield server


@pytest.fixture(scope='session')
def private_rabbitmq():
    with _using(rabbitmq_node.PrivateRabbitMQFixture()) as broker:
        yield broker


def _cluster(request: pytest.FixtureRequest, database_url: str,
             zookeeper: zk.ZooKeeperFixture, rabbitmq: rmq.RabbitMQFixture,
             tmp_path: pathlib.Path
             ) -> collections.abc.Iterator[cluster_mod.Cluster]:
    with cluster_mod.running(request, database_url, zookeeper.url,
                             rabbitmq.url, str(tmp_path)) as cluster:
        yield cluster


@pytest.fixture
def pg_cluster(request, database_factory, zookeeper, rabbitmq, tmp_path):
    yield from _cluster(request, database_factory(databases.POSTGRESQL),
                        zookeeper, rabbitmq, tmp_path)


@pytest.fixture
def mysql_cluster(request, database_factory, zookeeper, rabbitmq,
                  tmp_path):
    yield from _cluster(request, database_factory(databases.MYSQL),
                        zookeeper, rabbitmq, tmp_path)


@pytest.fixture
def private_pg_cluster(request, private_postgresql, zookeeper, rabbitmq,
                       tmp_path):
    with _using(private_postgresql.database()) as database:
        try:
            yield from _cluster(request, database.url, zookeeper, rabbitmq,
                                tmp_path)
        finally:
            # The database is dropped next, and a failed test may have
            # left the server down.
            private_postgresql.start()
