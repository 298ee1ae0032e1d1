"""Parsing of cron expressions, and the step semantics we pin."""

import croniter
import pytest

from migrator_scheduler import exception
from migrator_scheduler.triggers import cron_syntax

MINUTES = tuple(range(60))


def minutes(expression: str) -> tuple[int, ...]:
    return cron_syntax.parse(f'{expression} * * * *').minutes


@pytest.mark.parametrize('field, expected', [
    ('*', MINUTES),
    ('5', (5,)),
    ('05', (5,)),
    ('5-5', (5,)),                      # croniter 7: every minute
    ('1-1/3', (1,)),                    # croniter 7: */3
    ('*/7', (0, 7, 14, 21, 28, 35, 42, 49, 56)),
    ('5-59/20', (5, 25, 45)),
    ('0/30', (0, 30)),                  # 'a/n' means 'a-59/n'
    ('10/15', (10, 25, 40, 55)),
    ('59/15', (59,)),
    ('*/60', (0,)),
    ('1,2,3', (1, 2, 3)),
    ('3,1,2,1', (1, 2, 3)),
    ('0-10/5,30-40/5,59', (0, 5, 10, 30, 35, 40, 59)),
    ('50-59,0-5/2', (0, 2, 4, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59)),
])
def test_minute_field(field, expected):
    assert minutes(field) == expected


def test_steps_restart_in_each_enclosing_unit():
    spec = cron_syntax.parse('0 */5 */10 */5 *')
    assert spec.hours == (0, 5, 10, 15, 20)     # 20 then 0: not 25 % 24
    assert spec.days == (1, 11, 21, 31)        # day fields start at 1
    assert spec.months == (1, 6, 11)


@pytest.mark.parametrize('field, expected', [
    ('*', (0, 1, 2, 3, 4, 5, 6)),
    ('7', (0,)),
    ('0,7', (0,)),
    ('5-7', (0, 5, 6)),
    ('mon-fri', (1, 2, 3, 4, 5)),
    ('SUN,Sat', (0, 6)),
    ('*/2', (0, 2, 4, 6)),
    ('1/2', (1, 3, 5)),
])
def test_day_of_week_field(field, expected):
    assert cron_syntax.parse(f'0 0 * * {field}').weekdays == expected


@pytest.mark.parametrize('field, expected', [
    ('jan', (1,)),
    ('JAN-mar', (1, 2, 3)),
    ('jan-dec/3', (1, 4, 7, 10)),
    ('12', (12,)),
])
def test_month_field(field, expected):
    assert cron_syntax.parse(f'0 0 1 {field} *').months == expected


def test_six_fields_put_seconds_last():
    spec = cron_syntax.parse('1 2 3 4 5 */20')
    assert spec.seconds == (0, 20, 40)
    assert spec.minutes == (1,)
    assert spec.hours == (2,)
    assert cron_syntax.parse('* * * * *').seconds is None


@pytest.mark.parametrize('macro, expression', [
    ('@yearly', '0 0 1 1 *'),
    ('@annually', '0 0 1 1 *'),
    ('@monthly', '0 0 1 * *'),
    ('@weekly', '0 0 * * 0'),
    ('@daily', '0 0 * * *'),
    ('@midnight', '0 0 * * *'),
    ('@hourly', '0 * * * *'),
    ('@DAILY', '0 0 * * *'),
])
def test_macros(macro, expression):
    assert cron_syntax.parse(macro) == cron_syntax.parse(expression)


@pytest.mark.parametrize('expression, fixed', [
    ('30 2 * * *', True),
    ('0,30 1-3 * * *', True),
    ('0 0 * * * */10', True),     # seconds play no part
    ('@daily', True),
    ('*/15 * * * *', False),
    ('0 * * * *', False),
    ('* 2 * * *', False),
    ('*/15 2 * * *', False),
    ('0 */2 * * *', False),
    ('*/1 0 * * *', False),
    ('0 *,3 * * *', False),
    # Only a field that starts with '*' makes a wildcard job.
    ('0 0-23/2 * * *', True),
    ('0-59/15 2 * * *', True),
    ('0 3,* * * *', True),
    ('0 2/3 * * *', True),
    ('@hourly', False),
])
def test_fixed_time_classification(expression, fixed):
    assert cron_syntax.parse(expression).fixed_time is fixed


def test_day_fields_are_restricted_unless_a_bare_star():
    spec = cron_syntax.parse('0 0 */1 * 1')
    assert spec.dom_restricted and spec.dow_restricted
    spec = cron_syntax.parse('0 0 * * 1')
    assert not spec.dom_restricted and spec.dow_restricted


