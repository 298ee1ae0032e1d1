"""Notices when casts to the executors stop and start succeeding again.

A cast fails when the broker cannot be reached or no queue takes it (the
executors' queue is gone with a broker restart until an executor declares
it again). Runs cast shortly before such an outage may have been lost
with the broker, and runs whose cast failed wait in the database; without
help, the sweep would cast the former again only ``redispatch_after``
after their cast. :class:`CastOutages` tells the scheduler when an outage
ended, so it casts them again at once.
"""

from __future__ import annotations

import datetime
import threading
import typing

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class Outage(typing.NamedTuple):
    """A time during which casts failed."""

    # When the first cast that failed was made.
    began: datetime.datetime
    # When a cast succeeded again.
    ended: datetime.datetime


class CastOutages:
    """Follows the outcome of casts; thread-safe.

    The thread that casts reports each outcome; the scheduler loop takes
    ended outages with :meth:`take_ended`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._began: datetime.datetime | None = None
        self._ended: Outage | None = None
        self.failed_casts = 0

    def failed(self, cast_at: datetime.datetime, error: Exception) -> None:
        """A cast made at ``cast_at`` failed with ``error``."""
        with self._lock:
            self.failed_casts += 1
            first = self._began is None
            if first:
                self._began = cast_at
        if first:
            LOG.warning('Casts to the executors fail (%s: %s); runs wait in '
                        'the database until casts succeed again',
                        type(error).__name__, error)
        else:
            LOG.debug('Cast failed again: %s', error)

    def succeeded(self, when: datetime.datetime) -> None:
        """A cast succeeded at ``when``."""
        with self._lock:
            if self._began is None:
                return
            began, self._began = self._began, None
            if self._ended is not None:
                # The previous outage was not taken yet: one outage.
                began = min(began, self._ended.began)
            self._ended = Outage(began, when)
        LOG.warning('Casts to the executors succeed again after %.1fs of '
                    'failures; runs cast before or during the outage are '
                    'cast again', (when - began).total_seconds())

    def take_ended(self) -> Outage | None:
        """The outage that ended since the last call, if any."""
        with self._lock:
            ended, self._ended = self._ended, None
        return ended
