"""The polling helper the functional and benchmark harnesses share."""

import pytest

from migrator_scheduler.tests.functional import fixtures as ms_fixtures


def test_returns_the_first_true_value():
    answers = iter([None, 0, {}, ['found'], ['later']])
    assert ms_fixtures.wait_for(lambda: next(answers), 60, 'an answer',
                                interval=0) == ['found']


def test_times_out_naming_what_it_waited_for():
    calls = []

    def never():
        calls.append(1)
        return False

    with pytest.raises(TimeoutError, match='waiting for the moon'):
        ms_fixtures.wait_for(never, 0, 'the moon', interval=0)
    assert calls
