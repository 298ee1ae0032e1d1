"""What fault tests measure: how soon a deployment caught up after a fault.

The rules of a test share one grid of fire times
(:func:`~..cluster.create_rules`); a fault falls between two of them. A
fault's *backlog* is the runs due while it lasted; the deployment has
recovered once the last of them started (``started_at`` is the
executor's claim). Recovery time is counted from the moment the faulty
part was back.
"""

from __future__ import annotations

import collections
import collections.abc
import datetime

from migrator_scheduler.tests.functional import cluster as cluster_mod
from migrator_scheduler.tests.functional import fixtures as ms_fixtures


def instants(rules: dict[str, cluster_mod.Rule], after: datetime.datetime,
             until: datetime.datetime) -> list[datetime.datetime]:
    """The fire times of the rules' shared grid in ``(after, until]``."""
    rule = next(iter(rules.values()))
    elapsed = (after - rule.first_fire) / rule.period
    when = rule.first_fire + rule.period * max(0, int(elapsed) + 1)
    found = []
    while when <= until:
        if when > after:
            found.append(when)
        when += rule.period
    return found


def next_instant(rules: dict[str, cluster_mod.Rule],
                 after: datetime.datetime) -> datetime.datetime:
    """The first fire time of the rules' shared grid after ``after``."""
    rule = next(iter(rules.values()))
    return instants(rules, after, after + rule.period)[0]


def last_starts(runs: list[dict]) -> dict[datetime.datetime,
                                          datetime.datetime]:
    """``{fire time: when its last run started}`` over started runs."""
    latest: dict = {}
    for run in runs:
        started = run['started_at']
        if started is None:
            continue
        when = run['scheduled_for']
        if when not in latest or started > latest[when]:
            latest[when] = started
    return latest


def wait_caught_up(rules: dict[str, cluster_mod.Rule],
                   until: datetime.datetime, timeout: float) -> list[dict]:
    """Wait until every rule has a succeeded run for each of its fire
    times up to ``until``; return the runs then.

    :raises AssertionError: naming how many are missing after
        ``timeout`` seconds.
    """
    rule = next(iter(rules.values()))
    wanted = instants(rules, rule.first_fire - rule.period, until)
    missing: list = []

    def caught_up():
        runs = cluster_mod.all_runs()
        done = collections.defaultdict(set)
        for run in runs:
            if run['state'] == 'succeeded':
                done[run['scheduled_for']].add(run['rule_id'])
        missing[:] = [(when, len(rules) - len(done[when]))
                      for when in wanted if len(done[when]) < len(rules)]
        return runs if not missing else None

    try:
        return ms_fixtures.wait_for(caught_up, timeout,
                                    f'every fire time up to {until} to run',
                                    interval=cluster_mod.POLL_INTERVAL)
    except TimeoutError as exc:
        raise AssertionError(
            f'{exc}; runs missing per fire time: {missing[:10]}') from None


def seconds(delta: datetime.timedelta) -> float:
    return delta.total_seconds()


def last_logged(cluster: cluster_mod.Cluster, name: str, text: str
                ) -> datetime.datetime | None:
    """When process ``name`` last logged a line containing ``text``.

    oslo.log starts each line with the local time, to the millisecond.
    """
    lines = cluster.log_lines(name, text)
    if not lines:
        return None
    stamp = ' '.join(lines[-1].split()[:2])
    local = datetime.datetime.strptime(stamp, '%Y-%m-%d %H:%M:%S.%f')
    return local.astimezone(datetime.timezone.utc)


def log_counts(cluster: cluster_mod.Cluster,
               texts: collections.abc.Iterable[str]) -> dict[str, int]:
    """``{text: how often it occurs in the logs of every process}``."""
    logs = [p.log_text() for p in cluster.processes.processes.values()]
    return {text: sum(log.count(text) for log in logs) for text in texts}


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
