"""Stand-ins for the scheduler loop's collaborators in unit tests."""

import datetime

from migrator_scheduler.coordination import view


class FakeMembership:
    """Owns fixed buckets; ``changed = True`` reports one change."""

    member_id = b'test-host:1:abcd'
    rejoins = 0

    def __init__(self, owned, num_buckets):
        self.owned_buckets = frozenset(owned)
        self.view = view.GroupView({self.member_id: 1}, self.owned_buckets,
                                   view.fingerprint({}, num_buckets))
        self.listed_at = datetime.datetime.now(datetime.timezone.utc)
        self.changed = False
        self.suspended = False

    def take_change(self):
        changed, self.changed = self.changed, False
        return changed

    def suspend(self):
        self.suspended = True
        self.owned_buckets = frozenset()

    def resume(self):
        self.suspended = False


class FakeDispatcher:
    """Takes every run not taken before, as the dispatcher does."""

    def __init__(self):
        self.submitted = []

    def submit(self, runs):
        taken = [r for r in runs
                 if r['id'] not in {s['id'] for s in self.submitted}]
        self.submitted.extend(taken)
        return len(taken)
