"""Tests of the executor RPC client and of the servers' access policy,
on the in-process fake transport."""

import datetime
import queue
import uuid

import oslo_messaging as messaging
import pytest

from migrator_scheduler import conf as ms_conf
from migrator_scheduler import rpc
from migrator_scheduler.rpc import executor_api

UTC = datetime.timezone.utc
CAST_AT = datetime.datetime(2030, 1, 1, 2, 0, 0, 123456, tzinfo=UTC)


class RecordingEndpoint:
    """Serves the newest executor API; keeps every call's arguments."""

    target = messaging.Target(version=executor_api.RPC_API_VERSION)

    def __init__(self):
        self.received = queue.Queue()

    @messaging.expose
    def execute_runs(self, context, **arguments):
        self.received.put(arguments)

    def poke(self, context):
        # Public, but not exposed: no message may call it.
        self.received.put('poked')


@pytest.fixture
def endpoint(fake_rpc):
    topic = f'executor-{uuid.uuid4().hex}'
    ms_conf.CONF.set_override('topic', topic, group='executor')
    endpoint = RecordingEndpoint()
    server = rpc.get_server(messaging.Target(topic=topic, server='e1'),
                            [endpoint])
    server.start()
    yield endpoint
    server.stop()
    server.wait()
    ms_conf.CONF.clear_override('topic', group='executor')
    ms_conf.CONF.clear_override('rpc_version_cap', group='executor')


def _received(endpoint):
    return endpoint.received.get(timeout=10)


def test_casts_carry_their_time(endpoint):
    run_id = str(uuid.uuid4())
    executor_api.ExecutorAPI(ms_conf.CONF).execute_runs([run_id], CAST_AT)
    assert _received(endpoint) == {
        'run_ids': [run_id], 'cast_at': '2030-01-01T02:00:00.123456+00:00'}


def test_a_1_0_version_cap_sends_the_1_0_form(endpoint):
    ms_conf.CONF.set_override('rpc_version_cap', '1.0', group='executor')
    run_id = str(uuid.uuid4())
    executor_api.ExecutorAPI(ms_conf.CONF).execute_runs([run_id], CAST_AT)
    assert _received(endpoint) == {'run_ids': [run_id]}


def test_only_exposed_methods_can_be_called(endpoint, fake_rpc):
    client = messaging.get_rpc_client(fake_rpc, messaging.Target(
        topic=ms_conf.CONF.executor.topic, version='1.0'))
    client.cast({}, 'poke')
    client.cast({}, 'execute_runs', run_ids=[])
    # One server thread: poke was handled (and refused) first.
    assert _received(endpoint) == {'run_ids': []}
    assert endpoint.received.empty()
