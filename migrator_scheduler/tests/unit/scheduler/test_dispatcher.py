"""Tests of the dispatcher: casts in messages, then records the casts."""

import datetime
import threading

from migrator_scheduler.db import api as db_api
from migrator_scheduler.scheduler import dispatcher as dispatcher_mod


class FakeAPI:
    """Records the messages cast; fails those holding a poisoned id."""

    sends_cast_time = True

    def __init__(self, poisoned=(), gate=None):
        self.messages = []
        self._poisoned = set(poisoned)
        self._gate = gate

    def execute_runs(self, run_ids, cast_at, retry=None):
        if self._gate is not None:
            self._gate.wait()
        if self._poisoned & set(run_ids):
            raise RuntimeError('broker away')
        self.messages.append(list(run_ids))


def _record_marks(monkeypatch):
    """Make mark_dispatched append the run ids of each of its casts to
    the list returned."""
    marked = []
    monkeypatch.setattr(db_api, 'mark_dispatched',
                        lambda casts, **_: marked.extend(
        list(ids) for ids, _ in casts))
    return marked


def _run(monkeypatch, api, batches, batch_size=3):
    marked = _record_marks(monkeypatch)
    dispatcher = dispatcher_mod.Dispatcher(api, batch_size)
    dispatcher.start()
    for batch in batches:
        dispatcher.submit([{'id': i} for i in batch])
    dispatcher.stop()
    assert dispatcher.held() == 0
    return marked


def test_every_run_is_cast_once_and_recorded(monkeypatch):
    api = FakeAPI()
    ids = [str(i) for i in range(10)]
    marked = _run(monkeypatch, api, [ids[:7], ids[7:]])
    assert sorted(i for m in api.messages for i in m) == sorted(ids)
    assert all(len(m) <= 3 for m in api.messages)
    assert sorted(i for m in marked for i in m) == sorted(ids)


def test_batches_queued_meanwhile_share_messages(monkeypatch):
    gate = threading.Event()
    api = FakeAPI(gate=gate)
    _record_marks(monkeypatch)
    dispatcher = dispatcher_mod.Dispatcher(api, 10)
    dispatcher.start()
    dispatcher.submit([{'id': 'first'}])
    # While the first cast hangs, single runs queue up.
    for i in range(5):
        dispatcher.submit([{'id': str(i)}])
    gate.set()
    dispatcher.stop()
    assert sorted(i for m in api.messages for i in m) == sorted(
        ['first', '0', '1', '2', '3', '4'])
    assert len(api.messages) < 6


def test_a_failed_cast_is_not_recorded(monkeypatch):
    api = FakeAPI(poisoned={'bad'})
    marked = _run(monkeypatch, api, [['a', 'b', 'bad'], ['c']])
    recorded = {i for m in marked for i in m}
    # The whole message with the poisoned id failed; the sweep will find
    # its runs undispatched.
    assert 'bad' not in recorded and 'a' not in recorded
    assert 'c' in recorded


class ClockedAPI(FakeAPI):
    """Records when each message was cast, and the time it carried."""

    def __init__(self):
        super().__init__()
        self.cast_at = []
        self.carried = []

    def execute_runs(self, run_ids, cast_at, retry=None):
        super().execute_runs(run_ids, cast_at, retry)
        self.cast_at.append(dispatcher_mod._utcnow())
        self.carried.append(cast_at)


def test_runs_are_held_until_their_time(monkeypatch):
    marked = []
    monkeypatch.setattr(db_api, 'mark_dispatched',
                        lambda casts, **_: marked.extend(
        (list(ids), when) for ids, when in casts))
    api = ClockedAPI()
    dispatcher = dispatcher_mod.Dispatcher(api, 10)
    dispatcher.start()
    now = dispatcher_mod._utcnow()
    later = now + datetime.timedelta(milliseconds=300)
    dispatcher.submit([{'id': 'later', 'scheduled_for': later},
                       {'id': 'due', 'scheduled_for': now}])
    # Stopping casts what is held, each run at its time.
    dispatcher.stop()
    assert api.messages == [['due'], ['later']]
    assert api.cast_at[1] >= later
    assert [ids for ids, _ in marked] == [['due'], ['later']]
    assert dispatcher.held() == 0


