"""Waiting for an operation the platform accepted (``202 Accepted``).

The status URL is polled with exponential backoff until the status field
reaches a success or failure value. A poll answered 408, 429 or 5xx, or
failing to connect, is tried again after the same backoff (or the
answer's ``Retry-After``): the operation was accepted already, so there
is nothing to send again. Any other error status ends the run.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import time
import urllib.parse

from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import http_responses as responses
from migrator_scheduler.jobs import http_session

SUCCESS_VALUES = ('succeeded', 'success', 'successful', 'completed',
                  'complete', 'done')
FAILURE_VALUES = ('failed', 'failure', 'error', 'cancelled', 'canceled')
# Tried, next to the status field, when no message_field is given.
MESSAGE_FIELDS = ('message', 'error', 'reason', 'fault')


@dataclasses.dataclass(frozen=True)
class PollOptions:
    """The ``poll`` argument of a rule, with its defaults."""

    status_url_field: str | None = None
    status_field: str = 'status'
    message_field: str | None = None
    success_values: tuple[str, ...] = SUCCESS_VALUES
    failure_values: tuple[str, ...] = FAILURE_VALUES
    interval: float = 2.0
    max_interval: float = 60.0
    timeout: float = 3600.0

    @classmethod
    def from_args(cls, poll: dict) -> PollOptions:
        values = dict(poll)
        for key in ('success_values', 'failure_values'):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)


def _normal(value: object) -> str:
    return str(value).strip().lower()


class Poller:
    """Polls one accepted operation for one run."""

    def __init__(self, client: http_session.Client,
                 context: context_mod.JobContext,
                 headers: collections.abc.Mapping[str, str],
                 timeout: float, options: PollOptions) -> None:
        self._client = client
        self._context = context
        self._headers = dict(headers)
        self._timeout = timeout
        self._options = options
        self._success = {_normal(v) for v in options.success_values}
        self._failure = {_normal(v) for v in options.failure_values}

    def status_url(self, accepted: responses.Answer) -> str:
        """The URL to poll, from the 202 answer.

        :raises PermanentJobError: the answer names none.
        """
        field = self._options.status_url_field
        if field:
            try:
                found = responses.lookup(accepted.body, field)
            except KeyError:
                found = None
            what = f'field {field!r}'
        else:
            found = accepted.headers.get('Location')
            what = 'Location header'
        if not isinstance(found, str) or not found:
            raise errors.PermanentJobError(
                f'the 202 answer of {responses.display(accepted.url)} has '
                f'no {what} to poll; set poll.status_url_field, or poll: '
                f'false to not wait')
        url = urllib.parse.urljoin(accepted.url, found)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or parts.username:
            raise errors.PermanentJobError(
                f'cannot poll {responses.display(url)}: not a plain http or '
                f'https URL')
        return url

    def run(self, accepted: responses.Answer) -> dict:
        """Poll until the operation ends; return the run's result.

        :raises PermanentJobError: the operation failed, or a poll was
            refused.
        :raises JobError: still not finished after ``poll.timeout``.
        :raises JobCancelled: the run's deadline passed.
        """
        url = self.status_url(accepted)
        options, log = self._options, self._context.log
        started = time.monotonic()
        backoff, delay, polls = options.interval, options.interval, 0
        while True:
            if time.monotonic() - started + delay > options.timeout:
                raise errors.JobError(
                    f'{responses.display(url)} still shows no final status '
                    f'after {polls} polls in {options.timeout:g}s')
            self._context.wait(delay)
            polls += 1
            backoff = min(backoff * 2, options.max_interval)
            delay = backoff
            try:
                answer = self._client.send(self._context, 'GET', url,
                                           self._headers, None,
                                           self._timeout)
            except errors.JobError as exc:
                if type(exc) is not errors.JobError:
                    raise
                log.warning('Poll %d of %s failed, trying again: %s',
                            polls, responses.display(url), exc)
                continue
            if responses.is_retryable(answer.status):
                after = responses.parse_retry_after(
                    answer.headers.get('Retry-After'))
                if after is not None:
                    delay = after
                log.info('Poll %d of %s answered %d, trying again in %.1fs',
                         polls, responses.display(url), answer.status, delay)
                continue
            responses.raise_for_status(answer)
            status = self._status(answer)
            if _normal(status) in self._success:
                log.info('%s reached %r after %d polls',
                         responses.display(url), status, polls)
                return {'status_code': answer.status, 'status': status,
                        'status_url': responses.display(url),
                        'polls': polls}
            if _normal(status) in self._failure:
                raise errors.PermanentJobError(self._failure_text(
                    url, answer, status))
            log.debug('%s is %r (poll %d)', responses.display(url), status,
                      polls)

    def _status(self, answer: responses.Answer) -> str | int | float | bool:
        field = self._options.status_field
        try:
            status = responses.lookup(answer.body, field)
        except KeyError:
            status = None
        if status is None or isinstance(status, (dict, list)):
            raise errors.PermanentJobError(
                f'the answer of GET {responses.display(answer.url)} has no '
                f'status field {field!r}')
        return status

    def _failure_text(self, url: str, answer: responses.Answer,
                      status: object) -> str:
        text = f'{responses.display(url)} reached {status!r}'
        message = self._message(answer.body)
        return f'{text}: {message}' if message else text

    def _message(self, body: object) -> str | None:
        if self._options.message_field:
            candidates = [self._options.message_field]
        else:
            parent = self._options.status_field.rpartition('.')[0]
            candidates = [f'{parent}.{name}' if parent else name
                          for name in MESSAGE_FIELDS]
        for path in candidates:
            try:
                found = responses.lookup(body, path)
            except KeyError:
                continue
            if found not in (None, ''):
                return responses.excerpt(found)
        return None
