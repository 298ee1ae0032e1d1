"""Firing due rules batch after batch, for the loop and the rescue."""

from __future__ import annotations

import collections.abc
import datetime

from oslo_config import cfg
from oslo_log import log as logging

from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import planner as planner_mod
from migrator_scheduler.triggers import spread as spread_mod

LOG = logging.getLogger(__name__)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def fire_in_batches(conf: cfg.ConfigOpts,
                    buckets: collections.abc.Collection[int] | None,
                    submit: collections.abc.Callable[[list[dict]], int],
                    ahead: float = 0.0,
                    due_before: float | None = None
                    ) -> tuple[int, set[int]]:
    """Fire the due rules of ``buckets`` until none is left.

    Each batch of ``[scheduler] batch_size`` rules is one transaction
    (:func:`migrator_scheduler.db.api.fire_due_rules`); its runs go to
    ``submit`` as soon as it is committed.

    :param ahead: seconds ahead of now up to which runs are created.
    :param due_before: only rules due at least this many seconds ago.
    :returns: ``(rules fired, buckets of the runs created)``.
    """
    scheduler_conf = conf.scheduler
    default_spread = spread_mod.Spread(scheduler_conf.default_spread_window,
                                       scheduler_conf.default_jitter)
    total, touched = 0, set()
    while True:
        now = _utcnow()
        horizon = now + datetime.timedelta(seconds=ahead)
        due_by = (None if due_before is None else
                  now - datetime.timedelta(seconds=due_before))
        planner = planner_mod.Planner(
            now, scheduler_conf.misfire_grace_time,
            scheduler_conf.max_catchup_per_cycle, horizon=horizon,
            default_spread=default_spread)
        try:
            fired, runs = db_api.fire_due_rules(
                buckets, now, planner, scheduler_conf.batch_size,
                horizon=horizon, due_by=due_by)
        except db_api.LostRace as exc:
            # Another scheduler is firing the same rules; they are its to
            # fire, and the next round re-reads the rest.
            LOG.debug('Batch rolled back: %s', exc)
            break
        if runs:
            submit(runs)
            touched.update(run['bucket'] for run in runs)
        total += fired
        if fired < scheduler_conf.batch_size:
            break
    return total, touched
