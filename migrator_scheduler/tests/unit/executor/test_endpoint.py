"""Tests of the executor's RPC endpoint: what a message can reach."""

import datetime
import logging
import threading
import uuid

import oslo_messaging as messaging
import pytest

from migrator_scheduler.executor import endpoint as endpoint_mod
from migrator_scheduler import rpc

UTC = datetime.timezone.utc
TOPIC = 'executor-test'


class FakeManager:
    """Records what reaches the manager; fails the test if it is
    stopped."""

    def __init__(self):
        self.calls = []
        self.called = threading.Event()
        self.stopped = False

    def execute_runs(self, run_ids, cast_at=None):
        self.calls.append((run_ids, cast_at))
        self.called.set()

    def stop(self, wait=True):
        self.stopped = True

    def heartbeat(self):
        raise AssertionError('heartbeat() reached through RPC')


def _run_id():
    return str(uuid.uuid4())


def test_a_valid_message_reaches_the_manager():
    manager = FakeManager()
    run_id = _run_id()
    endpoint_mod.ExecutorEndpoint(manager).execute_runs(
        {}, run_ids=[run_id], cast_at='2030-01-01T00:00:00+00:00')
    assert manager.calls == [
        ([run_id], datetime.datetime(2030, 1, 1, tzinfo=UTC))]


@pytest.mark.parametrize('arguments', [
    {'run_ids': 'x' * 1_000_000},
    {'run_ids': ['x' * 1_000_000]},
    {'run_ids': [_run_id()] * 20_000},
    {'run_ids': [_run_id()], 'cast_at': 'soon', 'priority': 'high'},
    {},
])
def test_an_invalid_message_is_one_log_line_and_dropped(arguments, caplog):
    manager = FakeManager()
    with caplog.at_level(logging.ERROR):
        endpoint_mod.ExecutorEndpoint(manager).execute_runs({}, **arguments)
    assert manager.calls == []
    [record] = caplog.records
    message = record.getMessage()
    assert message.startswith('Dropped an invalid execute_runs message: ')
    assert '\n' not in message and len(message) < 200
    assert record.exc_info is None


@pytest.fixture
def served(fake_rpc):
    """A FakeManager behind an RPC server on the fake transport, and a
    client of its topic."""
    manager = FakeManager()
    server = rpc.get_server(
        messaging.Target(topic=TOPIC, server='executor-1'),
        [endpoint_mod.ExecutorEndpoint(manager)])
    server.start()
    client = messaging.get_rpc_client(fake_rpc, messaging.Target(
        topic=TOPIC, version='1.0'))
    yield manager, client
    server.stop()
    server.wait()


def _wait_called(manager):
    assert manager.called.wait(10), 'the valid message never arrived'


@pytest.mark.parametrize('method', [
    'stop', 'heartbeat', 'target', '_manager', 'no_such_method'])
def test_only_execute_runs_can_be_called(served, method):
    manager, client = served
    client.cast({}, method, wait=False)
    run_id = _run_id()
    client.cast({}, 'execute_runs', run_ids=[run_id])
    # One server thread: the message before was handled first.
    _wait_called(manager)
    assert manager.calls == [([run_id], None)]
    assert not manager.stopped


def test_a_newer_major_version_is_refused(served):
    manager, client = served
    client.prepare(version='2.0').cast({}, 'execute_runs',
                                       run_ids=[_run_id()])
    run_id = _run_id()
    client.prepare(version='1.1').cast(
        {}, 'execute_runs', run_ids=[run_id],
        cast_at='2030-01-01T00:00:00+00:00')
    _wait_called(manager)
    assert [ids for ids, _ in manager.calls] == [[run_id]]
