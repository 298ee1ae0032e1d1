"""The ZooKeeper fixture serves real clients and survives its restarts."""

import time

from kazoo import client as kazoo_client
import pytest

from migrator_scheduler.tests.functional.fixtures import zookeeper as zk


def _client(server, timeout=4.0):
    client = kazoo_client.KazooClient(hosts=server.hosts, timeout=timeout)
    client.start(timeout=15)
    return client


def test_url_names_the_server(zookeeper):
    assert zookeeper.url == f'zookeeper://{zookeeper.hosts}'
    assert zk.four_letter_word(zookeeper.host, zookeeper.port,
                               'ruok') == 'imok'


def test_data_survives_restart(zookeeper):
    if not zookeeper.managed:
        pytest.skip('external ZooKeeper: cannot restart it')
    path = f'/fixture-test/{time.monotonic_ns()}'
    client = _client(zookeeper)
    try:
        client.create(path, b'payload', makepath=True)
        port = zookeeper.port

        zookeeper.restart(kill=True)

        assert zookeeper.port == port
        # The client reconnects on its own once the server is back.
        data, _ = client.retry(client.get, path)
        assert data == b'payload'
    finally:
        client.stop()
        client.close()


def test_short_sessions_are_granted(zookeeper):
    if not zookeeper.managed:
        pytest.skip('external ZooKeeper: its limits are its own')
    conf = dict(
        line.split('=', 1)
        for line in zk.four_letter_word(
            zookeeper.host, zookeeper.port, 'conf').splitlines()
        if '=' in line)
    # Tests expire sessions by letting a 4 s session time out.
    assert int(conf['minSessionTimeout']) <= 4000
