"""Rescue: whatever the group says, nothing stays overdue past a bound.

Bucket ownership decides who *usually* fires a rule, and it is only as
right as each scheduler's view of the group. A view can be wrong for
longer than a membership change (a member missed, a frozen process still
holding its session, a scheduler cut off from ZooKeeper), so every
scheduler also looks, in every bucket, for work overdue by more than
``rescue_after`` seconds (see
:func:`migrator_scheduler.coordination.timing.rescue_after`):

* rules whose next fire time passed that long ago: fired, through the
  same transaction as any firing (the database lets one scheduler win);
* pending runs never cast, or cast that long after ``redispatch_after``
  without being started: cast again (the claim lets one executor run it);
* running runs silent that long after ``lost_run_timeout``: reaped.

So no view error delays a fire time by more than ``rescue_after`` plus
one ``sweep_interval``. The queries walk the ``next_fire_at`` and
``state`` indexes and find nothing in a healthy deployment.
"""

from __future__ import annotations

import collections.abc
import datetime

from oslo_config import cfg
from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler.executor import policy
from migrator_scheduler.scheduler import firing

LOG = logging.getLogger(__name__)

_BUCKETS_SHOWN = 20


def _buckets(buckets: collections.abc.Iterable[int]) -> str:
    found = sorted(set(buckets))
    shown = ', '.join(map(str, found[:_BUCKETS_SHOWN]))
    if len(found) > _BUCKETS_SHOWN:
        shown += f' and {len(found) - _BUCKETS_SHOWN} more'
    return shown


class Rescuer:
    """Fires and casts, in every bucket, what is overdue past the bound.

    :param bound: ``rescue_after`` in seconds.
    """

    def __init__(self, conf: cfg.ConfigOpts, dispatcher,
                 bound: float) -> None:
        self.conf = conf
        self.dispatcher = dispatcher
        self.bound = datetime.timedelta(seconds=bound)
        self.rescued_rules = 0
        self.rescued_runs = 0

    def rescue(self, now: datetime.datetime) -> None:
        """Rescue what is overdue at ``now``."""
        self._fire_overdue(now)
        self._cast_overdue(now)
        self._reap_overdue(now)
        self._promote_waiting(now)

    def _fire_overdue(self, now: datetime.datetime) -> None:
        due_by = now - self.bound
        # A read on the next_fire_at index: firing is a write transaction,
        # taken only when something is overdue.
        earliest = db_api.earliest_fire_time(None)
        if earliest is None or earliest > due_by:
            return
        fired, buckets = firing.fire_in_batches(
            self.conf, None, self.dispatcher.submit,
            due_before=self.bound.total_seconds())
        if fired:
            self.rescued_rules += fired
            LOG.warning('Rescued %d rules due more than %.0fs ago that no '
                        'scheduler had fired (buckets %s): some '
                        'scheduler\'s view of the group is wrong or it is '
                        'stuck; see "cluster status"', fired,
                        self.bound.total_seconds(), _buckets(buckets) or '-')

    def _cast_overdue(self, now: datetime.datetime) -> None:
        conf = self.conf.scheduler
        due_by = now - self.bound
        stale = db_api.runs_to_dispatch(
            None, undispatched_before=due_by,
            dispatched_before=due_by - datetime.timedelta(
                seconds=conf.redispatch_after),
            limit=conf.batch_size, due_by=due_by)
        if not stale:
            return
        taken = self.dispatcher.submit(stale)
        if taken:
            self.rescued_runs += taken
            LOG.warning('Rescued %d runs due more than %.0fs ago and '
                        'still not cast (buckets %s)', taken,
                        self.bound.total_seconds(),
                        _buckets(run['bucket'] for run in stale))

    def _reap_overdue(self, now: datetime.datetime) -> None:
        executor_conf = self.conf.executor
        retried, lost = db_api.reap_lost_runs(
            None, heartbeat_before=now - self.bound - datetime.timedelta(
                seconds=executor_conf.lost_run_timeout),
            max_attempts=executor_conf.max_attempts, now=now,
            limit=self.conf.scheduler.batch_size)
        if retried:
            self.rescued_runs += self.dispatcher.submit(retried)
        if retried or lost:
            LOG.warning('Rescued %d runs whose executor was lost long ago '
                        'and that no scheduler had reaped (%d retried, %d '
                        'given up)', len(retried) + len(lost), len(retried),
                        len(lost))

    def _promote_waiting(self, now: datetime.datetime) -> None:
        # Normally the executor ending a run, or the sweep of the bucket's
        # owner, starts what waited for it; this covers a wrong view. It
        # cannot tell since when nothing held a run back, so it is not
        # counted as a rescue.
        promoted = db_api.promote_waiting(
            None, now, self.conf.scheduler.batch_size,
            policy.Defaults.from_conf(self.conf.executor).admission,
            due_by=now - self.bound)
        if promoted:
            LOG.info('%d runs waiting since their fire time more than %.0fs '
                     'ago can start', len(promoted),
                     self.bound.total_seconds())
            self.dispatcher.submit(promoted)
