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
# Queued batches cast, or casts recorded, in one round at most.
_MAX_COALESCED = 10


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _drain(source: queue.Queue) -> list:
    """Block for one item, then take what else is queued (bounded)."""
    items = [source.get()]
    while len(items) < _MAX_COALESCED:
        try:
            items.append(source.get_nowait())
        except queue.Empty:
            break
    return items


class Dispatcher:
    """Threads that cast run ids and record them as dispatched.

    Casting in its own thread lets the fire loop commit the next batch
    while this one is on the wire; recording the casts in another lets
    the next cast leave while the last one is written down. Batches that
    queue up meanwhile are taken together: small batches share messages
    and one transaction records many casts. Losing a queued batch (crash,
    full queue, broker error) is safe: the runs are committed and the
    owner's sweep casts them again.
    """

    def __init__(self, executor_api, batch_size: int) -> None:
        self._api = executor_api
        self._batch_size = batch_size
        self._queue: queue.Queue = queue.Queue(maxsize=_MAX_QUEUED_BATCHES)
        # (run ids, when their cast was done) waiting to be recorded.
        self._sent: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self.cast_count = 0

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._cast_loop, name='run-dispatcher',
                             daemon=True),
            threading.Thread(target=self._record_loop,
                             name='run-cast-recorder', daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Cast and record what is queued, then stop the threads."""
        for source, thread in zip((self._queue, self._sent), self._threads):
            source.put(None)
            thread.join()
        self._threads = []

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
        """Whether every submitted run was cast and recorded as such."""
        return (self._queue.unfinished_tasks == 0 and
                self._sent.unfinished_tasks == 0)

    def _cast_loop(self) -> None:
        while True:
            batches = _drain(self._queue)
            try:
                run_ids = [i for batch in batches if batch for i in batch]
                cast = self._send(run_ids) if run_ids else []
                if cast:
                    self._sent.put((cast, _utcnow()))
            finally:
                for _ in batches:
                    self._queue.task_done()
            if None in batches:
                return

    def _send(self, run_ids: list[str]) -> list[str]:
        """Cast ``run_ids`` in messages; return the ids cast."""
        cast = []
        for start in range(0, len(run_ids), self._batch_size):
            chunk = run_ids[start:start + self._batch_size]
            try:
                # A bounded retry: while the broker is away the runs wait
                # in the database, not in this process's memory.
                self._api.execute_runs(chunk, retry=3)
            except Exception:
                LOG.warning('Could not cast %d runs; the sweep will retry',
                            len(chunk), exc_info=True)
                continue
            cast.extend(chunk)
        return cast

    def _record_loop(self) -> None:
        while True:
            items = _drain(self._sent)
            try:
                done = [item for item in items if item is not None]
                if done:
                    self._record([i for ids, _ in done for i in ids],
                                 max(when for _, when in done))
            finally:
                for _ in items:
                    self._sent.task_done()
            if None in items:
                return

    def _record(self, run_ids: list[str], when: datetime.datetime) -> None:
        try:
            db_api.mark_dispatched(run_ids, when)
            self.cast_count += len(run_ids)
        except Exception:
            LOG.warning('Could not record the cast of %d runs; the sweep '
                        'may cast them again', len(run_ids), exc_info=True)
