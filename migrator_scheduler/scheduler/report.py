"""What a scheduler tells the database about itself, for cluster status.

Each scheduler writes its own view of the group (the members it sees, a
fingerprint of its ring, how many buckets it owns), its last loop time,
its clock offset, the tz database it computes fire times with, and what
it fired and rescued. ``cluster status`` puts the reports side by side:
a scheduler that disagrees with the others, or has stopped reporting, is
visible without reading logs.
"""

from __future__ import annotations

import datetime
import os
import time

from oslo_config import cfg
from oslo_log import log as logging

from migrator_scheduler.common import config
from migrator_scheduler.db import api as db_api
from migrator_scheduler.triggers import zones

LOG = logging.getLogger(__name__)

ACTIVE = 'active'
CLOCK_SKEWED = 'clock-skewed'
STOPPING = 'stopping'
# Reports of schedulers silent this long are deleted: a scheduler killed
# stays visible (as gone) for a while, then disappears.
FORGET_AFTER = datetime.timedelta(hours=1)
_PURGE_INTERVAL = 60.0


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class StatusReporter:
    """Writes one scheduler's report every ``status_interval`` and on
    every change of its view."""

    def __init__(self, conf: cfg.ConfigOpts, membership, num_buckets: int
                 ) -> None:
        self.conf = conf
        self.membership = membership
        self._num_buckets = num_buckets
        self._started_at = _utcnow()
        self._next_report = 0.0
        self._next_purge = 0.0

    @property
    def member_id(self) -> str:
        return self.membership.member_id.decode()

    def due(self) -> bool:
        return time.monotonic() >= self._next_report

    def seconds_to_next(self) -> float:
        return max(0.0, self._next_report - time.monotonic())

    def report(self, state: str, clock_offset: float | None,
               fired_rules: int, rescuer) -> None:
        """Write this scheduler's report now."""
        # Set first: a report that fails is not retried before its time.
        self._next_report = (time.monotonic() +
                             self.conf.scheduler.status_interval)
        membership = self.membership
        view = membership.view
        now = db_api.report_scheduler(self.member_id, {
            'host': self.conf.host, 'pid': os.getpid(), 'state': state,
            'started_at': self._started_at,
            'listed_at': membership.listed_at,
            'members': [m.decode() for m in view.members],
            'ring_fingerprint': view.fingerprint,
            'owned_buckets': len(view.owned),
            'num_buckets': self._num_buckets,
            'ring_points': self.conf.coordination.ring_points,
            'tz_version': zones.tz_version(),
            'clock_offset': clock_offset,
            'fired_rules': fired_rules,
            'rescued_rules': rescuer.rescued_rules,
            'rescued_runs': rescuer.rescued_runs,
            'rejoins': membership.rejoins,
            'code_version': config.version_string()[:64],
        })
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + _PURGE_INTERVAL
            purged = db_api.purge_schedulers(now - FORGET_AFTER)
            if purged:
                LOG.info('Forgot %d schedulers silent for over %s',
                         purged, FORGET_AFTER)

    def remove(self) -> None:
        """Delete this scheduler's report (it is stopping)."""
        try:
            db_api.remove_scheduler(self.member_id)
        except Exception:
            LOG.warning('Could not remove the status report of %s; it '
                        'will show as stale, then be forgotten',
                        self.member_id, exc_info=True)
