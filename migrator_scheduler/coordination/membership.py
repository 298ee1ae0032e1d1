"""Bucket ownership through a tooz group.

Ownership is a load-spreading mechanism, not a lock: during every
membership change two schedulers may both believe they own a bucket, or
neither does, for up to a watch interval (or a session timeout when a
member dies). Exactly-once firing comes from the database (see
:mod:`migrator_scheduler.db.api`), and a rule that nobody fired is
rescued whatever the views say (see
:mod:`migrator_scheduler.scheduler.rescue`).

The picture of the group is rebuilt from a fresh member listing every
``watch_interval`` in a thread of its own, so neither a missed event nor
a slow coordination backend can freeze it or hold up firing; see
:mod:`migrator_scheduler.coordination.view`.
"""

from __future__ import annotations

import collections.abc
import datetime
import os
import threading
import time
import urllib.parse
import uuid

from oslo_log import log as logging
from tooz import coordination

from migrator_scheduler.coordination import tooz_compat
from migrator_scheduler.coordination import view as view_mod

LOG = logging.getLogger(__name__)

# Longest wait for one answer of the coordination backend: a member cut
# off from it must notice, and stop, in bounded time.
_OPERATION_TIMEOUT = 5.0
# While the backend stays unreachable, how often that is logged again.
_UNREACHABLE_LOG_INTERVAL = 60.0
# Longest pause between two attempts to reconnect to ZooKeeper.
_RECONNECT_MAX_DELAY = 1.0


def make_member_id(host: str) -> bytes:
    """Return a member id unique to this process and start."""
    return f'{host}:{os.getpid()}:{uuid.uuid4().hex[:8]}'.encode()


