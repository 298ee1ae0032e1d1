"""Records the outcomes of finished runs, many per transaction.

Every outcome is a database commit, and a commit waits for the write-ahead
log to reach the disk: recorded one by one, a burst of short jobs is
limited by the disk's flush rate, not by the jobs. One thread records
whatever outcomes are waiting in one transaction, so while a commit is in
flight the next outcomes gather for the following one (group commit). An
outcome waits for no timer: alone, it is recorded at once.

Until its outcome is recorded a run stays ``running`` in the database and
in the executor's heartbeat set, so a crash in between looks exactly like
a crash during the job: the run is reaped as lost and retried.

While the database is unreachable (restarted, failing over) outcomes are
kept and written again for up to ``retry_for`` seconds: a job that ended
during the outage is recorded once the database is back, not reaped and
run a second time. An outcome still unwritten after that is given up
like any other database error.
"""

from __future__ import annotations

import collections.abc
import datetime
import queue
import threading

from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import errors as db_errors

LOG = logging.getLogger(__name__)

# Outcomes recorded in one transaction at most.
MAX_BATCH = 200


class OutcomeRecorder:
    """A thread that records outcomes and then calls ``done(run_ids)``.

    ``done`` is called for every outcome handed over, recorded or not
    (a database error is logged; the run is then reaped as lost).

    :param retry_for: seconds to keep writing outcomes again while the
        database is unreachable; at most the time after which a run
        without heartbeat is declared lost, since the run is held (and
        heart-beaten) meanwhile.
    """

    def __init__(self, done: collections.abc.Callable[[list[str]], None],
                 finish: collections.abc.Callable[[list[dict]], list[str]]
                 | None = None,
                 retry_for: float = 0.0,
                 pauses: tuple[float, float] = db_errors.PAUSES) -> None:
        self._done = done
        self._finish_runs = finish
        self._retry_for = retry_for
        self._pauses = pauses
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # Set by stop(): write what is queued once, wait for nothing.
        self._stopping = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop,
                                        name='outcome-recorder', daemon=True)
        self._thread.start()

    def put(self, outcome: dict) -> None:
        """Queue an outcome: a dict of :func:`db_api.finish_runs`."""
        self._queue.put(outcome)

    def stop(self) -> None:
        """Record what is queued, then stop the thread. Idempotent."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            self._queue.put(None)
            thread.join()

    def _loop(self) -> None:
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stopping = None in batch
            outcomes = [o for o in batch if o is not None]
            if outcomes:
                self._record(outcomes)

    def _record(self, outcomes: list[dict]) -> None:
        ids = [o['id'] for o in outcomes]
        try:
            recorded = self._finish(outcomes)
        except Exception:
            LOG.exception('Could not record the outcome of %d runs: %s',
                          len(ids), ', '.join(ids[:20]))
        else:
            for run_id in sorted(set(ids) - set(recorded)):
                LOG.warning('Run %s finished after it was declared lost; '
                            'its outcome was not recorded', run_id)
        finally:
            self._done(ids)

    def _finish(self, outcomes: list[dict]) -> list[str]:
        return db_errors.retry_while_unreachable(
            lambda: (self._finish_runs or db_api.finish_runs)(outcomes),
            self._retry_for,
            f'writing the outcome of {len(outcomes)} runs',
            stop=self._stopping, pauses=self._pauses)


def outcome(run_id: str, claim_token: str, state: str,
            finished_at: datetime.datetime, result: str | None = None,
            error: str | None = None,
            retry_at: datetime.datetime | None = None) -> dict:
    """An outcome as :func:`db_api.finish_runs` takes it."""
    return {'id': run_id, 'claim_token': claim_token, 'state': state,
            'finished_at': finished_at, 'result': result, 'error': error,
            'retry_at': retry_at}
