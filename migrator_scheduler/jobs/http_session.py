"""The HTTP client of the ``http`` job: one keystoneauth1 session per
executor process, built from ``[http_job]`` on first use.

Every request goes through the session (it wraps ``requests``), with or
without credentials, so TLS options behave one way. The session neither
retries nor follows redirects: retries are the executor's decision, and
a redirect could lead past ``allowed_destinations``. Requests and
responses are not logged by keystoneauth1 (they carry tokens).
"""

from __future__ import annotations

import collections.abc
import json
import threading
import typing
import urllib.parse

from oslo_config import cfg

from migrator_scheduler.conf import http_job as http_conf
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.jobs import errors
from migrator_scheduler.jobs import http_destinations as dest
from migrator_scheduler.jobs import http_responses as responses
from migrator_scheduler import version

if typing.TYPE_CHECKING:
    from keystoneauth1 import session as ks_session

GROUP = http_conf.GROUP.name
#: Largest response body read; longer ones are not parsed.
MAX_BODY = 1024 * 1024


def allowed_entries(conf: cfg.ConfigOpts) -> tuple[dest.Entry, ...]:
    """``[http_job] allowed_destinations``, parsed.

    :raises PermanentJobError: the option holds an unreadable item.
    """
    try:
        return dest.parse_entries(conf[GROUP].allowed_destinations)
    except ValueError as exc:
        raise errors.PermanentJobError(
            f'[http_job] allowed_destinations: {exc}') from None


def host_and_port(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    default = 443 if parts.scheme == 'https' else 80
    return parts.hostname or '', parts.port or default


class Client:
    """Sends the requests of ``http`` jobs; shared by the executor's
    threads. Nothing is built before the first request."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self._conf = conf
        self._lock = threading.Lock()
        self._session: ks_session.Session | None = None
        self._authenticated = False

    def _get_session(self) -> ks_session.Session:
        with self._lock:
            if self._session is None:
                self._session = self._build()
            return self._session

    def _build(self) -> ks_session.Session:
        from keystoneauth1 import exceptions as ks_exc
        from keystoneauth1 import loading

        http_conf.register_keystoneauth_opts(self._conf)
        try:
            auth = loading.load_auth_from_conf_options(self._conf, GROUP)
        except ks_exc.ClientException as exc:
            raise errors.PermanentJobError(
                f'[http_job] authentication options: {exc}') from None
        if auth is not None and self._conf[GROUP].token:
            raise errors.PermanentJobError(
                '[http_job] sets both auth_type and token; choose one')
        self._authenticated = auth is not None
        return loading.load_session_from_conf_options(
            self._conf, GROUP, auth=auth, app_name='migrator-scheduler',
            app_version=version.version_info.version_string())

    def default_timeout(self) -> float:
        self._get_session()
        return float(self._conf[GROUP].timeout or http_conf.DEFAULT_TIMEOUT)

    def _check_destination(self, url: str) -> None:
        host, port = host_and_port(url)
        try:
            addresses = dest.resolve(host, port)
        except OSError as exc:
            raise errors.JobError(f'cannot resolve {host}: {exc}') from None
        try:
            dest.check(allowed_entries(self._conf), host, port, addresses)
        except dest.DestinationRefused as exc:
            raise errors.PermanentJobError(str(exc)) from None

    def send(self, context: context_mod.JobContext, method: str, url: str,
             headers: collections.abc.Mapping[str, str], body: object,
             timeout: float) -> responses.Answer:
        """Send one request; return its answer whatever its status.

        :raises JobError: connection failure or timeout (retryable).
        :raises PermanentJobError: a refused destination or unusable
            credentials options.
        :raises JobCancelled: the run's deadline passed.
        """
        from keystoneauth1 import exceptions as ks_exc
        import requests

        session = self._get_session()
        context.check()
        remaining = context.remaining()
        if remaining is not None:
            timeout = min(timeout, remaining)
        self._check_headers_safe(headers)
        self._check_destination(url)
        sent = dict(headers)
        token = self._conf[GROUP].token
        if token and not self._authenticated:
            sent['X-Auth-Token'] = token
        what = f'{method} {responses.display(url)}'
        try:
            response = session.request(
                url, method, json=body, headers=sent,
                authenticated=self._authenticated, raise_exc=False,
                redirect=False, log=False, connect_retries=0,
                timeout=timeout, stream=True)
            try:
                raw = self._read(response)
            finally:
                response.close()
        except ks_exc.HttpError as exc:
            # From the identity service, while getting a token.
            raise self._auth_error(what, exc) from None
        except (ks_exc.ConnectionError, requests.RequestException) as exc:
            raise errors.JobError(f'{what} failed: {exc}') from None
        except ks_exc.ClientException as exc:
            raise errors.PermanentJobError(
                f'{what}: cannot authenticate: {exc}') from None
        return responses.Answer(method, url, response.status_code,
                                response.headers, _json(raw))

    @staticmethod
    def _check_headers_safe(headers: collections.abc.Mapping[str, str]
                            ) -> None:
        for name in headers:
            if name.lower() in ('authorization', 'x-auth-token'):
                raise errors.PermanentJobError(
                    f'header {name} may not be set by a rule')

    @staticmethod
    def _read(response) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_BODY:
                return b''
            chunks.append(chunk)
        return b''.join(chunks)

    @staticmethod
    def _auth_error(what: str, exc: Exception) -> errors.JobError:
        status = getattr(exc, 'http_status', None) or 0
        message = f'{what}: cannot get a token: {exc}'
        if responses.is_retryable(status):
            return errors.JobError(message)
        return errors.PermanentJobError(message)


def _json(raw: bytes) -> object:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
