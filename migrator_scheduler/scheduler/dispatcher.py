"""Casts committed runs to the executors, in batches, off the fire loop."""

from __future__ import annotations

import datetime
import queue
import threading

from oslo_log import log as logging

from migrator_scheduler.db import api as db_api

LOG = logging.getLogger(__name__)

# Casts waiting while the broker is slow or away; beyond this they are
# dropped and left to the sweep, which finds them in the database.
_MAX_QUEUED_BATCHES = 1000


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class Dispatcher:
    """A thread that casts run ids and records them as dispatched.

    Casting in its own thread lets the fire loop commit the next batch
    while this one is on the wire. Losing a queued batch (crash, full
    queue, broker error) is safe: the runs are committed and the owner's
    sweep casts them again.
    """

    def __init__(self, executor_api, batch_size: int) -> None:
        self._api = executor_api
        self._batch_size = batch_size
        self._queue: queue.Queue = queue.Queue(maxsize=_MAX_QUEUED_BATCHES)
        self._thread: threading.Thread | None = None
        self.cast_count = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop,
                                        name='run-dispatcher', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Cast what is queued, then stop the thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def submit(self, runs: list[dict]) -> None:
        """Queue runs (dicts with an ``id``) for casting."""
        ids = [run['id'] for run in runs]
        for start in range(0, len(ids), self._batch_size):
            try:
                self._queue.put_nowait(ids[start:start + self._batch_size])
            except queue.Full:
                LOG.warning('Dispatch queue full; %d runs are left to the '
                            'sweep', len(ids) - start)
                return

    def idle(self) -> bool:
        return self._queue.unfinished_tasks == 0

    def _loop(self) -> None:
        while True:
            batch = self._queue.get()
            try:
                if batch is None:
                    return
                self._cast(batch)
            finally:
                self._queue.task_done()

    def _cast(self, run_ids: list[str]) -> None:
        try:
            # A bounded retry: while the broker is away the runs wait in
            # the database, not in this process's memory.
            self._api.execute_runs(run_ids, retry=3)
            db_api.mark_dispatched(run_ids, _utcnow())
            self.cast_count += len(run_ids)
        except Exception:
            LOG.warning('Could not cast %d runs; the sweep will retry',
                        len(run_ids), exc_info=True)
