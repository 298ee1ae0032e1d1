"""An executor survives whatever is published on its topic.

Malformed messages go to the topic of a real ``migrator-scheduler-
executor`` on the real RabbitMQ: through oslo.messaging where it can
send them (unknown methods, versions it does not serve, bad arguments,
a huge argument list), with raw kombu where it cannot (bodies that are
not JSON, not an oslo.messaging envelope, pickled, megabytes of
garbage). Afterwards the executor is alive, has drained its queue, has
logged each refusal in a bounded line, and runs the runs of a scheduler
exactly once.
"""

import json
import os
import pickle
import uuid

import kombu
import oslo_messaging as messaging

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import processes

EXCHANGE = 'migrator'
# No log line of the executor may come close to repeating a payload.
MAX_LOG_LINE = 2000
MEGABYTE = 1024 * 1024


def _run_id():
    return str(uuid.uuid4())


class _Unpickled:
    """Creates ``path`` if anyone unpickles it."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return open, (self.path, 'w')


def _oslo_messages(client):
    """Cast through oslo.messaging; return how many have arguments the
    executor's own checks refuse."""
    for method in ('stop', 'heartbeat', '_manager', 'no_such_method'):
        client.cast({}, method)
    for version in ('2.0', '1.9'):
        client.prepare(version=version).cast(
            {}, 'execute_runs', run_ids=[_run_id()])
    refused = [
        {'run_ids': 'x' * MEGABYTE},
        {'run_ids': [1, None, ['nested']]},
        {'run_ids': ['1; DROP TABLE runs']},
        {'run_ids': [_run_id()], 'priority': 'high'},
        {'run_ids': [_run_id()], 'cast_at': 'yesterday'},
        {},
        # About 8 MB: 200,000 well-formed ids, twenty times the most a
        # scheduler puts in one message.
        {'run_ids': [_run_id() for _ in range(200_000)]},
    ]
    for arguments in refused:
        client.prepare(version='1.1').cast({}, 'execute_runs', **arguments)
    return len(refused)


def _raw_messages(producer, topic, marker):
    """Publish what oslo.messaging would never send."""
    def publish(body, content_type='application/json'):
        producer.publish(body, exchange=EXCHANGE, routing_key=topic,
                         content_type=content_type,
                         content_encoding='binary' if isinstance(
                             body, bytes) else 'utf-8')

    envelope = {'oslo.version': '2.0', 'oslo.message': ''}
    publish(b'\x00\xffnot json{')
    publish('plain text', content_type='text/plain')
    publish(pickle.dumps(_Unpickled(marker)),
            content_type='application/x-python-serialize')
    publish(json.dumps([1, 2, 3]))
    publish(json.dumps(dict(envelope, **{'oslo.message': '{not json'})))
    publish(json.dumps(dict(envelope, **{'oslo.message': '[1, 2]'})))
    for message in ({'method': 'execute_runs', 'args': 5},
                    {'method': 123, 'args': {}},
                    {'args': {'run_ids': [_run_id()]}},
                    {'method': 'execute_runs', 'args': {'run_ids': 'x'},
                     'version': 1.1}):
        publish(json.dumps(dict(envelope,
                                **{'oslo.message': json.dumps(message)})))
    # Unenveloped, as the oldest oslo.messaging sent: still checked.
    publish(json.dumps({'method': 'execute_runs',
                        'args': {'run_ids': 'x'}}))
    publish(b'{' * (32 * MEGABYTE))
    # Of the above, the one that reaches the executor's own checks.
    return 1


def _queue_depth(connection, queue):
    channel = connection.channel()
    try:
        return channel.queue_declare(queue=queue, passive=True).message_count
    finally:
        channel.close()


def _rss_kib(process):
    """Resident memory of the service's processes, in KiB."""
    total = 0
    for pid in processes.group_pids(process.pid):
        try:
            with open(f'/proc/{pid}/status') as f:
                total += next(int(line.split()[1]) for line in f
                              if line.startswith('VmRSS:'))
        except (OSError, StopIteration):
            pass
    return total


def test_malformed_messages_leave_the_executor_working(pg_cluster,
                                                       rabbitmq, tmp_path):
    cluster = pg_cluster
    names = cluster.start(schedulers=1, executors=1)
    executor = cluster.process('executor-1')
    rss_before = _rss_kib(executor)
    marker = str(tmp_path / 'unpickled')
    transport = messaging.get_rpc_transport(ms_conf.CONF,
                                            url=rabbitmq.url)
    try:
        client = messaging.get_rpc_client(transport, messaging.Target(
            topic=cluster.topic, version='1.0'))
        refused = _oslo_messages(client)
    finally:
        transport.cleanup()
    amqp_url = rabbitmq.url.replace('rabbit://', 'amqp://', 1)
    with kombu.Connection(amqp_url) as connection:
        refused += _raw_messages(connection.Producer(), cluster.topic,
                                 marker)
        ms_fixtures.wait_for(
            lambda: _queue_depth(connection, cluster.topic) == 0, 120,
            'the executor to take every message', interval=0.5)

    ms_fixtures.wait_for(
        lambda: len(cluster.log_lines('executor-1',
                                      'Dropped an invalid')) >= refused,
        60, f'{refused} refusals in the executor log', interval=0.5)
    rss_after = _rss_kib(executor)
    assert executor.running, executor.tail()
    assert not os.path.exists(marker), 'a pickled message was unpickled'
    dropped = cluster.log_lines('executor-1', 'Dropped an invalid')
    assert len(dropped) == refused, dropped
    # One line each, saying what is wrong once.
    assert not [line for line in dropped if 'InvalidMessage' in line]
    longest = max(len(line) for line in
                  executor.log_text().splitlines())
    assert longest < MAX_LOG_LINE, f'a log line of {longest} characters'
    print(f'{refused} messages refused by the executor\'s checks; executor '
          f'memory {rss_before // 1024} MiB before, {rss_after // 1024} '
          f'MiB after; longest log line {longest} characters')

    # Still consuming: the runs of a scheduler start, exactly once.
    rules = cluster_mod.create_rules(
        10, 2, job_args={'record': cluster.record_file})
    cluster.run_for(8, alive=names)
    cluster.finish(rules)
