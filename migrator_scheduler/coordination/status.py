"""A read-only view of the scheduler group: who owns which buckets."""

from __future__ import annotations

import datetime

from oslo_config import cfg
from tooz import coordination

from migrator_scheduler.coordination import ring
from migrator_scheduler.db import api as db_api


def cluster_status(conf: cfg.ConfigOpts,
                   now: datetime.datetime | None = None) -> dict:
    """Return members, their buckets and the due backlog of each.

    Joins nothing: connects as an observer, reads the group and computes
    the same ring the schedulers compute.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    num_buckets = int(db_api.get_deployment_value('num_buckets') or
                      conf.scheduler.num_buckets)
    group = conf.coordination.group_name.encode()
    observer = coordination.get_coordinator(
        conf.coordination.backend_url,
        f'{conf.host}:status'.encode())
    observer.start()
    try:
        try:
            members = observer.get_members_with_capabilities(group).get()
        except coordination.GroupNotCreated:
            members = {}
    finally:
        observer.stop()
    weights = {m: (c.get('weight', 1) if isinstance(c, dict) else 1)
               for m, c in members.items()}
    assignment = ring.assign_buckets(
        weights, conf.coordination.ring_points, num_buckets)
    backlog = db_api.due_backlog_by_bucket(now)
    rows = []
    for member in sorted(assignment):
        buckets = assignment[member]
        caps = members[member] if isinstance(members[member], dict) else {}
        rows.append({
            'member': member.decode(),
            'host': caps.get('host', ''),
            'buckets': len(buckets),
            'due': sum(backlog.get(b, 0) for b in buckets),
        })
    return {
        'num_buckets': num_buckets,
        'members': rows,
        'unowned_due': sum(backlog.values()) - sum(r['due'] for r in rows),
        'runs': db_api.run_counts_by_state(),
    }
