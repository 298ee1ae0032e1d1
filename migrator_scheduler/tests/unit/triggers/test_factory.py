"""build_trigger: validation of every trigger field."""

import datetime

import pytest

from migrator_scheduler import exception
from migrator_scheduler import triggers
from migrator_scheduler.tests.unit.triggers.helpers import utc


def test_kinds():
    assert triggers.TRIGGER_KINDS == ('cron', 'interval', 'oneshot')
    for kind, expression in [('cron', '@daily'), ('interval', '5m'),
                             ('oneshot', '2030-01-01T00:00:00Z')]:
        trigger = triggers.build_trigger(kind, expression, 'UTC')
        assert isinstance(trigger, triggers.Trigger)
        assert trigger.kind == kind
        assert trigger.expression == expression
        assert trigger.timezone == 'UTC'


def invalid(field, **kwargs):
    args = {'kind': 'cron', 'expression': '* * * * *', 'timezone': 'UTC'}
    args.update(kwargs)
    with pytest.raises(exception.InvalidTrigger) as error:
        triggers.build_trigger(**args)
    assert error.value.field == field
    assert isinstance(error.value, ValueError)
    return error.value.message


@pytest.mark.parametrize('kind', ['calendar', '', None, 'CRON'])
def test_unknown_kind(kind):
    message = invalid('trigger.kind', kind=kind)
    assert 'expected one of cron, interval, oneshot' in message


def test_unknown_timezone():
    assert invalid('trigger.timezone', timezone='Mars/Base') == (
        "unknown timezone 'Mars/Base'")


@pytest.mark.parametrize('timezone', [
    '', ' ', None, 'Europe', '../etc/passwd', '/etc/localtime', 'utc',
    'Europe/Berlin\x00', 'localtime', 'right/UTC'])
def test_invalid_timezone(timezone):
    invalid('trigger.timezone', timezone=timezone)


@pytest.mark.parametrize('timezone', [
    'UTC', 'Etc/GMT+5', 'Europe/Berlin', 'America/Argentina/Buenos_Aires'])
def test_valid_timezone(timezone):
    triggers.build_trigger('cron', '@daily', timezone)


def test_invalid_expression():
    invalid('trigger.expression', expression='not cron')
    invalid('trigger.expression', expression=None)
    invalid('trigger.expression', kind='interval', expression=300)


@pytest.mark.parametrize('field', ['start_at', 'end_at'])
def test_naive_bound(field):
    message = invalid(f'trigger.{field}',
                      **{field: datetime.datetime(2024, 1, 1)})
    assert 'has no time zone' in message


@pytest.mark.parametrize('field', ['start_at', 'end_at'])
def test_bound_must_be_a_datetime(field):
    invalid(f'trigger.{field}', **{field: '2024-01-01T00:00:00Z'})
    invalid(f'trigger.{field}', **{field: datetime.date(2024, 1, 1)})


def test_end_before_start():
    message = invalid('trigger.end_at', start_at=utc(2024, 1, 2),
                      end_at=utc(2024, 1, 1))
    assert 'is before start_at' in message


def test_bounds_converted_to_utc():
    berlin = datetime.timezone(datetime.timedelta(hours=2))
    trigger = triggers.build_trigger(
        'cron', '@daily', 'UTC',
        start_at=datetime.datetime(2024, 6, 1, 2, tzinfo=berlin),
        end_at=datetime.datetime(2024, 6, 1, 2, tzinfo=berlin))
    assert trigger.start_at == trigger.end_at == utc(2024, 6, 1)
    assert trigger.start_at.tzinfo is datetime.timezone.utc
    assert trigger.next_fire(utc(2024, 1, 1)) == utc(2024, 6, 1)


def test_kind_checked_before_other_fields():
    invalid('trigger.kind', kind='nope', timezone='Mars/Base',
            expression='bad')
