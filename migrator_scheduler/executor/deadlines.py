"""Asks jobs to stop at their deadline, and gives up on those that don't.

One thread watches every running job's deadline. When it passes, the
job's context is cancelled (reason ``timeout``): a job that checks its
context, or waits on it, stops within moments. A job that has not
returned ``cancel_grace`` seconds later is handed to ``abandon``: its
attempt is recorded ``timed_out`` although its thread (which Python
cannot stop) is still busy.
"""

from __future__ import annotations

import collections.abc
import datetime
import heapq
import itertools
import threading

from oslo_log import log as logging

from migrator_scheduler.jobs import context as context_mod

LOG = logging.getLogger(__name__)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class DeadlineWatch:
    """Cancels contexts at their deadline; abandons them ``grace`` later.

    :param abandon: called with the context of a job that did not return
        within ``grace`` seconds of its deadline.
    """

    def __init__(self, grace: float,
                 abandon: collections.abc.Callable[
                     [context_mod.JobContext], None]) -> None:
        self._grace = datetime.timedelta(seconds=grace)
        self._abandon = abandon
        self._heap: list = []
        self._watched: dict[str, context_mod.JobContext] = {}
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def watch(self, context: context_mod.JobContext) -> None:
        """Watch ``context`` until :meth:`forget`; no-op without a
        deadline."""
        if context.deadline is None:
            return
        with self._wakeup:
            self._watched[context.run_id] = context
            heapq.heappush(self._heap, (context.deadline,
                                        next(self._order), context, False))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name='job-deadlines', daemon=True)
                self._thread.start()
            self._wakeup.notify()

    def forget(self, run_id: str) -> None:
        """Stop watching the job of ``run_id``: it returned."""
        with self._wakeup:
            self._watched.pop(run_id, None)

    def stop(self) -> None:
        with self._wakeup:
            self._stopped = True
            self._wakeup.notify()

    def _loop(self) -> None:
        while True:
            with self._wakeup:
                due = self._next_due()
                if self._stopped:
                    return
                if due is None:
                    continue
            self._act(*due)

    def _next_due(self):
        """Under the lock: wait for, then pop, the next entry due."""
        while not self._stopped:
            if not self._heap:
                self._wakeup.wait()
                continue
            when, _, context, abandon = self._heap[0]
            if self._watched.get(context.run_id) is not context:
                heapq.heappop(self._heap)
                continue
            left = (when - _utcnow()).total_seconds()
            if left > 0:
                self._wakeup.wait(left)
                continue
            heapq.heappop(self._heap)
            if abandon:
                self._watched.pop(context.run_id, None)
            else:
                heapq.heappush(self._heap, (when + self._grace,
                                            next(self._order), context,
                                            True))
            return context, abandon
        return None

    def _act(self, context: context_mod.JobContext, abandon: bool) -> None:
        if not abandon:
            context.log.warning('Deadline %s passed; asking the job to '
                                'stop', context.deadline.isoformat())
            context.cancel(context_mod.TIMEOUT)
            return
        try:
            self._abandon(context)
        except Exception:
            LOG.exception('Could not give up run %s', context.run_id)