@pytest.mark.parametrize('expression, message', [
    ('', 'required'),
    ('   ', 'required'),
    ('* * * *', 'got 4'),
    ('* * * * * * *', 'got 7'),
    ('60 * * * *', 'minute field'),
    ('* 24 * * *', '24 is out of range 0-23'),
    ('* * 0 * *', 'day-of-month field'),
    ('* * 32 * *', 'out of range 1-31'),
    ('* * * 13 *', 'month field'),
    ('* * * 0 *', 'month field'),
    ('* * * * 8', 'day-of-week field'),
    ('* * * * * 60', 'second field'),
    ('5-2 * * * *', 'backwards'),
    ('*/0 * * * *', 'step'),
    ('*/61 * * * *', 'step'),
    ('*/x * * * *', 'step'),
    ('*/ * * * *', 'step'),
    ('1,,2 * * * *', 'empty list item'),
    ('1, * * * *', 'empty list item'),
    ('/5 * * * *', 'not a value'),
    ('a * * * *', "'a' is not a valid minute"),
    ('1-2-3 * * * *', 'not a valid'),
    ('* * * foo *', "'foo' is not a valid month"),
    ('* * * * monday', 'not a valid day-of-week'),
    ('-1 * * * *', 'not a valid'),
    ('1.5 * * * *', 'not a valid'),
    ('\u0661 * * * *', 'not a valid'),         # a non-ASCII digit
    ('* * ? * *', 'not supported'),
    ('* * L * *', 'not supported'),
    ('* * 15W * *', 'not supported'),
    ('* * * * 1#2', 'not supported'),
    ('* * * * 5L', 'not supported'),
    ('H * * * *', 'not supported'),
    ('H(0-29)/5 * * * *', 'not supported'),
    ('R * * * *', 'not supported'),
    ('@reboot', '@reboot is not supported'),
    ('@every 5m', 'unknown macro'),
    ('@daily 5', 'unknown macro'),
    ('0 0 30 2 *', 'never fires: day-of-month 30 does not occur in '
                   'February'),
    ('0 0 31 4,6,9,11 *', 'never fires'),
    ('0 0 30-31 feb *', 'never fires'),
    ('1' * 2000 + ' * * * *', 'longer than'),
])
def test_invalid_expressions(expression, message):
    with pytest.raises(exception.InvalidTrigger) as error:
        cron_syntax.parse(expression)
    assert error.value.field == 'trigger.expression'
    assert message in error.value.message


@pytest.mark.parametrize('expression', [
    '0 0 29 2 *',           # leap days exist
    '0 0 31 2 1',           # day-of-week still matches (OR)
    '0 0 31 2,3 *',
])
def test_rare_but_possible_days_are_accepted(expression):
    cron_syntax.parse(expression)


def test_non_string_expression():
    with pytest.raises(exception.InvalidTrigger) as error:
        cron_syntax.parse(None)
    assert error.value.field == 'trigger.expression'


@pytest.mark.parametrize('expression, normalised', [
    ('*/20 * * * *', '0,20,40 * * * *'),
    ('0 0 1-31 * 1', '0 0 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,'
                     '20,21,22,23,24,25,26,27,28,29,30,31 * 1'),
    ('0 0 * 1-12 0-6', '0 0 * * 0,1,2,3,4,5,6'),
    ('5-5 * * * * */30', '5 * * * * 0,30'),
])
def test_croniter_expression_is_explicit(expression, normalised):
    assert cron_syntax.parse(expression).croniter_expression() == normalised


class TestCroniterQuirks:
    """What croniter 7.0.0 does with raw expressions; the reason the
    trigger hands it explicit value lists instead. If croniter changes,
    these fail as a reminder to re-check, not as a bug of ours."""

    def test_equal_range_means_whole_field(self):
        assert croniter.croniter.expand('5-5 * * * *')[0][0] == ['*']

    def test_equal_range_with_step_means_star_step(self):
        assert croniter.croniter.expand('1-1/3 * * * *')[0][0] == list(
            range(0, 60, 3))

    def test_star_step_restarts_each_hour(self):
        assert croniter.croniter.expand('*/7 * * * *')[0][0] == [
            0, 7, 14, 21, 28, 35, 42, 49, 56]

    def test_start_slash_step(self):
        assert croniter.croniter.expand('0/30 * * * *')[0][0] == [0, 30]

    def test_random_field_is_accepted(self):
        assert croniter.croniter.is_valid('R * * * *')