def test_a_run_in_hand_is_not_taken_twice(monkeypatch):
    monkeypatch.setattr(db_api, 'mark_dispatched', lambda casts, **_: None)
    api = FakeAPI()
    dispatcher = dispatcher_mod.Dispatcher(api, 10)
    later = dispatcher_mod._utcnow() + datetime.timedelta(milliseconds=200)
    dispatcher.start()
    assert dispatcher.submit([{'id': 'a', 'scheduled_for': later}]) == 1
    # The sweep finds the held run in the database: not taken again.
    assert dispatcher.submit([{'id': 'a', 'scheduled_for': later},
                              {'id': 'b', 'scheduled_for': later}]) == 1
    assert dispatcher.held() == 2
    dispatcher.stop()
    assert sorted(i for m in api.messages for i in m) == ['a', 'b']
    # Once cast and recorded, a run the sweep finds again is taken.
    assert dispatcher.held() == 0


def test_a_failed_cast_can_be_submitted_again(monkeypatch):
    monkeypatch.setattr(db_api, 'mark_dispatched', lambda casts, **_: None)
    api = FakeAPI(poisoned={'bad'})
    dispatcher = dispatcher_mod.Dispatcher(api, 10)
    dispatcher.start()
    dispatcher.submit([{'id': 'bad'}])
    dispatcher.stop()
    assert dispatcher.held() == 0
    assert dispatcher.submit([{'id': 'bad'}]) == 1


def test_each_message_carries_and_records_the_time_before_its_cast(
        monkeypatch):
    marked = []
    monkeypatch.setattr(db_api, 'mark_dispatched',
                        lambda casts, **_: marked.extend(casts))
    api = ClockedAPI()
    dispatcher = dispatcher_mod.Dispatcher(api, 2)
    dispatcher.start()
    dispatcher.submit([{'id': str(i)} for i in range(5)])
    dispatcher.stop()
    assert api.messages == [['0', '1'], ['2', '3'], ['4']]
    for carried, done in zip(api.carried, api.cast_at):
        assert carried <= done
    # Each cast is recorded with the time its message carried, not the
    # latest time of the casts recorded together.
    assert marked == list(zip(api.messages, api.carried))
    assert len(set(api.carried)) == 3


class FlakyAPI(FakeAPI):
    """Fails every cast while ``down`` is set."""

    def __init__(self):
        super().__init__()
        self.down = True

    def execute_runs(self, run_ids, cast_at, retry=None):
        if self.down:
            raise RuntimeError('broker away')
        super().execute_runs(run_ids, cast_at, retry)


def test_failed_casts_then_a_success_end_an_outage(monkeypatch):
    monkeypatch.setattr(db_api, 'mark_dispatched', lambda casts, **_: None)
    api = FlakyAPI()
    dispatcher = dispatcher_mod.Dispatcher(api, 10)
    dispatcher.start()
    before = dispatcher_mod._utcnow()
    for run_id in 'ab':
        dispatcher.submit([{'id': run_id}])
        dispatcher._queue.join()
    assert dispatcher.outages.take_ended() is None
    assert dispatcher.outages.failed_casts == 2
    api.down = False
    dispatcher.submit([{'id': 'c'}])
    dispatcher.stop()
    outage = dispatcher.outages.take_ended()
    assert before <= outage.began <= outage.ended
    assert dispatcher.outages.take_ended() is None
    assert api.messages == [['c']]


def test_a_spread_run_is_held_until_its_start(monkeypatch):
    _record_marks(monkeypatch)
    api = ClockedAPI()
    dispatcher = dispatcher_mod.Dispatcher(api, 10)
    dispatcher.start()
    now = dispatcher_mod._utcnow()
    start = now + datetime.timedelta(milliseconds=300)
    # Fired at its nominal time (now), to start 300 ms later.
    dispatcher.submit([{'id': 'spread', 'scheduled_for': now,
                        'start_after': start},
                       {'id': 'plain', 'scheduled_for': now,
                        'start_after': None}])
    dispatcher.stop()
    assert api.messages == [['plain'], ['spread']]
    assert api.cast_at[1] >= start
    assert api.carried[1] >= start


def test_stopping_leaves_runs_starting_later_to_the_sweep(monkeypatch):
    marked = _record_marks(monkeypatch)
    api = FakeAPI()
    dispatcher = dispatcher_mod.Dispatcher(api, 10, stop_wait=0.2)
    dispatcher.start()
    now = dispatcher_mod._utcnow()
    dispatcher.submit([
        {'id': 'soon', 'scheduled_for': now,
         'start_after': now + datetime.timedelta(milliseconds=100)},
        {'id': 'later', 'scheduled_for': now,
         'start_after': now + datetime.timedelta(minutes=30)}])
    dispatcher._queue.join()
    dispatcher.stop()
    assert api.messages == [['soon']] and marked == [['soon']]
    # Forgotten, not lost: the sweep may hand it over again.
    assert dispatcher.held() == 0
