from migrator_scheduler.coordination import ring
from migrator_scheduler.coordination import view

NUM_BUCKETS = 128


def test_the_fingerprint_is_the_same_wherever_it_is_built():
    members = {b'a': 1, b'b': 1, b'c': 1}
    views = [view.GroupView.build(members, me, 64, NUM_BUCKETS)
             for me in members]
    assert len({v.fingerprint for v in views}) == 1
    owned = [v.owned for v in views]
    assert frozenset().union(*owned) == frozenset(range(NUM_BUCKETS))
    assert sum(len(o) for o in owned) == NUM_BUCKETS


def test_the_fingerprint_tells_every_difference():
    base = view.GroupView.build({b'a': 1, b'b': 1}, b'a', 64, NUM_BUCKETS)
    others = [
        view.GroupView.build({b'a': 1}, b'a', 64, NUM_BUCKETS),
        view.GroupView.build({b'a': 1, b'b': 2}, b'a', 64, NUM_BUCKETS),
        view.GroupView.build({b'a': 1, b'b': 1}, b'a', 32, NUM_BUCKETS),
        view.GroupView.build({b'a': 1, b'b': 1}, b'a', 64, NUM_BUCKETS * 2),
    ]
    assert base.fingerprint not in {o.fingerprint for o in others}


def test_the_fingerprint_follows_the_assignment():
    assignment = ring.assign_buckets({b'a': 1, b'b': 1}, 64, NUM_BUCKETS)
    assert view.fingerprint(assignment, NUM_BUCKETS) == \
        view.GroupView.build({b'a': 1, b'b': 1}, b'a', 64,
                             NUM_BUCKETS).fingerprint


def test_a_member_outside_the_view_owns_nothing():
    built = view.GroupView.build({b'a': 1}, b'z', 64, NUM_BUCKETS)
    assert built.owned == frozenset()
    assert view.GroupView.empty(NUM_BUCKETS).owned == frozenset()


def test_weights_from_capabilities():
    assert view.weight_of({'weight': 3}) == 3
    for odd in (None, 'x', {}, {'weight': 0}, {'weight': True},
                {'weight': '2'}, {'weight': -1}):
        assert view.weight_of(odd) == 1
