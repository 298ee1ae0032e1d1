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
from migrator_scheduler.executor import deadlines
from migrator_scheduler.executor import outcomes as outcomes_mod
from migrator_scheduler.executor import policy
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
                 db_retry_for: float = 0.0,
                 defaults: policy.Defaults = policy.Defaults()) -> None:
        self._host = host
        self._defaults = defaults
        self._workers = workers
        self._slots = threading.Semaphore(workers)
        self._pool = futurist.ThreadPoolExecutor(max_workers=workers)
        self._running: dict[str, str] = {}
        self._runs: dict[str, dict] = {}
        self._contexts: dict[str, context_mod.JobContext] = {}
        self._running_lock = threading.Lock()
        self._retry_for = db_retry_for
        # Set when stopping: calls waiting for the database give up.
        self._stopping = threading.Event()
        self._recorder = outcomes_mod.OutcomeRecorder(
            self._recorded, finish=self._finish_runs,
            retry_for=db_retry_for)
        self._recorder.start()
        # Runs whose job overran its deadline and grace: their attempt is
        # recorded as timed out while their worker is busy until the job
        # returns. The slot is released once both happened: the count of
        # those two events still to come.
        self._abandoned: dict[str, int] = {}
        self._deadlines = deadlines.DeadlineWatch(defaults.cancel_grace,
                                                  self._abandon)

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
                                      dispatched_at=cast_at,
                                      defaults=self._defaults.admission),
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
            for run_id in db_api.cancel_requested(run_ids):
                with self._running_lock:
                    context = self._contexts.get(run_id)
                if context is not None and not context.cancelled.is_set():
                    context.log.warning('Cancelling the run: a newer run of '
                                        'its rule replaces it')
                    context.cancel(context_mod.CANCELLED)

    def _finish_runs(self, outcomes: list[dict]) -> list[str]:
        """Record outcomes; start at once the runs that waited for
        them (the sweep would cast them otherwise)."""
        promoted: list[dict] = []
        recorded = db_api.finish_runs(outcomes, self._defaults.admission,
                                      promoted)
        if promoted and not self._stopping.is_set():
            LOG.debug('Starting %d runs that waited for a run of their '
                      'rule or key to end', len(promoted))
            threading.Thread(
                target=self._start_promoted,
                args=([run['id'] for run in promoted],),
                name='promoted-runs', daemon=True).start()
        return recorded

    def _start_promoted(self, run_ids: list[str]) -> None:
        try:
            self.execute_runs(run_ids)
        except Exception:
            LOG.exception('Could not start %d runs that had waited; the '
                          'sweep casts them', len(run_ids))

    def stop_retrying(self) -> None:
        """Make calls waiting for the database give up now: the service
        is stopping."""
        self._stopping.set()

    def stop(self, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, let running jobs finish and
        record their outcomes."""
        self.stop_retrying()
        self._pool.shutdown(wait=wait)
        self._deadlines.stop()
        if wait:
            self._recorder.stop()

    def _start(self, run: dict, token: str) -> None:
        with self._running_lock:
            self._running[run['id']] = token
            self._runs[run['id']] = run
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
        context = self._context(run, token)
        with self._running_lock:
            self._contexts[run['id']] = context
        self._deadlines.watch(context)
        started = time.monotonic()
        try:
            driver = jobs.get_driver(run['job_type'])
            # Rules stored before their driver checked its arguments (or
            # written around the API) fail here, naming the field.
            driver.validate_args(run['job_args'])
            value = driver.execute(context, run['job_args'])
            result = json.dumps(value) if value is not None else None
        except Exception as exc:
            ending = policy.ending_of(exc, context)
            error = f'{type(exc).__name__}: {exc}'[:_MAX_ERROR_LENGTH]
            self._end(run, token, context, ending, error,
                      time.monotonic() - started)
        else:
            self._end(run, token, context, None, None,
                      time.monotonic() - started, result=result)

    def _end(self, run: dict, token: str,
             context: context_mod.JobContext,
             ending: policy.Ending | None, error: str | None,
             seconds: float, result: str | None = None) -> None:
        """Log how the attempt ended and hand its outcome over."""
        self._deadlines.forget(run['id'])
        with self._running_lock:
            self._contexts.pop(run['id'], None)
        if self._abandoned_event(run['id']):
            context.log.warning('Job returned %.0fs after it was given up',
                                seconds)
            return
        now = _utcnow()
        name = (f"Run {run['id']} of rule {run['rule_name']} "
                f"({run['rule_id']}) for {run['scheduled_for'].isoformat()}")
        if ending is None:
            LOG.info('%s succeeded in %.3fs (attempt %d)', name, seconds,
                     run['attempt'])
            state, retry_at = 'succeeded', None
        else:
            state = ending.state
            retry_at = policy.retry_at(run, ending, self._defaults, now)
            then = (f'retried at {retry_at.isoformat()}' if retry_at else
                    'no retry')
            LOG.warning('%s: attempt %d %s after %.1fs, %s: %s', name,
                        run['attempt'], state.replace('_', ' '), seconds,
                        then, error)
        # The slot and the heartbeat are kept until the outcome is
        # recorded: see :mod:`migrator_scheduler.executor.outcomes`.
        self._recorder.put(outcomes_mod.outcome(
            run['id'], token, state, now, result=result, error=error,
            retry_at=retry_at))

    def _abandon(self, context: context_mod.JobContext) -> None:
        """Record the attempt of a job that ignored its deadline."""
        with self._running_lock:
            run = self._runs.get(context.run_id)
            if run is None:
                return
            token = self._running[context.run_id]
            self._abandoned[context.run_id] = 2
        grace = self._defaults.cancel_grace
        context.log.error('Job did not stop within %ds of its deadline; its '
                          'attempt is recorded as timed out, its worker '
                          'stays busy until it returns', grace)
        ending = policy.Ending('timed_out', True)
        now = _utcnow()
        self._recorder.put(outcomes_mod.outcome(
            run['id'], token, ending.state, now,
            error=f'did not stop within {grace}s of its deadline',
            retry_at=policy.retry_at(run, ending, self._defaults, now)))

    def _context(self, run: dict, token: str) -> context_mod.JobContext:
        ids = {'run_id': run['id'], 'rule_id': run['rule_id']}
        return context_mod.JobContext(
            run_id=run['id'], rule_id=run['rule_id'],
            rule_name=run['rule_name'], project_id=run['project_id'],
            scheduled_for=run['scheduled_for'], attempt=run['attempt'],
            deadline=policy.deadline_of(run, self._defaults, _utcnow()),
            log=context_mod.RunLogger(JOB_LOG, ids),
            claim_check=lambda: db_api.claim_is_valid(run['id'], token))

    def _abandoned_event(self, run_id: str) -> bool:
        """Count one of the two ends of an abandoned run (its outcome
        recorded, its job returned); release its slot after both.

        :returns: whether ``run_id`` was abandoned.
        """
        with self._running_lock:
            left = self._abandoned.get(run_id)
            if left is None:
                return False
            if left > 1:
                self._abandoned[run_id] = left - 1
                return True
            del self._abandoned[run_id]
        self._release(1)
        return True

    def _recorded(self, run_ids: list[str]) -> None:
        with self._running_lock:
            for run_id in run_ids:
                self._running.pop(run_id, None)
                self._runs.pop(run_id, None)
        self._release(len([run_id for run_id in run_ids
                           if not self._abandoned_event(run_id)]))
