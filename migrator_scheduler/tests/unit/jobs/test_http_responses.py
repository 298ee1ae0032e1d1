import datetime

import pytest

from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import http_responses as responses

NOW = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize('value, seconds', [
    ('120', 120.0), (' 0 ', 0.0),
    ('Tue, 01 Jan 2030 00:00:30 GMT', 30.0),
    ('Mon, 31 Dec 2029 23:00:00 GMT', 0.0),
    (None, None), ('', None), ('soon', None), ('-5', None), ('1.5', None),
])
def test_retry_after(value, seconds):
    assert responses.parse_retry_after(value, now=NOW) == seconds


def _answer(status, body=None, headers=None):
    return responses.Answer('POST', 'https://api/x?sig=secret', status,
                            headers or {}, body)


@pytest.mark.parametrize('status', [200, 201, 202, 204])
def test_2xx_is_success(status):
    responses.raise_for_status(_answer(status))


@pytest.mark.parametrize('status', [408, 429, 500, 502, 503, 504])
def test_retryable_statuses(status):
    with pytest.raises(errors.JobError) as caught:
        responses.raise_for_status(_answer(status, headers={
            'Retry-After': '7'}))
    assert type(caught.value) is errors.JobError
    assert caught.value.retry_after == 7.0
    assert 'secret' not in str(caught.value)


@pytest.mark.parametrize('status', [301, 400, 401, 403, 404, 409, 422])
def test_other_statuses_are_permanent(status):
    with pytest.raises(errors.PermanentJobError):
        responses.raise_for_status(_answer(status))


def test_error_names_the_message():
    with pytest.raises(errors.PermanentJobError,
                       match='answered 404: host web01 not found'):
        responses.raise_for_status(_answer(404, {'itemNotFound': {
            'code': 404, 'message': 'host web01 not found'}}))


def test_lookup():
    doc = {'task': {'status': 'ok', 'items': [{'id': 'a'}]}}
    assert responses.lookup(doc, 'task.status') == 'ok'
    assert responses.lookup(doc, 'task.items.0.id') == 'a'
    for path in ('task.nope', 'task.items.1.id', 'task.status.x'):
        with pytest.raises(KeyError):
            responses.lookup(doc, path)
