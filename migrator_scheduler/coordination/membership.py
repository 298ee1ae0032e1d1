"""Bucket ownership through a tooz partitioned group.

Ownership is a load-spreading mechanism, not a lock: during every
membership change two schedulers may both believe they own a bucket, or
neither does, for up to a watch interval (or a session timeout when a
member dies). Exactly-once firing comes from the database; see
:mod:`migrator_scheduler.db.api`.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

from oslo_log import log as logging
from tooz import coordination
from tooz import partitioner as tooz_partitioner

from migrator_scheduler.coordination import ring

LOG = logging.getLogger(__name__)


def make_member_id(host: str) -> bytes:
    """Return a member id unique to this process and start."""
    return f'{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}'.encode()


class BucketMembership:
    """Membership of one scheduler in the group, and the buckets it owns.

    Not thread-safe: one thread (the scheduler loop) calls :meth:`poll`.
    Nothing happens before :meth:`start`, so the object may be built
    before the service process forks.
    """

    def __init__(self, backend_url: str, group_name: str, host: str,
                 num_buckets: int, ring_points: int,
                 membership_check_interval: float) -> None:
        self._backend_url = backend_url
        self._group = group_name.encode()
        self._host = host
        self._num_buckets = num_buckets
        self._ring_points = ring_points
        self._check_interval = membership_check_interval
        self.member_id = make_member_id(host)
        self._coordinator = None
        self._partitioner = None
        self._owned: frozenset[int] = frozenset()
        self._changed = threading.Event()
        self._next_check = 0.0

    @property
    def owned_buckets(self) -> frozenset[int]:
        """Buckets this member owns, as last computed."""
        return self._owned

    def start(self) -> None:
        """Connect, join the group and compute the owned buckets."""
        self._coordinator = coordination.get_coordinator(
            self._backend_url, self.member_id)
        self._coordinator.start(start_heart=True)
        self._join()

    def stop(self) -> None:
        """Leave the group at once so peers take the buckets over now."""
        if self._coordinator is None:
            return
        try:
            if self._partitioner is not None:
                self._partitioner.stop()
            self._coordinator.leave_group(self._group).get()
        except coordination.ToozError:
            LOG.warning('Could not leave group %s cleanly; peers will take '
                        'over when the session expires', self._group,
                        exc_info=True)
        finally:
            try:
                self._coordinator.stop()
            except coordination.ToozError:
                LOG.debug('Coordinator stop failed', exc_info=True)
            self._coordinator = None
            self._partitioner = None

    def poll(self, timeout: float | None = None) -> bool:
        """Process membership events; return True if ownership changed.

        On any coordination error the current ownership is kept: firing
        stays correct through the database while the coordination service
        is unreachable.
        """
        try:
            self._coordinator.run_watchers(timeout=timeout)
            if time.monotonic() >= self._next_check:
                self._next_check = time.monotonic() + self._check_interval
                self._ensure_member()
        except coordination.ToozError as exc:
            LOG.warning('Coordination backend unavailable (%s); keeping '
                        'the %d buckets owned so far',
                        type(exc).__name__, len(self._owned))
            return False
        if not self._changed.is_set():
            return False
        self._changed.clear()
        return self._recompute()

    def members(self) -> set[bytes]:
        """Return the current members of the group."""
        return set(self._coordinator.get_members(self._group).get())

    def _join(self) -> None:
        if self._partitioner is not None:
            self._partitioner.stop()
            self._partitioner = None
        capabilities = {'weight': 1, 'host': self._host}
        while True:
            try:
                self._coordinator.join_group_create(
                    self._group, capabilities=capabilities)
                break
            except coordination.MemberAlreadyExist:
                break
        self._partitioner = tooz_partitioner.Partitioner(
            self._coordinator, self._group, partitions=self._ring_points)
        self._coordinator.watch_join_group(self._group, self._on_change)
        self._coordinator.watch_leave_group(self._group, self._on_change)
        self._next_check = time.monotonic() + self._check_interval
        self._recompute()
        LOG.info('Joined group %s as %s owning %d of %d buckets',
                 self._group.decode(), self.member_id.decode(),
                 len(self._owned), self._num_buckets)

    def _ensure_member(self) -> None:
        # After a session expiry the member's ephemeral node is gone and
        # tooz does not join again by itself.
        if self.member_id in self.members():
            return
        LOG.warning('Member %s is no longer in group %s (session expired?); '
                    'joining again', self.member_id.decode(),
                    self._group.decode())
        self._coordinator.unwatch_join_group(self._group, self._on_change)
        self._coordinator.unwatch_leave_group(self._group, self._on_change)
        self._join()
        self._changed.set()

    def _on_change(self, event) -> None:
        self._changed.set()

    def _recompute(self) -> bool:
        owned = ring.owned_buckets(self._partitioner.ring, self.member_id,
                                   self._num_buckets)
        if owned == self._owned:
            return False
        LOG.info('Bucket ownership changed: now %d buckets (was %d), '
                 '%d members', len(owned), len(self._owned),
                 len(self._partitioner.ring.nodes))
        self._owned = owned
        return True
