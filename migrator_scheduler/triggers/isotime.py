"""Reading ISO 8601 date-times the same way on every supported Python.

``datetime.fromisoformat()`` reads much more on Python 3.11 than on 3.10
(a trailing ``Z``, the basic format, fractions of any length...), and a
rule stored by one host must be read identically by every scheduler, so
user input goes through this one parser instead. It reads::

    YYYY-MM-DD(T|t| )HH:MM[:SS[(.|,)F]][Z|z|+HH:MM|+HHMM|+HH]

where ``F`` is 1 to 6 digits of a fraction of a second and ``-`` may
replace ``+``.
"""

import calendar
import datetime
import re

_PATTERN = re.compile(r"""
    (?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})
    (?:[Tt\ ]
        (?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})
        (?::(?P<second>[0-9]{2})(?:[.,](?P<fraction>[0-9]{1,6}))?)?
        (?P<offset>[Zz]|(?P<sign>[+-])(?P<off_hour>[0-9]{2})
            (?::?(?P<off_minute>[0-9]{2}))?)?
    )?
    """, re.VERBOSE)


def parse_datetime(text: str) -> datetime.datetime:
    """Parse an ISO 8601 date-time; naive unless it has an offset.

    :raises ValueError: saying what is wrong, naming ``text``.
    """
    match = _PATTERN.fullmatch(text.strip()) if isinstance(
        text, str) else None
    if match is None:
        raise ValueError(f'{text!r} is not an ISO 8601 date-time')
    parts = match.groupdict()
    year, month, day = (int(parts[k]) for k in ('year', 'month', 'day'))
    _check_date(text, year, month, day)
    if parts['hour'] is None:
        raise ValueError(f'{text!r} has no time of day')
    try:
        return datetime.datetime(
            year, month, day, int(parts['hour']), int(parts['minute']),
            int(parts['second'] or 0),
            int((parts['fraction'] or '0').ljust(6, '0')),
            tzinfo=_offset(parts))
    except ValueError as exc:
        raise ValueError(f'{text!r} is not a valid date-time: {exc}'
                         ) from None


def _check_date(text: str, year: int, month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f'{text!r} has month {month}; months are 1-12')
    days = calendar.monthrange(year, month)[1] if year else 31
    if not 1 <= day <= days:
        raise ValueError(f'{text!r} is not a valid date: month {month} of '
                         f'{year} has {days} days')


def _offset(parts: dict) -> datetime.tzinfo | None:
    if parts['offset'] is None:
        return None
    if parts['sign'] is None:
        return datetime.timezone.utc
    hours, minutes = int(parts['off_hour']), int(parts['off_minute'] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError('the UTC offset must be at most 23:59')
    offset = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-offset if parts['sign'] == '-' else offset)
