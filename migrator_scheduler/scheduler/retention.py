"""Retention: old finished runs are deleted in the background.

Every scheduler runs a :class:`RunPurger` thread, apart from the firing
loop so that a large backlog never delays a fire time. Every
``[scheduler] purge_interval`` seconds one of them, whichever wins the
claim in the database (:func:`migrator_scheduler.db.api.claim_purge`),
deletes the runs in a final state that finished more than
``[scheduler] run_retention_days`` ago; the others do nothing. Group
membership plays no part: a wrong view of the group can neither make two
schedulers purge nor leave the purge undone.
"""

from __future__ import annotations

import datetime
import threading
import time

from oslo_config import cfg
from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler.db import errors as db_errors

LOG = logging.getLogger(__name__)

# Runs deleted per transaction, and transactions per pass: a pass is
# bounded, and what is left waits for the next interval.
BATCH_SIZE = 1000
MAX_BATCHES = 100
# Seconds before trying again after a pass failed.
_RETRY_AFTER = 60.0


class RunPurger:
    """Deletes expired runs once per interval across all schedulers."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.conf = conf
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.purged = 0

    def start(self) -> None:
        """Start the purge thread, unless runs are kept for ever."""
        if not self.conf.scheduler.run_retention_days:
            LOG.info('Runs are kept for ever ([scheduler] '
                     'run_retention_days = 0)')
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop,
                                        name='run-purger', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread, after the batch it is deleting if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        outage = db_errors.OutageLog('run purge')
        wait = 0.0
        while not self._stop.wait(wait):
            try:
                wait = self.purge_once()
            except Exception as exc:
                # The thread must outlive a database outage.
                if db_errors.is_unreachable(exc):
                    outage.failed(exc)
                else:
                    LOG.exception('Purging old runs failed; retrying')
                wait = min(_RETRY_AFTER, self.conf.scheduler.purge_interval)
            else:
                outage.succeeded()

    def purge_once(self) -> float:
        """Purge if this scheduler wins this interval's claim.

        :returns: seconds until the next pass is due.
        """
        conf = self.conf.scheduler
        claim = db_api.claim_purge(conf.purge_interval)
        if not claim.won:
            return claim.wait
        started = time.monotonic()
        cutoff = claim.now - datetime.timedelta(days=conf.run_retention_days)
        deleted = db_api.purge_runs(cutoff, batch_size=BATCH_SIZE,
                                    max_batches=MAX_BATCHES, stop=self._stop)
        self.purged += deleted
        LOG.info('Purged %d runs finished before %s in %.2fs', deleted,
                 cutoff.isoformat(), time.monotonic() - started)
        if deleted >= BATCH_SIZE * MAX_BATCHES:
            LOG.info('More runs finished before %s are left; the next pass '
                     'goes on in %d s', cutoff.isoformat(),
                     conf.purge_interval)
        return claim.wait
