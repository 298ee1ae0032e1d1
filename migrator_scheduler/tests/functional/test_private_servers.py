"""The private PostgreSQL and RabbitMQ servers stop, crash and come back.

Fault tests take these servers away; these tests check that the
fixtures do what they say: the data survives a fast stop and a crash,
the server is unreachable while down, and it is back on the same port.
"""

import os

import kombu
import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import pool

from migrator_scheduler.tests.functional.fixtures import postgresql
from migrator_scheduler.tests.functional.fixtures import rabbitmq


def _engine(url):
    return sa.create_engine(url, poolclass=pool.NullPool,
                            connect_args={'connect_timeout': 5})


def _process_uid(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('Uid:'):
                return int(line.split()[1])
    raise AssertionError(f'no Uid line for process {pid}')


@pytest.mark.parametrize('mode', ['fast', 'immediate'])
def test_postgresql_data_survives_restart(private_postgresql, mode):
    server = private_postgresql
    port = server.port
    engine = _engine(server.url)
    table = f'survivor_{mode}'
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE {table} (value int)'))
        conn.execute(sa.text(f'INSERT INTO {table} VALUES (42)'))

    server.stop(mode)
    try:
        assert not server.running
        with pytest.raises(sa_exc.OperationalError):
            engine.connect().close()
    finally:
        server.start()

    assert server.port == port
    with engine.connect() as conn:
        assert conn.execute(
            sa.text(f'SELECT value FROM {table}')).scalar() == 42
    engine.dispose()


def test_postgresql_is_private(private_postgresql, postgresql_url):
    server = private_postgresql
    assert server.port != sa.engine.make_url(postgresql_url).port
    uid = _process_uid(server._process.pid)
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        assert uid == postgresql.pwd.getpwnam(postgresql.SERVER_USER).pw_uid
    else:
        assert uid == os.geteuid()
    # Each call gives one more empty database.
    with server.database() as database:
        assert database.url != server.url
        with _engine(database.url).connect() as conn:
            assert conn.execute(sa.text('SELECT 1')).scalar() == 1


def _broker_answers(url):
    # kombu names the protocol, oslo.messaging the driver.
    url = 'amqp://' + url.split('://', 1)[1]
    with kombu.Connection(url, connect_timeout=5) as conn:
        conn.ensure_connection(max_retries=1)
        channel = conn.channel()
        channel.queue_declare('ms-private-node-check', auto_delete=True)
        return True


@pytest.mark.parametrize('kill', [False, True])
def test_rabbitmq_node_restarts(private_rabbitmq, kill):
    broker = private_rabbitmq
    assert broker.can_restart
    assert broker.port != 5672
    assert _broker_answers(broker.url)

    broker.stop(kill=kill)
    try:
        assert not rabbitmq.port_open(broker.host, broker.port, timeout=1)
        assert broker.node_running is not kill
    finally:
        broker.start()

    assert _broker_answers(broker.url)