def backend_options(backend_url: str) -> dict:
    """Options of ours for the tooz driver of ``backend_url``.

    kazoo, under tooz's ZooKeeper driver, waits ever longer between two
    attempts to reconnect (doubling, up to minutes): after an outage of
    T seconds a scheduler would come back up to T seconds after
    ZooKeeper, by which time its session may have expired. Attempts are
    kept at most :data:`_RECONNECT_MAX_DELAY` apart instead.
    """
    if urllib.parse.urlsplit(backend_url).scheme != 'zookeeper':
        return {}
    return {'connection_retry': {'max_tries': -1, 'delay': 0.1,
                                 'backoff': 2, 'max_jitter': 0.4,
                                 'max_delay': _RECONNECT_MAX_DELAY}}


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class BucketMembership:
    """Membership of one scheduler in the group, and the buckets it owns.

    Nothing happens before :meth:`start`, so the object may be built
    before the service process forks. After it, a thread lists the group
    every ``watch_interval`` seconds; :attr:`owned_buckets` and
    :attr:`view` may be read from any thread.

    :param on_change: called (from the listing thread) when the owned
        buckets change, to wake the fire loop.
    """

    def __init__(self, backend_url: str, group_name: str, host: str,
                 num_buckets: int, ring_points: int, watch_interval: float,
                 reconcile_interval: float,
                 on_change: collections.abc.Callable[[], None] | None = None
                 ) -> None:
        self._backend_url = backend_url
        self._group = group_name.encode()
        self._host = host
        self._num_buckets = num_buckets
        self._ring_points = ring_points
        self._watch_interval = watch_interval
        self._reconcile_interval = reconcile_interval
        self._on_change = on_change
        self.member_id = make_member_id(host)
        self._coordinator = None
        self._view = view_mod.GroupView.empty(num_buckets)
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._next_reconcile = 0.0
        self._listed_at: datetime.datetime | None = None
        self._unreachable_since: float | None = None
        self._unreachable_logged = 0.0
        self._suspended = False
        self.rejoins = 0

    # ------------------------------------------------------------ reading

    @property
    def owned_buckets(self) -> frozenset[int]:
        """Buckets this member owns, as of the latest listing."""
        return self._view.owned

    @property
    def view(self) -> view_mod.GroupView:
        """The latest picture of the group."""
        return self._view

    @property
    def listed_at(self) -> datetime.datetime | None:
        """When the group was last listed successfully (UTC)."""
        return self._listed_at

    @property
    def suspended(self) -> bool:
        return self._suspended

    def take_change(self) -> bool:
        """Return whether the owned buckets changed, or this member joined
        again, since the last call."""
        if not self._changed.is_set():
            return False
        self._changed.clear()
        return True

    # ---------------------------------------------------------- lifecycle

    def start(self, suspended: bool = False) -> None:
        """Connect, join, list the group once, then keep listing it.

        :param suspended: start as after :meth:`suspend`: connected, but
            not a member until :meth:`resume`.
        """
        self._coordinator = coordination.get_coordinator(
            self._backend_url, self.member_id,
            **backend_options(self._backend_url))
        self._coordinator.start(start_heart=True)
        self._suspended = suspended
        if suspended:
            LOG.warning('Not joining group %s as %s until this scheduler '
                        'may fire', self._group.decode(),
                        self.member_id.decode())
        else:
            self._join()
        self.refresh()
        if not suspended:
            LOG.info('Joined group %s as %s owning %d of %d buckets',
                     self._group.decode(), self.member_id.decode(),
                     len(self.owned_buckets), self._num_buckets)
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._watch, name='group-watcher', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Leave the group at once so peers take the buckets over now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._coordinator is None:
            return
        try:
            self._leave()
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

    def suspend(self) -> None:
        """Leave the group and own nothing until :meth:`resume`.

        For a scheduler that must not fire (its clock is wrong): peers
        take its buckets over at once instead of waiting for a rescue.
        """
        with self._lock:
            self._suspended = True
        self.refresh()

    def resume(self) -> None:
        """Join the group again after :meth:`suspend`."""
        with self._lock:
            self._suspended = False
        self.refresh()

    # ------------------------------------------------------------ listing

    def _watch(self) -> None:
        while not self._stop.wait(self._watch_interval):
            try:
                self.refresh()
            except Exception:
                # The listing thread must outlive any surprise; the next
                # listing starts from scratch.
                LOG.exception('Listing group %s failed',
                              self._group.decode())
                self._next_reconcile = 0.0

    def refresh(self) -> None:
        """List the group and rebuild the view if anything changed.

        The listing also checks that this member is still in the group
        (a ZooKeeper session expiry removes it, and nothing joins it
        again by itself) and, every ``reconcile_interval``, re-reads
        every member's weight. When the backend cannot be reached the
        current view is kept: firing stays correct through the database.
        """
        with self._lock:
            try:
                self._refresh()
            except coordination.ToozError as exc:
                self._unreachable(exc)
                return
            if self._unreachable_since is not None:
                LOG.info('Group %s can be listed again after %.1fs',
                         self._group.decode(),
                         time.monotonic() - self._unreachable_since)
                self._unreachable_since = None

    def _refresh(self) -> None:
        if self._suspended:
            # Own nothing at once, even if the backend cannot be told.
            self._set_view(view_mod.GroupView.empty(self._num_buckets))
            if self.member_id in self._list_members():
                self._leave()
            return
        members = self._list_members()
        if self.member_id not in members:
            LOG.warning('Member %s is not in group %s (its session '
                        'expired?); joining again', self.member_id.decode(),
                        self._group.decode())
            self._join()
            self.rejoins += 1
            # Worth telling the loop even if the buckets stay the same:
            # it reports and sweeps at once.
            self._notify()
            members = self._list_members()
        now = time.monotonic()
        if set(members) == set(self._view.members) and \
                now < self._next_reconcile:
            return
        self._next_reconcile = now + self._reconcile_interval
        weights = self._weights()
        if weights == self._view.members:
            # The ring is a pure function of the members and their
            # weights: the same listing builds the same ring.
            return
        self._set_view(view_mod.GroupView.build(
            weights, self.member_id, self._ring_points, self._num_buckets))

    def _list_members(self) -> set[bytes]:
        try:
            members = self._coordinator.get_members(self._group).get(
                timeout=_OPERATION_TIMEOUT)
        except coordination.GroupNotCreated:
            members = set()
        self._listed_at = _utcnow()
        return set(members)

    def _weights(self) -> dict[bytes, int]:
        """List the members again, with their weights."""
        try:
            found = tooz_compat.members_with_capabilities(
                self._coordinator, self._group, _OPERATION_TIMEOUT)
        except coordination.GroupNotCreated:
            found = {}
        self._listed_at = _utcnow()
        return {member: view_mod.weight_of(caps)
                for member, caps in found.items()}

    def _set_view(self, new: view_mod.GroupView) -> None:
        old, self._view = self._view, new
        if new.owned == old.owned:
            if new.fingerprint != old.fingerprint:
                LOG.debug('Group %s has %d members (ring %s); owned buckets '
                          'unchanged', self._group.decode(),
                          len(new.members), new.fingerprint)
            return
        LOG.info('Bucket ownership changed: now %d buckets (was %d), %d '
                 'members, ring %s', len(new.owned), len(old.owned),
                 len(new.members), new.fingerprint)
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        if self._on_change is not None:
            self._on_change()

    def _unreachable(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._unreachable_since is None:
            self._unreachable_since = now
        elif now - self._unreachable_logged < _UNREACHABLE_LOG_INTERVAL:
            return
        self._unreachable_logged = now
        LOG.warning('Cannot list group %s for %.0fs (%s: %s); keeping the '
                    '%d buckets owned so far', self._group.decode(),
                    now - self._unreachable_since, type(exc).__name__, exc,
                    len(self._view.owned))

    # -------------------------------------------------------- join/leave

    def _join(self) -> None:
        capabilities = {'weight': 1, 'host': self._host}
        try:
            self._coordinator.join_group_create(
                self._group, capabilities=capabilities)
        except coordination.MemberAlreadyExist:
            pass

    def _leave(self) -> None:
        try:
            self._coordinator.leave_group(self._group).get(
                timeout=_OPERATION_TIMEOUT)
        except (coordination.MemberNotJoined, coordination.GroupNotCreated):
            pass
