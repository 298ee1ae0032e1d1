"""Casts committed runs to the executors at their time, off the fire loop."""

from __future__ import annotations

import collections.abc
import datetime
import heapq
import queue
import threading
import time

from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import errors as db_errors
from migrator_scheduler.scheduler import cast_outage

LOG = logging.getLogger(__name__)

# Casts waiting while the broker is slow or away; beyond this they are
# dropped and left to the sweep, which finds them in the database.
_MAX_QUEUED_BATCHES = 1000
# Queued batches taken, or casts recorded, in one round at most.
_MAX_COALESCED = 10
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _drain(source: queue.Queue, timeout: float | None = None) -> list:
    """Wait up to ``timeout`` for one item, then take what else is queued
    (bounded); an empty list when nothing came."""
    try:
        items = [source.get(timeout=timeout)]
    except queue.Empty:
        return []
    while len(items) < _MAX_COALESCED:
        try:
            items.append(source.get_nowait())
        except queue.Empty:
            break
    return items


def _aware(when: datetime.datetime | None) -> datetime.datetime:
    """A time comparable with the clock: naive times are UTC."""
    if when is None:
        return _EPOCH
    if when.tzinfo is None:
        return when.replace(tzinfo=datetime.timezone.utc)
    return when


class Dispatcher:
    """Threads that cast runs at their time and record them as dispatched.

    Runs come in committed, often ahead of their time (``[scheduler]
    fire_ahead``, or a spread window); they are held in a heap and cast
    once their time has come (``start_after`` when set, else
    ``scheduled_for``), many per message. Casting in its own
    thread lets the fire loop commit the next batch while this one is on
    the wire; recording the casts in another lets the next cast leave
    while the last one is written down. A run submitted while this
    process still holds, casts or records it is ignored, so the sweep
    can look for lost casts at any time. Losing a run here (crash, full
    queue, broker error) is safe: it is committed, and the owner's sweep
    casts it again.

    Each message carries the time its cast was made, which the
    executor's claim records as ``dispatched_at``; the recorder writes
    the same time for runs still pending (the sweep's clock for
    ``redispatch_after``). Failed and successful casts are reported to
    :attr:`outages`.
    """

    def __init__(self, executor_api, batch_size: int,
                 clock: collections.abc.Callable[[], datetime.datetime]
                 = _utcnow, stop_wait: float | None = None) -> None:
        self._api = executor_api
        self._batch_size = batch_size
        self._clock = clock
        # On stop, runs due later than this are left to the sweep.
        self._stop_wait = stop_wait
        # Batches of (scheduled_for, run id) from the fire loop.
        self._queue: queue.Queue = queue.Queue(maxsize=_MAX_QUEUED_BATCHES)
        # (scheduled_for, run id) whose time has not come; cast thread only.
        self._held: list[tuple[datetime.datetime, str]] = []
        # Lists of (run ids, when their cast was made) to record.
        self._sent: queue.Queue = queue.Queue()
        # Ids submitted and not yet recorded, dropped or failed.
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.cast_count = 0
        self.outages = cast_outage.CastOutages()

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._cast_loop, name='run-dispatcher',
                             daemon=True),
            threading.Thread(target=self._record_loop,
                             name='run-cast-recorder', daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Cast what is queued and held, each run at its time, record the
        casts, then stop.

        Runs due more than ``stop_wait`` seconds after the stop (waiting
        in a spread window) are dropped instead: they are committed, and
        their bucket's next owner casts them at their time.
        """
        for source, thread in zip((self._queue, self._sent), self._threads):
            source.put(None)
            thread.join()
        self._threads = []

    def submit(self, runs: collections.abc.Iterable[dict]) -> int:
        """Queue runs (dicts with ``id``, ``scheduled_for`` and maybe
        ``start_after``) for casting at their time.

        :returns: how many were taken; runs already in this dispatcher's
            hands are not taken twice.
        """
        with self._lock:
            items = []
            for run in runs:
                if run['id'] not in self._in_flight:
                    self._in_flight.add(run['id'])
                    items.append((_aware(run.get('start_after')
                                         or run.get('scheduled_for')),
                                  run['id']))
        for start in range(0, len(items), self._batch_size):
            try:
                self._queue.put_nowait(items[start:start + self._batch_size])
            except queue.Full:
                LOG.warning('Dispatch queue full; %d runs are left to the '
                            'sweep', len(items) - start)
                self._forget(run_id for _, run_id in items[start:])
                return start
        return len(items)

    def held(self) -> int:
        """How many runs wait in this process for their time or cast."""
        with self._lock:
            return len(self._in_flight)

    def _forget(self, run_ids: collections.abc.Iterable[str]) -> None:
        with self._lock:
            self._in_flight.difference_update(run_ids)

    def _cast_loop(self) -> None:
        stopping = False
        while True:
            if stopping:
                self._drop_later()
            wait = None
            if self._held:
                wait = max(0.0, (self._held[0][0] - self._clock()
                                 ).total_seconds())
            if stopping:
                # Nothing more comes in: cast what is held at its time.
                if not self._held:
                    return
                time.sleep(wait)
                batches = []
            else:
                batches = _drain(self._queue, wait)
            try:
                for batch in batches:
                    if batch is None:
                        stopping = True
                        continue
                    for item in batch:
                        heapq.heappush(self._held, item)
                self._cast_due()
            finally:
                for _ in batches:
                    self._queue.task_done()

    def _drop_later(self) -> None:
        """Forget the held runs due past ``stop_wait`` from now."""
        if self._stop_wait is None or not self._held:
            return
        limit = self._clock() + datetime.timedelta(seconds=self._stop_wait)
        later = [item for item in self._held if item[0] > limit]
        if not later:
            return
        self._held = [item for item in self._held if item[0] <= limit]
        heapq.heapify(self._held)
        self._forget(run_id for _, run_id in later)
        LOG.info('Stopping: %d runs waiting for their start time are left '
                 'to the next owner of their buckets', len(later))

    def _cast_due(self) -> None:
        now = self._clock()
        due = []
        while self._held and self._held[0][0] <= now:
            due.append(heapq.heappop(self._held)[1])
        if not due:
            return
        casts = self._send(due)
        if casts:
            self._sent.put(casts)
        cast = {run_id for ids, _ in casts for run_id in ids}
        if len(cast) < len(due):
            self._forget(set(due).difference(cast))

    def _send(self, run_ids: list[str]
              ) -> list[tuple[list[str], datetime.datetime]]:
        """Cast ``run_ids`` in messages; return ``(ids, cast time)`` of
        each message cast."""
        casts = []
        for start in range(0, len(run_ids), self._batch_size):
            chunk = run_ids[start:start + self._batch_size]
            # Read before the cast: an executor may claim the runs before
            # the cast returns, and their dispatched_at must not be later
            # than their started_at.
            cast_at = self._clock()
            try:
                # A bounded retry: while the broker is away the runs wait
                # in the database, not in this process's memory.
                self._api.execute_runs(chunk, cast_at, retry=3)
            except Exception as exc:
                self.outages.failed(cast_at, exc)
                LOG.debug('Could not cast %d runs; the sweep will retry',
                          len(chunk))
                continue
            self.outages.succeeded(self._clock())
            casts.append((chunk, cast_at))
        return casts

    def _record_loop(self) -> None:
        while True:
            items = _drain(self._sent)
            try:
                casts = [cast for item in items if item is not None
                         for cast in item]
                if casts:
                    self._record(casts)
            finally:
                for _ in items:
                    self._sent.task_done()
            if None in items:
                return

    def _record(self, casts: list[tuple[list[str], datetime.datetime]]
                ) -> None:
        run_ids = [run_id for ids, _ in casts for run_id in ids]
        try:
            db_api.mark_dispatched(
                casts, fill_claimed=not self._api.sends_cast_time)
            self.cast_count += len(run_ids)
        except Exception as exc:
            # An unreachable database is said by the loop, once.
            LOG.warning('Could not record the cast of %d runs (%s); the '
                        'sweep may cast them again', len(run_ids),
                        type(exc).__name__,
                        exc_info=not db_errors.is_unreachable(exc))
        finally:
            self._forget(run_ids)
