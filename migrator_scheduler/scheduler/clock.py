"""Is this host's clock fit to tell when rules are due?

Due times are read from the local clock; a scheduler whose clock is off
would fire early or late, and differently from its peers. The database
server's clock is the common reference: the scheduler compares its own
with it now and then and refuses to fire while they differ by more than
``[scheduler] max_clock_skew``.
"""

from __future__ import annotations

import collections.abc
import datetime
import time

from oslo_log import log as logging

from migrator_scheduler.db import api as db_api

LOG = logging.getLogger(__name__)

# While skewed, the clock is compared this often (at most), so firing
# resumes soon after the clock is put right.
_SKEWED_CHECK_INTERVAL = 5.0


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class ClockGuard:
    """Measures the offset of the database server's clock from ours.

    :param max_skew: seconds of difference tolerated; 0 never refuses.
    :param interval: seconds between two comparisons.
    """

    def __init__(self, max_skew: float, interval: float,
                 clock: collections.abc.Callable[[], datetime.datetime]
                 = _utcnow,
                 server_time: collections.abc.Callable[[], datetime.datetime]
                 = db_api.database_time) -> None:
        self._max_skew = max_skew
        self._interval = interval
        self._clock = clock
        self._server_time = server_time
        self._next_check = 0.0
        self.offset: float | None = None
        self.skewed = False

    def due(self) -> bool:
        """Whether a comparison is due."""
        return time.monotonic() >= self._next_check

    def seconds_to_next_check(self) -> float:
        return max(0.0, self._next_check - time.monotonic())

    def check(self) -> bool:
        """Compare the clocks now; return whether ``skewed`` changed."""
        before = self._clock()
        server = self._server_time()
        after = self._clock()
        delay = (after - before).total_seconds()
        offset = (server - before).total_seconds() - delay / 2
        self.offset = offset
        interval = self._interval
        was = self.skewed
        if self._max_skew > 0:
            # The comparison is only as precise as half its round trip.
            if not was and abs(offset) - delay / 2 > self._max_skew:
                self.skewed = True
            elif was and abs(offset) + delay / 2 <= self._max_skew:
                self.skewed = False
        if self.skewed:
            interval = min(interval, _SKEWED_CHECK_INTERVAL)
        self._next_check = time.monotonic() + interval
        if self.skewed and not was:
            LOG.error('This host\'s clock is %+.3fs off the database '
                      'server\'s (more than [scheduler] max_clock_skew = '
                      '%gs): refusing to fire until they agree. Fix the '
                      'time synchronisation (NTP) of this host or of the '
                      'database server.', -offset, self._max_skew)
        elif was and not self.skewed:
            LOG.warning('This host\'s clock agrees with the database '
                        'server\'s again (%+.3fs); firing resumes',
                        -offset)
        return self.skewed != was
