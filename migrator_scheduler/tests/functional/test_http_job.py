"""The ``http`` job against a fake platform API on 127.0.0.1.

Most tests drive the driver in-process with a real :class:`JobContext`;
one runs it in real scheduler and executor processes.
"""

import datetime
import logging
import uuid

from keystoneauth1 import loading
from oslo_config import fixture as config_fixture
import pytest

from migrator_scheduler.conf import CONF
from migrator_scheduler.conf import http_job as http_conf
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import http
from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import fake_platform

Answer = fake_platform.Answer
POLL = {'interval': 0.1, 'max_interval': 0.5}


@pytest.fixture
def platform():
    fake = fake_platform.FakePlatform()
    fake.setUp()
    yield fake
    fake.cleanUp()


@pytest.fixture
def conf():
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


def _context() -> context_mod.JobContext:
    run_id, rule_id = str(uuid.uuid4()), str(uuid.uuid4())
    return context_mod.JobContext(
        run_id=run_id, rule_id=rule_id, rule_name='sync-host-web01',
        project_id='demo',
        scheduled_for=datetime.datetime(2030, 1, 1, 2, 0,
                                        tzinfo=datetime.timezone.utc),
        attempt=1,
        deadline=datetime.datetime.now(datetime.timezone.utc) +
        datetime.timedelta(seconds=30),
        log=context_mod.RunLogger(logging.getLogger(__name__),
                                  {'run_id': run_id, 'rule_id': rule_id}))


def _sync(platform, **extra) -> dict:
    args = {'url': platform.url('/v1/hosts/{args.host}/sync'),
            'vars': {'host': 'web01'}, 'body': {'sync': {'full': False}},
            'poll': POLL, **extra}
    http.HttpJob.validate_args(args)
    context = _context()
    try:
        return http.HttpJob().execute(context, args)
    finally:
        keys = {r.headers.get('Idempotency-Key') for r in platform.requests
                if not r.path.startswith('/v3')}
        assert keys <= {context.run_id}, keys


def test_accepted_sync_is_polled_to_success(platform):
    platform.operation('/v1/hosts/web01/sync', ['running', 'succeeded'])
    result = _sync(platform)
    assert result['status'] == 'succeeded' and result['polls'] == 2
    assert [r.method for r in platform.requests] == ['POST', 'GET', 'GET']


def test_accepted_sync_that_fails(platform):
    platform.operation('/v1/hosts/web01/sync', ['running', 'failed'],
                       message='agent unreachable')
    with pytest.raises(errors.PermanentJobError, match='agent unreachable'):
        _sync(platform)


@pytest.mark.parametrize('answer, retry_after', [
    (Answer(429, {'message': 'slow down'}, {'Retry-After': '30'}), 30.0),
    (Answer(500, {'computeFault': {'message': 'oops'}}), None),
])
def test_throttled_or_broken_platform_is_retryable(platform, answer,
                                                   retry_after):
    platform.route('POST', '/v1/hosts/web01/sync', answer)
    with pytest.raises(errors.JobError) as caught:
        _sync(platform)
    assert type(caught.value) is errors.JobError
    assert caught.value.retry_after == retry_after


def test_unknown_host_fails_at_once(platform):
    with pytest.raises(errors.PermanentJobError, match='404'):
        _sync(platform)
    assert len(platform.requests) == 1


def test_service_user_token_from_keystone(platform, conf):
    auth_url = platform.serve_identity('migrator', 'pa55', 'tok-123')
    http_conf.register_keystoneauth_opts(CONF)
    CONF.register_opts(loading.get_auth_plugin_conf_options('password'),
                       group='http_job')
    conf.config(group='http_job', auth_type='password', auth_url=auth_url,
                username='migrator', password='pa55',
                user_domain_name='Default')
    platform.operation('/v1/hosts/web01/sync', ['succeeded'])
    assert _sync(platform)['status'] == 'succeeded'
    calls = [(r.method, r.path) for r in platform.requests]
    assert ('POST', '/v3/auth/tokens') in calls
    api = [r for r in platform.requests if r.path.startswith('/v1')]
    assert len(api) == 2
    assert all(r.headers['X-Auth-Token'] == 'tok-123' for r in api)


def test_wrong_service_password_fails_without_calling_the_api(platform,
                                                              conf):
    auth_url = platform.serve_identity('migrator', 'pa55', 'tok-123')
    http_conf.register_keystoneauth_opts(CONF)
    CONF.register_opts(loading.get_auth_plugin_conf_options('password'),
                       group='http_job')
    conf.config(group='http_job', auth_type='password', auth_url=auth_url,
                username='migrator', password='wrong',
                user_domain_name='Default')
    with pytest.raises(errors.PermanentJobError, match='token'):
        _sync(platform)
    assert not [r for r in platform.requests if r.path.startswith('/v1')]


