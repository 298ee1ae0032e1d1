"""How long the group takes to notice things, and the bounds built on it.

The scheduler (to rescue what nobody fired) and ``cluster status`` (to
flag it) use the same numbers, from the same configuration.
"""

from __future__ import annotations

import urllib.parse

from oslo_config import cfg

# tooz's ZooKeeper driver asks for a 10 s session unless the URL says.
DEFAULT_SESSION_TIMEOUT = 10.0
# Beyond a normal failover's worst case: time to commit a batch on a busy
# database, and to the next rescue check on a busy host.
RESCUE_MARGIN = 5.0
# A scheduler that has not reported for this many status intervals is
# shown as stale.
STALE_INTERVALS = 3


def session_timeout(backend_url: str) -> float:
    """Return the session timeout a tooz backend URL asks for, in seconds.

    The ``timeout`` query parameter, as tooz's ZooKeeper driver reads it;
    :data:`DEFAULT_SESSION_TIMEOUT` when absent or unreadable.
    """
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(backend_url).query)
    try:
        value = float(query['timeout'][-1])
    except (KeyError, ValueError, IndexError):
        return DEFAULT_SESSION_TIMEOUT
    return value if value > 0 else DEFAULT_SESSION_TIMEOUT


def rescue_after(conf: cfg.ConfigOpts) -> float:
    """Seconds after which overdue work is rescued by any scheduler.

    ``[scheduler] rescue_after`` when set; otherwise the longest a normal
    failover takes (a member's session expires, the others list the
    group, look at their new buckets) plus :data:`RESCUE_MARGIN`.
    """
    if conf.scheduler.rescue_after is not None:
        return conf.scheduler.rescue_after
    return (session_timeout(conf.coordination.backend_url) +
            2 * conf.coordination.watch_interval +
            conf.scheduler.max_idle_interval + RESCUE_MARGIN)


def stale_after(conf: cfg.ConfigOpts) -> float:
    """Seconds without a report after which a scheduler is stale."""
    return STALE_INTERVALS * conf.scheduler.status_interval
