"""The scheduler service: lifecycle of membership, loop and dispatcher."""

from __future__ import annotations

import threading

from oslo_config import cfg
from oslo_log import log as logging
from oslo_service import service

from migrator_scheduler.coordination import membership as membership_mod
from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import errors as db_errors
from migrator_scheduler import exception
from migrator_scheduler.executor import service as executor_service
from migrator_scheduler import rpc
from migrator_scheduler.rpc import executor_api
from migrator_scheduler.scheduler import clock as clock_mod
from migrator_scheduler.scheduler import dispatcher as dispatcher_mod
from migrator_scheduler.scheduler import manager as manager_mod
from migrator_scheduler.scheduler import retention

LOG = logging.getLogger(__name__)


class SchedulerService(service.Service):
    """One active-active scheduler.

    The constructor only keeps ``conf``; everything with threads, sockets
    or connections is built in :meth:`start`, in the service process.
    """

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        super().__init__()
        self.conf = conf
        self.manager = None
        self._executor = None
        self._membership = None
        self._dispatcher = None
        self._stop = threading.Event()
        # Set to wake the loop early: on stop, on a change of ownership.
        self._wake = threading.Event()
        self._loop_thread = None
        self._purger = None

    def start(self) -> None:
        super().start()
        conf = self.conf
        _check_transport(conf)
        db_api.reset()
        db_api.require_current_schema()
        num_buckets = db_api.ensure_num_buckets(conf.scheduler.num_buckets)
        rpc.init(conf)
        if conf.scheduler.embedded_executor:
            self._executor = executor_service.ExecutorService(
                conf, embedded=True)
            self._executor.start()
        self._dispatcher = dispatcher_mod.Dispatcher(
            executor_api.ExecutorAPI(conf), conf.scheduler.cast_batch_size,
            stop_wait=conf.scheduler.fire_ahead)
        self._membership = membership_mod.BucketMembership(
            conf.coordination.backend_url, conf.coordination.group_name,
            conf.host, num_buckets, conf.coordination.ring_points,
            conf.coordination.watch_interval,
            conf.coordination.membership_check_interval,
            on_change=self._wake.set)
        # A scheduler whose clock is off must not even join: its peers
        # would hand it buckets it will not fire.
        clock = clock_mod.ClockGuard(conf.scheduler.max_clock_skew,
                                     conf.scheduler.clock_check_interval)
        clock.check()
        self._membership.start(suspended=clock.skewed)
        self.manager = manager_mod.SchedulerManager(
            conf, self._membership, self._dispatcher, num_buckets,
            clock_guard=clock)
        self._dispatcher.start()
        self._stop.clear()
        self._loop_thread = threading.Thread(
            target=self._loop, name='scheduler-loop', daemon=True)
        self._loop_thread.start()
        # In a thread of its own: a long purge must not delay firing.
        self._purger = retention.RunPurger(conf)
        self._purger.start()
        LOG.info('Rules overdue by more than %.1fs in any bucket are '
                 'rescued by any scheduler', self.manager.rescuer.bound
                 .total_seconds())

    def stop(self, graceful: bool = True) -> None:
        self._stop.set()
        self._wake.set()
        if self._purger is not None:
            self._purger.stop()
            self._purger = None
        if self._loop_thread is not None:
            self._loop_thread.join()
            self._loop_thread = None
        # Leave the group first: peers take the buckets over right away
        # instead of after the session timeout.
        if self._membership is not None:
            self._membership.stop()
        if self.manager is not None:
            self.manager.reporter.remove()
        if self._dispatcher is not None:
            self._dispatcher.stop()
        if self._executor is not None:
            self._executor.stop(graceful=graceful)
        rpc.cleanup()
        super().stop(graceful=graceful)

    def _loop(self) -> None:
        LOG.info('Scheduler loop started')
        outage = db_errors.OutageLog('firing')
        while not self._stop.is_set():
            try:
                sleep = self.manager.iterate()
            except Exception as exc:
                # The loop must survive a database or broker outage.
                if db_errors.is_unreachable(exc):
                    outage.failed(exc)
                else:
                    LOG.exception('Scheduler iteration failed; retrying')
                sleep = 1.0
            else:
                outage.succeeded()
            self._wake.wait(sleep)
            self._wake.clear()
        LOG.info('Scheduler loop stopped')


def _check_transport(conf: cfg.ConfigOpts) -> None:
    if (conf.transport_url or '').startswith('fake:') and \
            not conf.scheduler.embedded_executor:
        raise exception.ConfigurationError(
            'transport_url is the in-process fake:// transport, which only '
            'reaches an embedded executor: set [scheduler] '
            'embedded_executor = True or use a real transport (rabbit://)')
