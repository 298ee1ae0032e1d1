"""Parsing classic cron expressions into explicit sets of values.

Accepted syntax, per field: ``*``, a number or name, a range ``a-b``, a
step ``*/n``, ``a-b/n`` or ``a/n`` (meaning ``a-max/n``), and
comma-separated lists of those. Names (``jan``-``dec``, ``sun``-``sat``)
are case-insensitive. Day of week is 0-7, with both 0 and 7 meaning
Sunday. Steps count from the start of their range and restart in every
enclosing unit: ``*/7`` in the minute field is :00, :07, ..., :56, then
:00 of the next hour.

When both day-of-month and day-of-week are restricted, a day matches if
EITHER does (classic cron: ``0 0 13 * 5`` is the 13th and every
Friday). A field is restricted unless it is a bare ``*``; unlike Vixie
cron's quirk, ``*/2`` counts as restricted.

An expression has 5 fields (minute hour day-of-month month day-of-week)
or 6, the sixth being **seconds** (croniter's convention: seconds come
last). The macros @yearly, @annually, @monthly, @weekly, @daily,
@midnight and @hourly are accepted; @reboot is not (it has no fire
times).

Extensions some cron dialects have (``?``, ``L``, ``W``, ``#``, and
croniter's hashed ``H`` and random ``R``) are rejected: they are either
not classic cron or would make schedulers disagree.

Parsing into explicit sets, rather than handing the text to croniter,
pins these semantics: croniter 7 reads an equal range such as ``5-5`` as
the whole field and ``1-1/3`` as ``*/3``.
"""

import dataclasses
import re

from migrator_scheduler import exception

FIELD = 'trigger.expression'

MACROS = {
    '@yearly': '0 0 1 1 *',
    '@annually': '0 0 1 1 *',
    '@monthly': '0 0 1 * *',
    '@weekly': '0 0 * * 0',
    '@daily': '0 0 * * *',
    '@midnight': '0 0 * * *',
    '@hourly': '0 * * * *',
}

# Spelled out rather than taken from the calendar module, whose names
# follow the process locale.
_MONTH_NAMES = ('January', 'February', 'March', 'April', 'May', 'June',
                'July', 'August', 'September', 'October', 'November',
                'December')
_MONTHS = {name[:3].lower(): i for i, name in enumerate(_MONTH_NAMES, 1)}
_WEEKDAYS = {'sun': 0, 'mon': 1, 'tue': 2, 'wed': 3, 'thu': 4, 'fri': 5,
             'sat': 6}
# The longest each month can be, so February 29 counts as possible.
_MAX_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_NUMBER = re.compile(r'[0-9]+')
_NAME = re.compile(r'[A-Za-z]+')
_ITEM = re.compile(r'(?P<base>[^/]+)(?:/(?P<step>[^/]*))?')
# '?', 'L', 'W', '#' (Quartz) and 'H', 'R' (croniter's hashed/random).
_EXTENSION = re.compile(
    r'[?#()]|(?<![a-z])[hlrw](?![a-z])', re.IGNORECASE)
_MAX_LENGTH = 1024


@dataclasses.dataclass(frozen=True)
class _FieldSpec:
    name: str
    low: int
    high: int
    names: dict[str, int] = dataclasses.field(default_factory=dict)
    # Highest value accepted in input; day of week also takes 7 (Sunday).
    input_high: int | None = None


_SECOND = _FieldSpec('second', 0, 59)
_MINUTE = _FieldSpec('minute', 0, 59)
_HOUR = _FieldSpec('hour', 0, 23)
_DOM = _FieldSpec('day-of-month', 1, 31)
_MONTH = _FieldSpec('month', 1, 12, _MONTHS)
_DOW = _FieldSpec('day-of-week', 0, 6, _WEEKDAYS, input_high=7)


@dataclasses.dataclass(frozen=True)
class CronSpec:
    """A parsed cron expression: the values each field matches.

    ``dom_restricted``/``dow_restricted`` are False only for a field
    written as a bare ``*``; when both are restricted a day matches if
    EITHER field does (classic cron). ``fixed_time`` is True when neither
    the minute nor the hour field starts with ``*``: such jobs fire once
    per wall-clock time across DST changes (see
    :mod:`migrator_scheduler.triggers.cron`).
    """

    seconds: tuple[int, ...] | None
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]
    dom_restricted: bool
    dow_restricted: bool
    fixed_time: bool

    def croniter_expression(self) -> str:
        """Return an equivalent expression made of explicit value lists.

        Day-of-month and day-of-week keep a bare ``*`` exactly when they
        were written that way, because croniter uses it to choose between
        the OR and AND combination of the two fields.
        """
        fields = [
            _join(self.minutes, _MINUTE),
            _join(self.hours, _HOUR),
            _join(self.days) if self.dom_restricted else '*',
            _join(self.months, _MONTH),
            _join(self.weekdays) if self.dow_restricted else '*',
        ]
        if self.seconds is not None:
            fields.append(_join(self.seconds, _SECOND))
        return ' '.join(fields)

    def matches_day(self, day: int, month: int, weekday: int) -> bool:
        """Tell whether a date matches (``weekday``: 0 is Sunday)."""
        if month not in self.months:
            return False
        dom_ok = day in self.days
        dow_ok = weekday in self.weekdays
        if self.dom_restricted and self.dow_restricted:
            return dom_ok or dow_ok
        return dom_ok and dow_ok


