"""Executor: claims runs cast by schedulers and runs their jobs.

Delivery: oslo.messaging acknowledges a message before the endpoint
(:mod:`.endpoint`) hands it here, so a message may be lost with a dying
executor; the scheduler's sweep casts such runs again. A message may also
arrive twice; the claim (a compare-and-swap from ``pending`` to
``running``) makes sure each attempt of a run starts once.

While the database is unreachable, claims and outcomes are tried again
for up to ``db_retry_for`` seconds: runs cast during a database
restart start as soon as it is back, without waiting for the sweep, and
jobs that ended during it are recorded instead of being run again.
"""

from __future__ import annotations

import datetime
import json
import threading
import time

import futurist
from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import errors as db_errors
from migrator_scheduler.executor import outcomes as outcomes_mod
from migrator_scheduler import jobs
from migrator_scheduler.jobs import context as context_mod

LOG = logging.getLogger(__name__)
# Where jobs log, each line prefixed with its run and rule.
JOB_LOG = logging.getLogger('migrator_scheduler.jobs').logger

_MAX_ERROR_LENGTH = 4000


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class ExecutorManager:
    """The bounded job pool of one executor process.

    :param db_retry_for: seconds to try a claim or an outcome again while
        the database is unreachable.
    """

    def __init__(self, host: str, workers: int,
                 db_retry_for: float = 0.0) -> None:
        self._host = host
        self._workers = workers
        self._slots = threading.Semaphore(workers)
        self._pool = futurist.ThreadPoolExecutor(max_workers=workers)
        self._running: dict[str, str] = {}
        self._running_lock = threading.Lock()
        self._retry_for = db_retry_for
        # Set when stopping: calls waiting for the database give up.
        self._stopping = threading.Event()
        self._recorder = outcomes_mod.OutcomeRecorder(
            self._recorded, retry_for=db_retry_for)
        self._recorder.start()

    def execute_runs(self, run_ids: list[str],
                     cast_at: datetime.datetime | None = None) -> None:
        """Claim and start ``run_ids``, at most ``workers`` at a time.

        ``cast_at``, when the scheduler cast them, is recorded as the
        claimed runs' ``dispatched_at``. Blocks while all workers are
        busy, which holds the message (and, through the prefetch limit,
        the queue) back for other executors.
        """
        pending = list(run_ids)
        while pending:
            # Take one slot blocking, then whatever else is free: a thread
            # waits only while it holds no slot, so threads cannot
            # deadlock each other holding partial sets of slots.
            self._slots.acquire()
            taken = 1
            while taken < len(pending) and self._slots.acquire(
                    blocking=False):
                taken += 1
            batch, pending = pending[:taken], pending[taken:]
            try:
                token, claimed = self._claim(batch, cast_at)
            except Exception:
                self._release(taken)
                raise
            self._release(taken - len(claimed))
            if len(claimed) < len(batch):
                LOG.debug('%d of %d runs were already claimed elsewhere',
                          len(batch) - len(claimed), len(batch))
            for run in claimed:
                self._start(run, token)

    def _claim(self, run_ids: list[str],
               cast_at: datetime.datetime | None
               ) -> tuple[str, list[dict]]:
        # The message was acknowledged already: giving up would leave the
        # runs to the sweep, seconds or a redispatch delay later.
        return db_errors.retry_while_unreachable(
            lambda: db_api.claim_runs(run_ids, self._host, _utcnow(),
                                      dispatched_at=cast_at),
            self._retry_for, f'claiming {len(run_ids)} runs',
            stop=self._stopping)

    def running_run_ids(self) -> list[str]:
        with self._running_lock:
            return list(self._running)

    def heartbeat(self) -> None:
        """Tell the database the runs of this process are still alive."""
        run_ids = self.running_run_ids()
        if run_ids:
            db_api.heartbeat_runs(run_ids, _utcnow())

    def stop_retrying(self) -> None:
        """Make calls waiting for the database give up now: the service
        is stopping."""
        self._stopping.set()

    def stop(self, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, let running jobs finish and
        record their outcomes."""
        self.stop_retrying()
        self._pool.shutdown(wait=wait)
        if wait:
            self._recorder.stop()

    def _start(self, run: dict, token: str) -> None:
        with self._running_lock:
            self._running[run['id']] = token
        try:
            self._pool.submit(self._execute, run, token)
        except RuntimeError:
            # Stopping: the pool takes no more jobs. The claimed run
            # stops heart-beating and is retried as a lost one.
            LOG.warning('Run %s was claimed while stopping; it will be '
                        'retried elsewhere', run['id'])
            self._recorded([run['id']])

    def _release(self, count: int) -> None:
        for _ in range(count):
            self._slots.release()

    def _execute(self, run: dict, token: str) -> None:
        state, result, error = 'succeeded', None, None
        started = time.monotonic()
        try:
            driver = jobs.get_driver(run['job_type'])
            # Rules stored before their driver checked its arguments (or
            # written around the API) fail here, naming the field.
            driver.validate_args(run['job_args'])
            outcome = driver.execute(self._context(run, token),
                                     run['job_args'])
            result = json.dumps(outcome) if outcome is not None else None
        except Exception as exc:
            state = 'failed'
            error = f'{type(exc).__name__}: {exc}'[:_MAX_ERROR_LENGTH]
            LOG.warning('Run %s of rule %s (%s) for %s failed: %s',
                        run['id'], run['rule_name'], run['rule_id'],
                        run['scheduled_for'].isoformat(), error)
        else:
            LOG.info('Run %s of rule %s (%s) for %s succeeded in %.3fs '
                     '(attempt %d)', run['id'], run['rule_name'],
                     run['rule_id'], run['scheduled_for'].isoformat(),
                     time.monotonic() - started, run['attempt'])
        # The slot and the heartbeat are kept until the outcome is
        # recorded: see :mod:`migrator_scheduler.executor.outcomes`.
        self._recorder.put(outcomes_mod.outcome(
            run['id'], token, state, _utcnow(), result=result, error=error))

    @staticmethod
    def _context(run: dict, token: str) -> context_mod.JobContext:
        ids = {'run_id': run['id'], 'rule_id': run['rule_id']}
        return context_mod.JobContext(
            run_id=run['id'], rule_id=run['rule_id'],
            rule_name=run['rule_name'], project_id=run['project_id'],
            scheduled_for=run['scheduled_for'], attempt=run['attempt'],
            deadline=None, log=context_mod.RunLogger(JOB_LOG, ids),
            claim_check=lambda: db_api.claim_is_valid(run['id'], token))

    def _recorded(self, run_ids: list[str]) -> None:
        with self._running_lock:
            for run_id in run_ids:
                self._running.pop(run_id, None)
        self._release(len(run_ids))
