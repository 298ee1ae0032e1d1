"""The scheduler's work: fire the due rules of the owned buckets.

One loop thread does, in order, every time it wakes:

1. now and then, compare this host's clock with the database server's;
   while they disagree, leave the group and fire nothing (see
   :mod:`.clock`);
2. take the latest bucket ownership from the membership, whose own
   thread lists the group (a change wakes the loop);
3. if the earliest next fire time of the owned buckets is less than
   ``[scheduler] fire_ahead`` away, fire the rules due by then in
   batches, each batch one transaction (see
   :func:`migrator_scheduler.db.api.fire_due_rules`), and hand the new
   runs to the dispatcher, which casts each at its time; the earliest
   fire time is read again after firing and at least once per
   ``[scheduler] max_idle_interval``, for rules created or changed by
   others;
4. every ``sweep_interval``, sweep the owned buckets for runs to cast
   again and runs whose executor was lost (at once when casts succeed
   again after failing, a broker outage, for the runs cast before or
   during it), and rescue whatever is overdue past ``rescue_after`` in
   any bucket (see :mod:`.rescue`);
5. every ``status_interval``, and when its view changed, report that
   view to the database (see :mod:`.report`);
6. sleep until ``fire_ahead`` before the earliest next fire time of the
   owned buckets, or the next look, sweep, report or clock check,
   whichever comes first.

Nothing the loop keeps in memory is needed for correctness: a new owner
of a bucket continues from the database.
"""

from __future__ import annotations

import datetime
import time

from oslo_config import cfg
from oslo_log import log as logging

from migrator_scheduler.coordination import timing
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import errors as db_errors
from migrator_scheduler.executor import policy
from migrator_scheduler.scheduler import clock as clock_mod
from migrator_scheduler.scheduler import firing
from migrator_scheduler.scheduler import report as report_mod
from migrator_scheduler.scheduler import rescue as rescue_mod

LOG = logging.getLogger(__name__)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class SchedulerManager:
    """Fires the due runs of the buckets a membership owns."""

    def __init__(self, conf: cfg.ConfigOpts, membership, dispatcher,
                 num_buckets: int,
                 clock_guard: clock_mod.ClockGuard | None = None) -> None:
        self.conf = conf
        self.membership = membership
        self.dispatcher = dispatcher
        self._num_buckets = num_buckets
        self.clock = clock_guard or clock_mod.ClockGuard(
            conf.scheduler.max_clock_skew,
            conf.scheduler.clock_check_interval)
        self.rescuer = rescue_mod.Rescuer(conf, dispatcher,
                                          timing.rescue_after(conf))
        self.reporter = report_mod.StatusReporter(conf, membership,
                                                  num_buckets)
        self._next_sweep = 0.0
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
        if self.clock.due() and self.clock.check():
            self._clock_changed()
        if self.membership.take_change():
            # New buckets: look at them now, and sweep them now for runs
            # a dead owner committed (maybe ahead) but never cast.
            self._next_look = 0.0
            self._next_sweep = 0.0
            self._report()
        waits = [self.clock.seconds_to_next_check()]
        if not self.clock.skewed:
            waits.append(self._fire_and_sweep(conf))
        if self.reporter.due():
            self._report()
        waits.append(self.reporter.seconds_to_next())
        return max(0.0, min(waits))

    def _fire_and_sweep(self, conf) -> float:
        """Fire, sweep and rescue as due; return the seconds to the next
        time something of these is due."""
        buckets = self.owned_buckets()
        owning = buckets is None or bool(buckets)
        if owning:
            # Firing is a write transaction: only when a rule is known
            # due. The database is looked at otherwise once per
            # max_idle_interval, for rules created or changed by others.
            if not self._known_due() and \
                    time.monotonic() >= self._next_look:
                self._look(buckets)
            if self._known_due():
                self.fire_due(buckets)
                self._look(buckets)
        outage = self.dispatcher.outages.take_ended()
        if outage is not None:
            self._outage, self._next_sweep = outage, 0.0
        if time.monotonic() >= self._next_sweep:
            self._next_sweep = time.monotonic() + conf.sweep_interval
            if owning:
                self.sweep(buckets)
            self.rescuer.rescue(_utcnow())
        sleep = self._next_sweep - time.monotonic()
        if owning:
            sleep = min(sleep, self._next_look - time.monotonic())
            if self._earliest is not None:
                sleep = min(sleep, (self._earliest - self._horizon()
                                    ).total_seconds())
        return sleep

    def _clock_changed(self) -> None:
        if self.clock.skewed:
            self.membership.suspend()
        else:
            self.membership.resume()
            self._next_look = 0.0
            self._next_sweep = 0.0
        self._report()

    def _report(self) -> None:
        state = (report_mod.CLOCK_SKEWED if self.clock.skewed
                 else report_mod.ACTIVE)
        try:
            self.reporter.report(state, self.clock.offset, self.fired_rules,
                                 self.rescuer)
        except Exception as exc:
            # Reporting is for operators; it must never stop firing. An
            # unreachable database is said by the loop, once.
            LOG.warning('Could not report this scheduler\'s status (%s)',
                        type(exc).__name__,
                        exc_info=not db_errors.is_unreachable(exc))

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
        total, _ = firing.fire_in_batches(
            self.conf, buckets, self.dispatcher.submit,
            ahead=self.conf.scheduler.fire_ahead)
        if total:
            self.fired_rules += total
            LOG.debug('Fired %d rules', total)
        return total

    def sweep(self, buckets) -> None:
        """Cast again the runs whose cast was lost, and retries whose
        delay ended; reap lost runs."""
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
            limit=conf.batch_size, due_by=self._horizon(now),
            retry_before=now)
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
        # Runs waiting for a run of their rule or key that ended without
        # its executor promoting them (lost, or a race): cast them now.
        promoted = db_api.promote_waiting(
            buckets, now, conf.batch_size,
            policy.Defaults.from_conf(executor_conf).admission)
        if promoted:
            LOG.info('%d waiting runs can start', len(promoted))
            self.dispatcher.submit(promoted)