def parse(expression: str) -> CronSpec:
    """Parse a cron expression or macro.

    :raises InvalidTrigger: on ``trigger.expression``, saying what is
        wrong.
    """
    if not isinstance(expression, str) or not expression.strip():
        raise exception.InvalidTrigger(
            FIELD, 'a cron expression such as "*/5 * * * *" is required')
    text = expression.strip()
    if len(text) > _MAX_LENGTH:
        raise exception.InvalidTrigger(
            FIELD, f'expression is longer than {_MAX_LENGTH} characters')
    if text.startswith('@'):
        text = _expand_macro(text)
    fields = text.split()
    if len(fields) not in (5, 6):
        raise exception.InvalidTrigger(
            FIELD, f'expected 5 fields (minute hour day-of-month month '
            f'day-of-week) or 6 (the same plus seconds last), got '
            f'{len(fields)} in {expression!r}')
    minute, hour, dom, month, dow = fields[:5]
    spec = CronSpec(
        seconds=_parse_field(fields[5], _SECOND) if len(fields) == 6
        else None,
        minutes=_parse_field(minute, _MINUTE),
        hours=_parse_field(hour, _HOUR),
        days=_parse_field(dom, _DOM),
        months=_parse_field(month, _MONTH),
        weekdays=_parse_field(dow, _DOW),
        dom_restricted=dom != '*',
        dow_restricted=dow != '*',
        # Debian cron looks only at the first character of each field.
        fixed_time=not (minute.startswith('*') or hour.startswith('*')),
    )
    _check_day_exists(spec)
    return spec


def _expand_macro(text: str) -> str:
    macro = text.lower()
    if macro == '@reboot':
        raise exception.InvalidTrigger(
            FIELD, '@reboot is not supported: it means "when the daemon '
            'starts" and has no fire times')
    try:
        return MACROS[macro]
    except KeyError:
        raise exception.InvalidTrigger(
            FIELD, f'unknown macro {text!r}; expected one of '
            f'{", ".join(MACROS)}') from None


def _parse_field(text: str, spec: _FieldSpec) -> tuple[int, ...]:
    values: set[int] = set()
    for item in text.split(','):
        values.update(_parse_item(item, text, spec))
    if spec is _DOW:
        values = {v % 7 for v in values}
    return tuple(sorted(values))


def _parse_item(item: str, text: str, spec: _FieldSpec) -> range:
    if _EXTENSION.search(item):
        raise _field_error(
            spec, text, f'{item!r} uses syntax that is not supported; '
            f'only numbers, names, "*", ",", "-" and "/" are allowed')
    match = _ITEM.fullmatch(item)
    if not match:
        raise _field_error(
            spec, text, 'empty list item' if not item
            else f'{item!r} is not a value, range or step')
    base, step_text = match.group('base', 'step')
    if base == '*':
        low, high = spec.low, spec.high
    elif '-' in base:
        first, _, last = base.partition('-')
        low, high = _value(first, spec, text), _value(last, spec, text)
        if low > high:
            raise _field_error(
                spec, text,
                f'range {base} is backwards (ranges cannot wrap around)')
    else:
        low = _value(base, spec, text)
        # 'a/n' is short for 'a-max/n'; a plain 'a' is just itself.
        high = spec.high if step_text is not None else low
    if step_text is None:
        return range(low, high + 1)
    size = spec.high - spec.low + 1
    if not _NUMBER.fullmatch(step_text) or not 1 <= int(step_text) <= size:
        # Steps restart in every enclosing unit, so a larger one could
        # not mean "every n" anyway.
        raise _field_error(
            spec, text, f'step {step_text!r} must be a number from 1 to '
            f'{size}')
    return range(low, high + 1, int(step_text))


def _field_error(spec: _FieldSpec, text: str,
                 problem: str) -> exception.InvalidTrigger:
    return exception.InvalidTrigger(
        FIELD, f'{spec.name} field {text!r}: {problem}')


def _value(token: str, spec: _FieldSpec, text: str) -> int:
    if _NUMBER.fullmatch(token):
        value = int(token)
    elif _NAME.fullmatch(token) and token.lower() in spec.names:
        value = spec.names[token.lower()]
    else:
        raise _field_error(spec, text,
                           f'{token!r} is not a valid {spec.name}')
    high = spec.input_high or spec.high
    if not spec.low <= value <= high:
        raise _field_error(spec, text,
                           f'{value} is out of range {spec.low}-{high}')
    return value


def _check_day_exists(spec: CronSpec) -> None:
    # With day-of-week restricted too, the OR rule means some day always
    # matches; otherwise the days listed must fit in some listed month.
    if not spec.dom_restricted or spec.dow_restricted:
        return
    if any(spec.days[0] <= _MAX_MONTH_DAYS[m] for m in spec.months):
        return
    days = ','.join(map(str, spec.days))
    months = ', '.join(_MONTH_NAMES[m - 1] for m in spec.months)
    raise exception.InvalidTrigger(
        FIELD, f'never fires: day-of-month {days} does not occur in '
        f'{months}')


def _join(values: tuple[int, ...], spec: _FieldSpec | None = None) -> str:
    if spec is not None and len(values) == spec.high - spec.low + 1:
        return '*'
    return ','.join(map(str, values))
