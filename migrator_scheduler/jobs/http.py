"""A job that calls the migration platform's REST API.

One request per run, with the run id as ``Idempotency-Key``. A ``202
Accepted`` answer is followed by polls of the status URL it gives until
the operation succeeds or fails. See ``doc/source/admin/job-http.rst``.
"""

from __future__ import annotations

import collections.abc
import re
import urllib.parse

from migrator_scheduler import conf as ms_conf
from migrator_scheduler import exception
from migrator_scheduler.jobs import base
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import http_destinations as dest
from migrator_scheduler.jobs import http_poll
from migrator_scheduler.jobs import http_responses as responses
from migrator_scheduler.jobs import http_session
from migrator_scheduler.jobs import http_template as template

METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')
PREFIX = 'job.args'

# Headers carrying credentials: those come from [http_job] only.
CREDENTIAL_HEADERS = frozenset({
    'authorization', 'proxy-authorization', 'x-auth-token',
    'x-service-token', 'x-subject-token', 'cookie'})
# Headers the driver or the HTTP client sets.
RESERVED_HEADERS = frozenset({
    'idempotency-key', 'x-migrator-rule-id', 'x-migrator-nominal-time',
    'host', 'content-length', 'transfer-encoding', 'connection'})

_HEADER_NAME = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$"
_VAR_NAME = r'^[A-Za-z_][A-Za-z0-9_]{0,63}$'
_TEXT = {'type': 'string', 'maxLength': 4096,
         'pattern': '^[^\\u0000-\\u001f\\u007f]*$'}
_DOTTED = {'type': 'string', 'minLength': 1, 'maxLength': 256,
           'pattern': r'^[^.]+(\.[^.]+)*$'}
_VALUES = {'type': 'array', 'minItems': 1, 'maxItems': 32,
           'uniqueItems': True,
           'items': {'type': 'string', 'minLength': 1, 'maxLength': 255}}

POLL_SCHEMA = {
    'type': ['object', 'boolean'],
    'properties': {
        'status_url_field': _DOTTED,
        'status_field': _DOTTED,
        'message_field': _DOTTED,
        'success_values': _VALUES,
        'failure_values': _VALUES,
        'interval': {'type': 'number', 'minimum': 0.1, 'maximum': 3600},
        'max_interval': {'type': 'number', 'minimum': 0.1, 'maximum': 3600},
        'timeout': {'type': 'number', 'exclusiveMinimum': 0,
                    'maximum': 7 * 86400},
    },
    'additionalProperties': False,
}

ARGS_SCHEMA = {
    'type': 'object',
    'required': ['url'],
    'properties': {
        'method': {'enum': list(METHODS)},
        'url': {'type': 'string', 'minLength': 1, 'maxLength': 2048},
        'body': {},
        'headers': {'type': 'object', 'maxProperties': 32,
                    'additionalProperties': _TEXT},
        'expected_status': {
            'type': 'array', 'minItems': 1, 'uniqueItems': True,
            'items': {'type': 'integer', 'minimum': 200, 'maximum': 299}},
        'poll': POLL_SCHEMA,
        'timeout': {'type': 'number', 'exclusiveMinimum': 0,
                    'maximum': 3600},
        'vars': {'type': 'object', 'maxProperties': 64,
                 'additionalProperties': _TEXT},
    },
    'additionalProperties': False,
}


def _url_quote(value: str) -> str:
    # A substituted value cannot add a path segment, a query or a host.
    return urllib.parse.quote(value, safe='')


def check_url(url: str, field: str) -> tuple[str, int]:
    """Check that ``url`` is an absolute http(s) URL without
    credentials; return its host and port.

    :raises InvalidInput: naming ``field``.
    """
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise exception.InvalidInput(field, 'the URL contains whitespace '
                                            'or control characters')
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        raise exception.InvalidInput(
            field, f'{responses.display(url)!r} is not an absolute http or '
                   f'https URL')
    if parts.username is not None or parts.password is not None:
        raise exception.InvalidInput(
            field, 'credentials may not be part of the URL; they come from '
                   'the [http_job] options')
    try:
        parts.port
    except ValueError:
        raise exception.InvalidInput(field, 'the URL has an invalid port'
                                     ) from None
    return http_session.host_and_port(url)


