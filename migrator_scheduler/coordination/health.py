"""Judging the schedulers' reports against the group and the database.

Pure: every input is a parameter, so each verdict is unit-tested. Used
by ``cluster status`` (see :func:`migrator_scheduler.coordination.status.
cluster_status`).
"""

from __future__ import annotations

import collections
import collections.abc
import datetime

OK = 'ok'
GONE = 'gone'
STALE = 'stale'
SKEWED = 'clock-skewed'
OUTSIDE = 'outside-group'
DISAGREES = 'disagrees'


def _age(report: dict, now: datetime.datetime) -> float:
    return (now - report['reported_at']).total_seconds()


def _verdict(report: dict, group: collections.abc.Set[str] | None,
             ring: str | None, now: datetime.datetime,
             stale_after: float) -> str:
    in_group = group is None or report['member_id'] in group
    if _age(report, now) > stale_after:
        return STALE if in_group else GONE
    if report['state'] == SKEWED:
        return SKEWED
    if not in_group:
        return OUTSIDE
    if group is not None and (set(report['members']) != set(group) or
                              report['ring_fingerprint'] != ring):
        return DISAGREES
    return OK


def _name(report: dict) -> str:
    return f"{report['host']} ({report['member_id']})"


def _problem(report: dict, verdict: str, group, ring: str | None,
             now: datetime.datetime) -> str | None:
    name = _name(report)
    if verdict == STALE:
        return (f'scheduler {name} is a member of the group but has not '
                f'reported for {_age(report, now):.0f}s: its loop is stuck '
                f'or starved; its buckets are fired only by the rescue')
    if verdict == SKEWED:
        return (f'scheduler {name} refuses to fire: its clock is '
                f'{-(report["clock_offset"] or 0):+.1f}s off the '
                f'database server\'s')
    if verdict == OUTSIDE:
        return (f'scheduler {name} is running but is not a member of the '
                f'group (cut off from the coordination backend?)')
    if verdict == DISAGREES:
        seen = set(report['members'])
        missing = sorted(set(group) - seen)
        extra = sorted(seen - set(group))
        return (f'scheduler {name} sees {len(seen)} members (ring '
                f'{report["ring_fingerprint"]}), the group has '
                f'{len(group)} (ring {ring}); it misses '
                f'{", ".join(missing) or "none"} and sees '
                f'{", ".join(extra) or "no one"} more')
    return None


def assess(reports: list[dict], group: collections.abc.Set[str] | None,
           ring: str | None, now: datetime.datetime, stale_after: float,
           num_buckets: int) -> tuple[list[dict], list[str]]:
    """Give each report a verdict and list what is wrong.

    :param reports: the schedulers' reports (``db_api.list_schedulers``).
    :param group: member ids in the group now; None if it could not be
        listed (nothing is then judged against it).
    :param ring: fingerprint of the ring of ``group``.
    :param now: the database server's time.
    :returns: ``(reports with a 'verdict' key, problems)``.
    """
    problems, judged = [], []
    for report in reports:
        verdict = _verdict(report, group, ring, now, stale_after)
        judged.append(dict(report, verdict=verdict))
        problem = _problem(report, verdict, group, ring, now)
        if problem:
            problems.append(problem)
        if report['num_buckets'] != num_buckets and verdict != GONE:
            problems.append(f'scheduler {_name(report)} uses '
                            f'{report["num_buckets"]} buckets, the '
                            f'deployment {num_buckets}')
    live = [r for r in judged if r['verdict'] != GONE]
    if group is not None:
        reporting = {r['member_id'] for r in live}
        for member in sorted(set(group) - reporting):
            problems.append(
                f'member {member} is in the group but no running scheduler '
                f'reports as it: the buckets the ring gives it are fired '
                f'only by the rescue')
    versions = collections.defaultdict(list)
    for report in live:
        versions[report['tz_version'] or 'unknown'].append(report['host'])
    if len(versions) > 1:
        problems.append('schedulers compute fire times with different tz '
                        'databases: ' + '; '.join(
                            f'{v} on {", ".join(sorted(hosts))}'
                            for v, hosts in sorted(versions.items())))
    return judged, problems


def overdue_problems(overdue: dict, bound: float) -> list[str]:
    """Problems of :func:`migrator_scheduler.db.api.overdue_summary`."""
    problems = []
    if overdue['rules']:
        problems.append(
            f'{overdue["rules"]} rules are due for more than {bound:.0f}s '
            f'and not fired (oldest due at '
            f'{overdue["oldest_rule"].isoformat()})')
    if overdue['uncast_runs']:
        problems.append(
            f'{overdue["uncast_runs"]} runs are due for more than '
            f'{bound:.0f}s and were never cast (oldest due at '
            f'{overdue["oldest_run"].isoformat()})')
    return problems
