"""The ``http`` driver against a real HTTP server on 127.0.0.1."""

import json

import pytest

from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import http
from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import fake_platform
from migrator_scheduler.tests.unit.jobs import conftest

Answer = fake_platform.Answer
FAST_POLL = {'interval': 0.1, 'max_interval': 0.2}


def _run(platform, args=None, context=None, **extra):
    args = dict(args or {'url': platform.url('/v1/sync')}, **extra)
    http.HttpJob.validate_args(args)
    return http.HttpJob().execute(context or conftest.make_context(), args)


def test_2xx_succeeds_and_sends_run_headers(platform):
    platform.route('POST', '/v1/sync', Answer(200, {'ok': True}))
    context = conftest.make_context()
    result = _run(platform, context=context, body={'at': '{nominal_time}'})
    assert result == {'status_code': 200, 'status': None,
                      'status_url': None, 'polls': 0}
    json.dumps(result)
    [sent] = platform.sent('POST')
    assert sent.headers['Idempotency-Key'] == context.run_id
    assert sent.headers['X-Migrator-Rule-Id'] == context.rule_id
    assert sent.headers['X-Migrator-Nominal-Time'] == '2030-01-01T02:00:00Z'
    assert sent.body == {'at': '2030-01-01T02:00:00Z'}
    assert 'X-Auth-Token' not in sent.headers


@pytest.mark.parametrize('status', [408, 429, 500, 503])
def test_transient_statuses_are_retryable_with_retry_after(platform,
                                                           status):
    platform.route('POST', '/v1/sync', Answer(status, {'message': 'busy'},
                                              {'Retry-After': '12'}))
    with pytest.raises(errors.JobError, match='busy') as caught:
        _run(platform)
    assert type(caught.value) is errors.JobError
    assert caught.value.retry_after == 12.0


def test_retry_after_as_http_date(platform):
    platform.route('POST', '/v1/sync', Answer(429, None, {
        'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT'}))
    with pytest.raises(errors.JobError) as caught:
        _run(platform)
    assert caught.value.retry_after == 0.0


@pytest.mark.parametrize('status', [302, 400, 403, 404, 409])
def test_other_statuses_fail_without_retry(platform, status):
    platform.route('POST', '/v1/sync', Answer(status, None, {
        'Location': platform.url('/elsewhere')}))
    with pytest.raises(errors.PermanentJobError, match=str(status)):
        _run(platform)
    assert not platform.sent('POST', '/elsewhere')


def test_connection_refused_is_retryable():
    url = f'http://127.0.0.1:{ms_fixtures.free_port()}/v1/sync'
    with pytest.raises(errors.JobError, match='failed') as caught:
        http.HttpJob().execute(conftest.make_context(), {'url': url})
    assert type(caught.value) is errors.JobError


def test_no_request_once_the_claim_is_lost(platform):
    context = conftest.make_context(claim_check=lambda: False)
    with pytest.raises(errors.ClaimLost):
        _run(platform, context=context)
    assert not platform.requests


def test_resolved_address_outside_the_allow_list_is_refused(platform,
                                                            conf):
    conf.config(allowed_destinations=['10.0.0.0/8'], group='http_job')
    url = platform.url('/v1/sync').replace('127.0.0.1', 'localhost')
    with pytest.raises(errors.PermanentJobError, match='not in'):
        _run(platform, {'url': url})
    assert not platform.requests


def test_static_token_is_sent(platform, conf):
    conf.config(token='s3cr3t', group='http_job')
    platform.route('POST', '/v1/sync', Answer(204))
    result = _run(platform)
    assert platform.sent('POST')[0].headers['X-Auth-Token'] == 's3cr3t'
    assert 's3cr3t' not in json.dumps(result)


def test_expected_status(platform):
    platform.route('POST', '/v1/sync', Answer(201))
    with pytest.raises(errors.PermanentJobError, match='not one of'):
        _run(platform, expected_status=[200])


def test_202_polls_with_backoff_until_success(platform):
    platform.operation('/v1/sync', ['queued', 'running', 'SUCCEEDED'])
    result = _run(platform, poll=FAST_POLL)
    assert result == {'status_code': 200, 'status': 'SUCCEEDED',
                      'status_url': platform.url('/v1/tasks/1'),
                      'polls': 3}


def test_202_status_url_from_a_body_field(platform):
    platform.route('POST', '/v1/sync', Answer(202, {'links': [
        {'href': '/v1/ops/9'}]}))
    platform.route('GET', '/v1/ops/9', Answer(200, {'op': {'state': 'ok'}}))
    result = _run(platform, poll={**FAST_POLL,
                                  'status_url_field': 'links.0.href',
                                  'status_field': 'op.state',
                                  'success_values': ['ok']})
    assert result['status'] == 'ok'


def test_failure_value_fails_with_its_message(platform):
    platform.operation('/v1/sync', ['running', 'failed'],
                       message='disk full')
    with pytest.raises(errors.PermanentJobError,
                       match="reached 'failed': disk full"):
        _run(platform, poll=FAST_POLL)


def test_poll_survives_transient_answers_and_honours_retry_after(
        platform):
    platform.route('POST', '/v1/sync', Answer(202, None,
                                              {'Location': '/v1/tasks/2'}))
    platform.route('GET', '/v1/tasks/2',
                   Answer(503, None, {'Retry-After': '0'}),
                   Answer(200, {'status': 'done'}))
    assert _run(platform, poll=FAST_POLL)['polls'] == 2


def test_202_without_status_url(platform):
    platform.route('POST', '/v1/sync', Answer(202))
    with pytest.raises(errors.PermanentJobError, match='Location'):
        _run(platform, poll=FAST_POLL)
    assert _run(platform, poll=False)['status_code'] == 202


def test_missing_status_field_fails(platform):
    platform.route('POST', '/v1/sync', Answer(202, None,
                                              {'Location': '/v1/t'}))
    platform.route('GET', '/v1/t', Answer(200, {'state': 'x'}))
    with pytest.raises(errors.PermanentJobError, match="'status'"):
        _run(platform, poll=FAST_POLL)


def test_deadline_stops_polling(platform):
    platform.operation('/v1/sync', ['running'])
    with pytest.raises(errors.JobCancelled, match='timeout'):
        _run(platform, context=conftest.make_context(deadline=0.5),
             poll=FAST_POLL)


def test_poll_timeout_is_retryable(platform):
    platform.operation('/v1/sync', ['running'])
    with pytest.raises(errors.JobError, match='no final status'):
        _run(platform, poll={**FAST_POLL, 'timeout': 0.5})