def _check_names(field: str, mapping: dict, pattern: str, what: str
                 ) -> None:
    for name in mapping:
        if not re.fullmatch(pattern, name):
            raise exception.InvalidInput(f'{PREFIX}.{field}.{name}',
                                         f'not a valid {what} name')


def _check_headers(headers: dict) -> None:
    _check_names('headers', headers, _HEADER_NAME, 'header')
    for name in headers:
        field = f'{PREFIX}.headers.{name}'
        if name.lower() in CREDENTIAL_HEADERS:
            raise exception.InvalidInput(
                field, 'credentials may not be set in rule arguments; '
                       'they come from the [http_job] options')
        if name.lower() in RESERVED_HEADERS:
            raise exception.InvalidInput(field, 'this header is set by the '
                                                'driver')


def _check_templates(args: dict) -> None:
    names = args.get('vars', {}).keys()
    strings = [('url', args['url'])]
    strings += [(f'headers.{n}', v)
                for n, v in args.get('headers', {}).items()]
    if 'body' in args:
        strings += [('.'.join(['body', *map(str, path)]), value)
                    for path, value in template.json_strings(args['body'])]
    for field, text in strings:
        try:
            template.check(text, names)
        except template.TemplateError as exc:
            raise exception.InvalidInput(f'{PREFIX}.{field}', str(exc)
                                         ) from None


def _check_destination(url: str) -> None:
    host, port = check_url(url, f'{PREFIX}.url')
    try:
        entries = http_session.allowed_entries(ms_conf.CONF)
    except errors.PermanentJobError as exc:
        raise exception.ConfigurationError(str(exc)) from None
    try:
        dest.check_literal(entries, host, port)
    except dest.DestinationRefused as exc:
        raise exception.InvalidInput(f'{PREFIX}.url', str(exc)) from None


class HttpJob(base.JobDriver):
    """Calls a REST API; waits for an asynchronous (202) call to end.

    Credentials, TLS and allowed destinations come from ``[http_job]``.
    Nothing is imported or built until the first request.
    """

    args_schema = ARGS_SCHEMA

    def __init__(self) -> None:
        self._client = http_session.Client(ms_conf.CONF)

    @classmethod
    def validate_args(cls, args: dict) -> None:
        super().validate_args(args)
        _check_names('vars', args.get('vars', {}), _VAR_NAME, 'variable')
        _check_headers(args.get('headers', {}))
        _check_templates(args)
        if args.get('method') == 'GET' and 'body' in args:
            raise exception.InvalidInput(f'{PREFIX}.body',
                                         'a GET request has no body')
        values = template.sample_values(args.get('vars', {}))
        _check_destination(template.render(args['url'], values,
                                           quote=_url_quote))

    def execute(self, context: context_mod.JobContext,
                args: dict) -> dict | None:
        values = template.values_for(context, args.get('vars', {}))
        method = args.get('method', 'POST')
        url = template.render(args['url'], values, quote=_url_quote)
        headers = {'Accept': 'application/json'}
        headers.update({name: template.render(value, values)
                        for name, value in args.get('headers', {}).items()})
        headers.update(run_headers(context, values))
        body = (template.render_json(args['body'], values)
                if 'body' in args else None)
        timeout = float(args.get('timeout') or
                        self._client.default_timeout())
        # The first request is the side effect: never twice for one run.
        context.ensure_claim()
        answer = self._client.send(context, method, url, headers, body,
                                   timeout)
        context.log.info('%s %s answered %d', method,
                         responses.display(url), answer.status)
        responses.raise_for_status(answer)
        expected = args.get('expected_status')
        if expected and answer.status not in expected:
            raise errors.PermanentJobError(
                f'{method} {responses.display(url)} answered '
                f'{answer.status}, not one of {expected}')
        poll = args.get('poll', True)
        if answer.status != 202 or poll is False:
            return {'status_code': answer.status, 'status': None,
                    'status_url': None, 'polls': 0}
        options = http_poll.PollOptions.from_args(
            poll if isinstance(poll, dict) else {})
        poller = http_poll.Poller(self._client, context, headers, timeout,
                                  options)
        return poller.run(answer)


def run_headers(context: context_mod.JobContext,
                values: collections.abc.Mapping[str, str]
                ) -> dict[str, str]:
    """The headers every request of a run carries."""
    return {'Idempotency-Key': context.run_id,
            'X-Migrator-Rule-Id': context.rule_id,
            'X-Migrator-Nominal-Time': values['nominal_time']}
