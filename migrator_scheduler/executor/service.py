"""The executor service: lifecycle of an RPC server and its heartbeat."""

from __future__ import annotations

import os
import threading

from oslo_config import cfg
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import service

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import errors as db_errors
from migrator_scheduler.executor import endpoint
from migrator_scheduler.executor import manager
from migrator_scheduler.executor import policy
from migrator_scheduler import rpc

LOG = logging.getLogger(__name__)


class ExecutorService(service.Service):
    """Serves the executor topic until stopped.

    The constructor only keeps ``conf``: the transport, database engine
    and threads are built in :meth:`start`, in the service process.
    """

    def __init__(self, conf: cfg.ConfigOpts, embedded: bool = False) -> None:
        super().__init__()
        self.conf = conf
        # Embedded in a scheduler, the transport is the scheduler's.
        self._embedded = embedded
        self.manager = None
        self._server = None
        self._stop = threading.Event()
        self._heartbeat_thread = None

    def start(self) -> None:
        super().start()
        if not self._embedded:
            db_api.reset()
        rpc.init(self.conf)
        # Claims and outcomes the database cannot take yet are held as
        # long as a run would not be declared lost anyway.
        self.manager = manager.ExecutorManager(
            self.conf.host, self.conf.executor.workers,
            db_retry_for=self.conf.executor.lost_run_timeout,
            defaults=policy.Defaults.from_conf(self.conf.executor))
        target = messaging.Target(
            topic=self.conf.executor.topic,
            server=f'{self.conf.host}:{os.getpid()}')
        self._server = rpc.get_server(
            target, [endpoint.ExecutorEndpoint(self.manager)])
        self._stop.clear()
        self._heartbeat_thread = threading.Thread(
            target=self._heartbeat_loop, name='executor-heartbeat',
            daemon=True)
        self._heartbeat_thread.start()
        self._server.start()
        LOG.info('Executor %s listening on topic %s with %d workers',
                 target.server, target.topic, self.conf.executor.workers)

    def stop(self, graceful: bool = True) -> None:
        if self.manager is not None:
            # Handlers waiting for the database would hold the server's
            # stop up to db_retry_for.
            self.manager.stop_retrying()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
            self._server = None
        if self.manager is not None:
            self.manager.stop(wait=graceful)
        self._stop.set()
        if self._heartbeat_thread is not None:
            self._heartbeat_thread.join()
            self._heartbeat_thread = None
        if not self._embedded:
            rpc.cleanup()
        super().stop(graceful=graceful)

    def _heartbeat_loop(self) -> None:
        interval = self.conf.executor.heartbeat_interval
        outage = db_errors.OutageLog('heart-beating')
        while not self._stop.wait(interval):
            try:
                self.manager.heartbeat()
            except Exception as exc:
                # A missed heartbeat is survivable: the run is declared
                # lost only after lost_run_timeout without any.
                if db_errors.is_unreachable(exc):
                    outage.failed(exc)
                else:
                    LOG.exception('Heartbeat failed')
            else:
                outage.succeeded()
