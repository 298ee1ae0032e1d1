"""What an HTTP answer means for an ``http`` job: success, a retryable
failure or a permanent one."""

from __future__ import annotations

import collections.abc
import dataclasses
import datetime
import email.utils
import json
import urllib.parse

from migrator_scheduler.jobs import errors

#: Statuses another attempt may fix: timeout, throttling, server errors.
RETRYABLE = frozenset({408, 429})

# Longest message excerpt put in an error.
_EXCERPT = 300


@dataclasses.dataclass
class Answer:
    """One HTTP response, read.

    :ivar body: the JSON document, or None when the body is empty or not
        JSON.
    """

    method: str
    url: str
    status: int
    headers: collections.abc.Mapping[str, str]
    body: object = None


def display(url: str) -> str:
    """``url`` without query or fragment, which may carry signatures,
    for logs, errors and results."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(query='', fragment=''))


def parse_retry_after(value: str | None,
                      now: datetime.datetime | None = None
                      ) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an
    HTTP-date; None when absent or unreadable. Never negative."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def lookup(document: object, path: str) -> object:
    """The value at dotted ``path`` (``task.status``, ``items.0.id``).

    :raises KeyError: naming the path when it is not there.
    """
    value = document
    for part in path.split('.'):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and \
                int(part) < len(value):
            value = value[int(part)]
        else:
            raise KeyError(path)
    return value


def excerpt(value: object) -> str:
    """A short printable form of a message found in a body."""
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + '...'


def message_of(body: object) -> str | None:
    """The error message of a body, OpenStack style
    (``{"itemNotFound": {"message": ...}}``) or flat (``{"message":
    ...}``, ``{"error": ...}``)."""
    if not isinstance(body, dict):
        return None
    for key in ('message', 'error', 'detail', 'fault'):
        if key in body:
            return excerpt(body[key])
    if len(body) == 1:
        inner = next(iter(body.values()))
        if isinstance(inner, dict) and 'message' in inner:
            return excerpt(inner['message'])
    return None


def _describe(answer: Answer) -> str:
    text = f'{answer.method} {display(answer.url)} answered {answer.status}'
    message = message_of(answer.body)
    return f'{text}: {message}' if message else text


def is_retryable(status: int) -> bool:
    return status in RETRYABLE or 500 <= status <= 599


def raise_for_status(answer: Answer) -> None:
    """Raise unless ``answer`` is a 2xx.

    :raises JobError: 408, 429 or 5xx, with the ``Retry-After`` delay.
    :raises PermanentJobError: any other status (redirects are not
        followed).
    """
    if 200 <= answer.status <= 299:
        return
    if is_retryable(answer.status):
        raise errors.JobError(
            _describe(answer),
            retry_after=parse_retry_after(answer.headers.get('Retry-After')))
    if 300 <= answer.status <= 399:
        raise errors.PermanentJobError(
            f'{_describe(answer)}; redirects are not followed, use the '
            f'final URL')
    raise errors.PermanentJobError(_describe(answer))
