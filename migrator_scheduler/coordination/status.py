"""A read-only view of the scheduler group: who owns which buckets."""

from __future__ import annotations

import collections.abc
import datetime
import time

from oslo_config import cfg
from oslo_log import log as logging
from tooz import coordination

from migrator_scheduler.coordination import health
from migrator_scheduler.coordination import membership
from migrator_scheduler.coordination import ring
from migrator_scheduler.coordination import timing
from migrator_scheduler.coordination import tooz_compat
from migrator_scheduler.coordination import view
from migrator_scheduler.db import api as db_api

LOG = logging.getLogger(__name__)

# Seconds ``cluster status`` waits before checking problems again: more
# than a watch interval and a status report.
DEFAULT_SETTLE = 3.0

Members = (collections.abc.Mapping[bytes, int] |
           collections.abc.Iterable[bytes])


def member_host(member_id: bytes) -> str:
    """Return the ``host`` part of a scheduler's member id.

    The inverse of
    :func:`migrator_scheduler.coordination.membership.make_member_id`.
    """
    return member_id.decode().split(':', 1)[0]


def assign(members: Members, ring_points: int,
           num_buckets: int) -> dict[bytes, frozenset[int]]:
    """Return ``{member: buckets}`` as the schedulers compute it.

    :param members: ``{member id: weight}``, or member ids of weight 1.
    """
    if isinstance(members, collections.abc.Mapping):
        weights = dict(members)
    else:
        weights = dict.fromkeys(members, 1)
    assigned = ring.assign_buckets(weights, ring_points, num_buckets)
    return {member: frozenset(b) for member, b in assigned.items()}


class GroupObserver:
    """Reads the members of a tooz group without joining it.

    Nothing is connected before :meth:`start`; used as a context manager,
    it starts and stops itself.
    """

    def __init__(self, backend_url: str, group: str, member_id: str,
                 ring_points: int, num_buckets: int) -> None:
        self._backend_url = backend_url
        self._group = group.encode()
        self._member_id = member_id.encode()
        self._ring_points = ring_points
        self._num_buckets = num_buckets
        self._coordinator: coordination.CoordinationDriver | None = None

    def __enter__(self) -> GroupObserver:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        """Connect to the coordination backend."""
        coordinator = coordination.get_coordinator(
            self._backend_url, self._member_id,
            **membership.backend_options(self._backend_url))
        coordinator.start()
        self._coordinator = coordinator
        LOG.debug('Observing group %s as %s', self._group.decode(),
                  self._member_id.decode())

    def stop(self) -> None:
        """Disconnect; does nothing when not connected."""
        coordinator, self._coordinator = self._coordinator, None
        if coordinator is not None:
            coordinator.stop()

    def _connected(self) -> coordination.CoordinationDriver:
        if self._coordinator is None:
            raise RuntimeError('GroupObserver used before start()')
        return self._coordinator

    def members(self) -> set[bytes]:
        """Return the member ids in the group; none if it does not exist."""
        try:
            return set(self._connected().get_members(self._group).get())
        except coordination.GroupNotCreated:
            LOG.debug('Group %s does not exist yet', self._group.decode())
            return set()

    def capabilities(self) -> dict[bytes, dict]:
        """Return ``{member id: capabilities}`` of the group's members.

        Capabilities that are not a dict are returned as ``{}``.
        """
        try:
            found = tooz_compat.members_with_capabilities(
                self._connected(), self._group)
        except coordination.GroupNotCreated:
            LOG.debug('Group %s does not exist yet', self._group.decode())
            return {}
        return {member: caps if isinstance(caps, dict) else {}
                for member, caps in found.items()}

    def assignment(self, members: Members | None = None
                   ) -> dict[bytes, frozenset[int]]:
        """Return ``{member: buckets}`` as the schedulers compute it.

        :param members: as for :func:`assign`; by default the current
            members, of weight 1 each.
        """
        if members is None:
            members = self.members()
        return assign(members, self._ring_points, self._num_buckets)


def cluster_status(conf: cfg.ConfigOpts,
                   settle: float = DEFAULT_SETTLE) -> dict:
    """Return the group, every scheduler's own view of it, and problems.

    Joins nothing: connects as an observer, lists the group and computes
    the ring the schedulers should all compute, then compares each
    scheduler's last report with it. A difference seen during a
    membership change is gone a moment later, so when there are
    problems the check is made again after ``settle`` seconds and that
    second report is returned.
    """
    report = _cluster_report(conf)
    if report['problems'] and settle > 0:
        time.sleep(settle)
        report = _cluster_report(conf)
    return report


def _cluster_report(conf: cfg.ConfigOpts) -> dict:
    now = db_api.database_time()
    num_buckets = int(db_api.get_deployment_value('num_buckets') or
                      conf.scheduler.num_buckets)
    problems = []
    group = None
    members: dict[bytes, dict] = {}
    try:
        with GroupObserver(
                conf.coordination.backend_url, conf.coordination.group_name,
                f'{conf.host}:status', conf.coordination.ring_points,
                num_buckets) as observer:
            members = observer.capabilities()
        group = {m.decode() for m in members}
    except coordination.ToozError as exc:
        problems.append(f'cannot list the group: {type(exc).__name__}: '
                        f'{exc}')
    assignment = assign(
        {m: view.weight_of(c) for m, c in members.items()},
        conf.coordination.ring_points, num_buckets)
    ring_id = view.fingerprint(assignment, num_buckets)
    schedulers, found = health.assess(
        db_api.list_schedulers(), group, ring_id, now,
        timing.stale_after(conf), num_buckets)
    problems.extend(found)
    bound = timing.rescue_after(conf)
    overdue = db_api.overdue_summary(
        now - datetime.timedelta(seconds=bound))
    problems.extend(health.overdue_problems(overdue, bound))
    if not members and db_api.count_rules():
        problems.append('no scheduler is a member of the group: rules '
                        'fire only if schedulers run')
    backlog = db_api.due_backlog_by_bucket(now)
    rows = []
    for member in sorted(assignment):
        buckets = assignment[member]
        rows.append({
            'member': member.decode(),
            'host': members[member].get('host', ''),
            'buckets': len(buckets),
            'due': sum(backlog.get(b, 0) for b in buckets),
        })
    return {
        'checked_at': now,
        'num_buckets': num_buckets,
        'ring': ring_id,
        'rescue_after': bound,
        'members': rows,
        'unowned_due': sum(backlog.values()) - sum(r['due'] for r in rows),
        'schedulers': schedulers,
        'overdue': overdue,
        'runs': db_api.run_counts_by_state(),
        'problems': problems,
        'healthy': not problems,
    }
