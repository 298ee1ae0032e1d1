"""Which database errors are worth waiting out, and waiting them out.

A database restart or failover makes every call fail for a while, then
the same call succeeds: a caller holding something it must write (an
outcome, a claim) should call again on those errors, for a bounded
time, and give up on the others at once.
"""

from __future__ import annotations

import collections.abc
import threading
import time
import typing

from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa

LOG = logging.getLogger(__name__)

T = typing.TypeVar('T')

# Seconds between two calls while the database is unreachable: the
# first pause, doubled after each failure up to the second. Short, so
# work resumes within about a second of the database's return.
PAUSES = (0.2, 1.0)


def is_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or dropped
    the connection, so that the same call may succeed later.

    oslo.db translates most of these into ``DBConnectionError``; a
    connection refused while the pool opens a new connection reaches
    the caller as SQLAlchemy's own ``OperationalError``. Some drivers
    (PyMySQL) also raise ``OperationalError`` for errors that last, so
    callers must bound their retries.
    """
    if isinstance(exc, (db_exc.DBConnectionError, db_exc.DBDeadlock)):
        return True
    if isinstance(exc, db_exc.DBError):
        exc = exc.inner_exception or exc
    if isinstance(exc, sa.exc.DBAPIError):
        return bool(exc.connection_invalidated) or isinstance(
            exc, (sa.exc.OperationalError, sa.exc.InterfaceError))
    return False


def retry_while_unreachable(call: collections.abc.Callable[[], T],
                            retry_for: float, what: str,
                            stop: threading.Event | None = None,
                            pauses: tuple[float, float] = PAUSES) -> T:
    """Return ``call()``, calling it again while it fails because the
    database is unreachable.

    :param retry_for: seconds after the first call to stop trying.
    :param what: what the call does, for the log (``"claiming 3 runs"``).
    :param stop: when set, the next failure is final and pauses end.
    :raises Exception: what the call raised last, when it is not
        :func:`is_unreachable`, time is up or ``stop`` is set.
    """
    started = time.monotonic()
    pause, longest = pauses
    failures = 0
    while True:
        try:
            result = call()
        except Exception as exc:
            left = started + retry_for - time.monotonic()
            if (not is_unreachable(exc) or left <= 0 or
                    (stop is not None and stop.is_set())):
                raise
            if not failures:
                LOG.warning('Database unreachable (%s); %s again for up '
                            'to %.0fs', type(exc).__name__, what, left)
            failures += 1
        else:
            if failures:
                LOG.info('Database reachable again: %s took %.1fs',
                         what, time.monotonic() - started)
            return result
        pause = min(pause, left)
        if stop is not None:
            stop.wait(pause)
        else:
            time.sleep(pause)
        pause = min(pause * 2, longest)


class OutageLog:
    """Logs a loop's database outage once, not on every failed round.

    The first failure says that the database is unreachable, then once a
    minute that it still is, and the first success after them how long
    it lasted; tracebacks go to DEBUG. Other errors are not for this
    class (see :func:`is_unreachable`).
    """

    REPEAT = 60.0

    def __init__(self, what: str) -> None:
        self._what = what
        self._since: float | None = None
        self._logged = 0.0

    def failed(self, exc: BaseException) -> None:
        """Log an unreachable database, unless logged lately."""
        now = time.monotonic()
        LOG.debug('%s: database unreachable', self._what, exc_info=exc)
        if self._since is None:
            self._since = now
        elif now - self._logged < self.REPEAT:
            return
        self._logged = now
        LOG.warning('Database unreachable for %.0fs (%s: %s); %s waits '
                    'for it', now - self._since, type(exc).__name__,
                    str(exc).splitlines()[0] if str(exc) else '',
                    self._what)

    def succeeded(self) -> None:
        """Say the outage ended, if there was one."""
        if self._since is not None:
            LOG.info('Database reachable again after %.1fs; %s goes on',
                     time.monotonic() - self._since, self._what)
            self._since = None
