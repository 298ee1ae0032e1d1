"""The scheduler's work: fire the due rules of the owned buckets.

One loop thread does, in order, every time it wakes:

1. process membership events (bucket ownership may change), at most once
   per ``[coordination] watch_interval``;
2. if the earliest next fire time of the owned buckets is less than
   ``[scheduler] fire_ahead`` away, fire the rules due by then in
   batches, each batch one transaction (see
   :func:`migrator_scheduler.db.api.fire_due_rules`), and hand the new
   runs to the dispatcher, which casts each at its time; the earliest
   fire time is read
   again after firing and at least once per ``[scheduler]
   max_idle_interval``, for rules created or changed by others;
3. now and then sweep the owned buckets for runs to cast again and runs
   whose executor was lost; at once when casts succeed again after
   failing (a broker outage), for the runs cast before or during it;
4. sleep until ``fire_ahead`` before the earliest next fire time of the
   owned buckets, the next membership poll, look or sweep, whichever
   comes first.

Nothing the loop keeps in memory is needed for correctness: a new owner
of a bucket continues from the database.
"""

from __future__ import annotations

import datetime
import time

from oslo_config import cfg
from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import planner as planner_mod

LOG = logging.getLogger(__name__)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class SchedulerManager:
    """Fires the due runs of the buckets a membership owns."""

    def __init__(self, conf: cfg.ConfigOpts, membership, dispatcher,
                 num_buckets: int) -> None:
        self.conf = conf
        self.membership = membership
        self.dispatcher = dispatcher
        self._num_buckets = num_buckets
        self._next_sweep = 0.0
        self._next_poll = 0.0
        self._next_look = 0.0
        # Earliest next fire time of the owned buckets at the last look.
        self._earliest: datetime.datetime | None = None
        # A broker outage whose runs are still being cast again.
        self._outage = None
        self.fired_rules = 0

    def owned_buckets(self):
        """Owned buckets, or None when all are owned (no filter needed)."""
        owned = self.membership.owned_buckets
        return None if len(owned) == self._num_buckets else owned

    def iterate(self) -> float:
        """Do one round of work; return the seconds to sleep after it."""
        conf = self.conf.scheduler
        watch_interval = self.conf.coordination.watch_interval
        # A busy loop (a burst, a steady stream of fire times) comes
        # back many times a second; membership is polled once per watch
        # interval, not on every round, to keep a ZooKeeper round trip
        # out of the way of firing.
        if time.monotonic() >= self._next_poll:
            self._next_poll = time.monotonic() + watch_interval
            if self.membership.poll(timeout=watch_interval):
                # New buckets: look at them now, and sweep them now for
                # runs a dead owner committed (maybe ahead) but never cast.
                self._next_look = 0.0
                self._next_sweep = 0.0
        buckets = self.owned_buckets()
        if buckets is not None and not buckets:
            return watch_interval
        # Firing is a write transaction: only when a rule is known due.
        # The database is looked at otherwise once per max_idle_interval,
        # for rules created or changed by others.
        if not self._known_due() and time.monotonic() >= self._next_look:
            self._look(buckets)
        if self._known_due():
            self.fire_due(buckets)
            self._look(buckets)
        outage = self.dispatcher.outages.take_ended()
        if outage is not None:
            self._outage, self._next_sweep = outage, 0.0
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + conf.sweep_interval
            self.sweep(buckets)
        sleep = min(self._next_look, self._next_poll,
                    self._next_sweep) - time.monotonic()
        if self._earliest is not None:
            sleep = min(sleep, (self._earliest - self._horizon()
                                ).total_seconds())
        return max(0.0, sleep)

    def _horizon(self, now: datetime.datetime | None = None
                 ) -> datetime.datetime:
        """The instant up to which runs are created: ``fire_ahead`` on."""
        return (now or _utcnow()) + datetime.timedelta(
            seconds=self.conf.scheduler.fire_ahead)

    def _look(self, buckets) -> None:
        """Read the earliest next fire time of ``buckets``."""
        self._earliest = db_api.earliest_fire_time(buckets)
        self._next_look = (time.monotonic() +
                           self.conf.scheduler.max_idle_interval)

    def _known_due(self) -> bool:
        return (self._earliest is not None and
                self._earliest <= self._horizon())

    def fire_due(self, buckets) -> int:
        """Fire every rule of ``buckets`` due within ``fire_ahead``.

        :returns: how many rules were fired.
        """
        conf = self.conf.scheduler
        total = 0
        while True:
            now = _utcnow()
            horizon = self._horizon(now)
            planner = planner_mod.Planner(now, conf.misfire_grace_time,
                                          conf.max_catchup_per_cycle,
                                          horizon=horizon)
            try:
                fired, runs = db_api.fire_due_rules(
                    buckets, now, planner, conf.batch_size, horizon=horizon)
            except db_api.LostRace as exc:
                # Another scheduler is firing the same rules; they are
                # its to fire, and the next round re-reads the rest.
                LOG.debug('Batch rolled back: %s', exc)
                break
            if runs:
                self.dispatcher.submit(runs)
            total += fired
            if fired < conf.batch_size:
                break
        if total:
            self.fired_rules += total
            LOG.debug('Fired %d rules', total)
        return total

    def sweep(self, buckets) -> None:
        """Cast again the runs whose cast was lost; reap lost runs."""
        now = _utcnow()
        conf = self.conf.scheduler
        executor_conf = self.conf.executor
        # Runs this process holds or is casting are found too; the
        # dispatcher leaves those alone. Runs planned ahead by a scheduler
        # that died are taken, and held until their time like any other.
        undispatched_before = now - datetime.timedelta(
            seconds=conf.sweep_interval)
        dispatched_before = now - datetime.timedelta(
            seconds=conf.redispatch_after)
        outage = self._outage
        if outage is not None:
            # Casts made before casts failed may be lost with the
            # broker, and casts that failed were never made.
            undispatched_before = max(undispatched_before, outage.ended)
            dispatched_before = max(dispatched_before, outage.began)
        stale = db_api.runs_to_dispatch(
            buckets, undispatched_before=undispatched_before,
            dispatched_before=dispatched_before,
            limit=conf.batch_size, due_by=self._horizon(now))
        if len(stale) < conf.batch_size:
            self._outage = None
        if stale:
            taken = self.dispatcher.submit(stale)
            if taken:
                LOG.info('Casting %d pending runs again', taken)
        retried, lost = db_api.reap_lost_runs(
            buckets,
            heartbeat_before=now - datetime.timedelta(
                seconds=executor_conf.lost_run_timeout),
            max_attempts=executor_conf.max_attempts, now=now,
            limit=conf.batch_size)
        if retried:
            LOG.warning('%d runs lost their executor and are retried',
                        len(retried))
            self.dispatcher.submit(retried)
        if lost:
            LOG.error('%d runs lost their executor %d times and were '
                      'given up: %s', len(lost), executor_conf.max_attempts,
                      ', '.join(lost[:20]))