def test_rule_fires_http_job_in_real_processes(pg_cluster, platform):
    """Scheduler and executor processes: the fired run POSTs with its id
    as Idempotency-Key, is polled to completion and ends succeeded."""
    platform.operation('/v1/hosts/web01/sync', ['running', 'succeeded'])
    pg_cluster.overrides = {'http_job': {
        'allowed_destinations': '127.0.0.1'}}
    names = pg_cluster.start(schedulers=1, executors=1)
    rules = cluster_mod.create_rules(
        1, period=600, job_type='http', name='sync-host-web01',
        job_args={'url': platform.url('/v1/hosts/{args.host}/sync'),
                  'vars': {'host': 'web01'}, 'poll': POLL},
        **cluster_mod.ONCE)
    # Fires only when told: make the rule due now.
    [rule_id] = rules
    cluster_mod.db_api.set_rule_paused(
        rule_id, False, cluster_mod.utcnow() + datetime.timedelta(seconds=1))

    def finished():
        return [r for r in cluster_mod.all_runs()
                if r['state'] in cluster_mod.FINAL_STATES]

    runs = ms_fixtures.wait_for(finished, 40, 'the http run to finish',
                                interval=0.2)
    cluster_mod.pause_rules(rules)
    pg_cluster.stop(names)
    [run] = runs
    assert run['state'] == 'succeeded', run
    posts = platform.sent('POST', '/v1/hosts/web01/sync')
    assert [r.headers['Idempotency-Key'] for r in posts] == [run['id']]
    assert all(r.headers['Idempotency-Key'] == run['id']
               for r in platform.requests)
    assert len(platform.sent('GET', '/v1/tasks/1')) == 2


def _http_rule(cluster, platform, **policies) -> str:
    """One http rule syncing web01, firing when :func:`_due_now` says."""
    cluster.overrides = {'http_job': {'allowed_destinations': '127.0.0.1'}}
    rules = cluster_mod.create_rules(
        1, period=600, job_type='http', name='sync-host-web01',
        job_args={'url': platform.url('/v1/hosts/web01/sync'),
                  'poll': POLL}, **cluster_mod.ONCE, **policies)
    [rule_id] = rules
    return rule_id


def _due_now(rule_id: str) -> None:
    cluster_mod.db_api.set_rule_paused(
        rule_id, False, cluster_mod.utcnow() + datetime.timedelta(seconds=1))


def _final_run(timeout: float) -> dict:
    def finished():
        return [r for r in cluster_mod.all_runs()
                if r['state'] in cluster_mod.FINAL_STATES]

    [run] = ms_fixtures.wait_for(finished, timeout, 'the http run to end',
                                 interval=0.2)
    return run


def test_a_failed_http_attempt_is_retried_with_the_same_key(pg_cluster,
                                                            platform):
    """The platform fails the first call: the retry, a delay later,
    carries the same Idempotency-Key, so the platform can deduplicate."""
    platform.route('POST', '/v1/hosts/web01/sync',
                   Answer(503, {'error': 'maintenance'},
                          {'Retry-After': '1'}),
                   Answer(202, {}, {'Location': '/v1/tasks/1'}))
    platform.route('GET', '/v1/tasks/1', Answer(200, {'status': 'done'}))
    rule_id = _http_rule(pg_cluster, platform, max_attempts=3,
                         retry_delay=1, retry_max_delay=2)
    pg_cluster.tuned = False
    names = pg_cluster.start(schedulers=1, executors=1)
    _due_now(rule_id)
    run = _final_run(40)
    pg_cluster.stop(names)
    assert (run['state'], run['attempt']) == ('succeeded', 2), run
    [first] = cluster_mod.db_api.list_attempts(run['id'])
    assert first['state'] == 'failed' and '503' in first['error'], first
    posts = platform.sent('POST', '/v1/hosts/web01/sync')
    assert [r.headers['Idempotency-Key'] for r in posts] == [run['id']] * 2
    # Retry-After: 1 was honoured.
    assert (run['started_at'] - first['finished_at']).total_seconds() >= 1


def test_an_executor_killed_mid_job_hands_the_run_over(pg_cluster,
                                                       platform):
    """kill -9 of the executor polling an accepted sync: the run is
    reaped and its second attempt, on the other executor, calls the
    platform with the same Idempotency-Key and completes."""
    platform.route('POST', '/v1/hosts/web01/sync',
                   Answer(202, {}, {'Location': '/v1/tasks/1'}))

    def status(request):
        second = len(platform.sent('POST', '/v1/hosts/web01/sync')) > 1
        return Answer(200, {'status': 'done' if second else 'running'})

    platform.route('GET', '/v1/tasks/1', status)
    rule_id = _http_rule(pg_cluster, platform)
    names = pg_cluster.start(schedulers=1, executors=1)
    _due_now(rule_id)
    ms_fixtures.wait_for(
        lambda: platform.sent('GET', '/v1/tasks/1'), 30,
        'the executor to poll the accepted sync')
    pg_cluster.process('executor-1').kill()
    names.remove('executor-1')
    pg_cluster.start_executor('executor-2')
    pg_cluster.wait_ready(['executor-2'])
    run = _final_run(pg_cluster.lost_run_timeout + 40)
    assert (run['state'], run['attempt'], run['executor_host']) == (
        'succeeded', 2, 'executor-2'), run
    [first] = cluster_mod.db_api.list_attempts(run['id'])
    assert (first['state'], first['executor_host']) == (
        'lost', 'executor-1'), first
    posts = platform.sent('POST', '/v1/hosts/web01/sync')
    assert [r.headers['Idempotency-Key'] for r in posts] == [run['id']] * 2
