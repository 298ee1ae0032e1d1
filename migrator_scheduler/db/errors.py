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
