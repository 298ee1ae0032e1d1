"""Tests of how failed casts make an outage, and a success ends it."""

import datetime

from migrator_scheduler.scheduler import cast_outage

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def _at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def test_successes_alone_make_no_outage():
    outages = cast_outage.CastOutages()
    outages.succeeded(_at(0))
    outages.succeeded(_at(1))
    assert outages.take_ended() is None


def test_an_outage_lasts_from_the_first_failure_to_a_success():
    outages = cast_outage.CastOutages()
    outages.failed(_at(1), RuntimeError('down'))
    outages.failed(_at(5), RuntimeError('down'))
    assert outages.take_ended() is None  # not over yet
    outages.succeeded(_at(9))
    outages.succeeded(_at(10))
    assert outages.take_ended() == cast_outage.Outage(_at(1), _at(9))
    assert outages.take_ended() is None
    assert outages.failed_casts == 2


def test_outages_not_taken_yet_are_merged():
    outages = cast_outage.CastOutages()
    outages.failed(_at(1), RuntimeError('down'))
    outages.succeeded(_at(2))
    outages.failed(_at(3), RuntimeError('down'))
    outages.succeeded(_at(4))
    assert outages.take_ended() == cast_outage.Outage(_at(1), _at(4))


def test_only_the_first_failure_of_an_outage_is_a_warning(caplog):
    outages = cast_outage.CastOutages()
    for second in range(5):
        outages.failed(_at(second), RuntimeError('down'))
    outages.succeeded(_at(6))
    warnings = [r.getMessage() for r in caplog.records
                if r.levelname == 'WARNING']
    assert warnings == [
        'Casts to the executors fail (RuntimeError: down); runs wait in '
        'the database until casts succeed again',
        'Casts to the executors succeed again after 6.0s of failures; '
        'runs cast before or during the outage are cast again']
