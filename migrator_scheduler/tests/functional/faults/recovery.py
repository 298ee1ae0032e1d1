"""What a fault left behind and how long the deployment took to catch up.

A fault's *backlog* is the runs due while it lasted; the deployment has
recovered once the last of them started. Recovery time is counted from
the moment the faulty part was back.
"""

from __future__ import annotations

import datetime

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures


def backlog(runs: list[dict], since: datetime.datetime,
            until: datetime.datetime) -> list[dict]:
    """The runs due from ``since`` to ``until``."""
    return [r for r in runs if since <= r['scheduled_for'] <= until]


def recovery_seconds(runs: list[dict], since: datetime.datetime,
                     until: datetime.datetime) -> float:
    """Seconds from ``until`` to the start of the last run due from
    ``since`` to ``until``."""
    last = max(r['started_at'] for r in backlog(runs, since, until))
    return (last - until).total_seconds()


def wait_started(since: datetime.datetime, until: datetime.datetime,
                 timeout: float) -> None:
    """Wait until every run due from ``since`` to ``until`` started."""
    def started():
        runs = backlog(cluster_mod.all_runs(), since, until)
        return runs and all(r['started_at'] is not None for r in runs)

    ms_fixtures.wait_for(started, timeout, 'the backlog to start',
                         interval=cluster_mod.POLL_INTERVAL)
