"""Checks of single values of a rule document.

Each check returns the accepted value or raises
:class:`~migrator_scheduler.exception.InvalidInput` naming the field.
"""

import collections.abc
import datetime
import difflib
import json
import math
import uuid

from migrator_scheduler import exception
from migrator_scheduler.rules import limits
from migrator_scheduler.triggers import isotime

UTC = datetime.timezone.utc


_MAX_KEY_SHOWN = 64


def join(prefix: str, key: str) -> str:
    """Return the path of the field ``key`` inside ``prefix``."""
    return f'{prefix}.{key}' if prefix else key


def key_field(prefix: str, key) -> str:
    """Return the path of a key a user wrote inside ``prefix``.

    A key that would not read well in a one-line message (empty, long,
    with line breaks) is quoted.
    """
    text = str(key)
    if not text or not text.isprintable() or len(text) > _MAX_KEY_SHOWN:
        text = repr(text[:_MAX_KEY_SHOWN]) + (
            '...' if len(text) > _MAX_KEY_SHOWN else '')
    return join(prefix, text)


def mapping(value, field: str) -> dict:
    if not isinstance(value, dict):
        raise exception.InvalidInput(
            field, f'must be a mapping, not {_kind(value)}')
    return value


def unknown_keys(data: dict, allowed: collections.abc.Collection[str],
                 prefix: str = '') -> list[exception.InvalidInput]:
    """Return one error per key of ``data`` that is not ``allowed``."""
    errors = []
    for key in data:
        if key in allowed:
            continue
        message = 'unknown key'
        close = difflib.get_close_matches(str(key), allowed, n=1)
        if close:
            message += f'; did you mean {close[0]!r}?'
        else:
            message += f'; expected one of: {", ".join(sorted(allowed))}'
        errors.append(exception.InvalidInput(key_field(prefix, key),
                                             message))
    return errors


def string(value, field: str, max_length: int = 255,
           min_length: int = 1, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise exception.InvalidInput(
            field, f'must be a string, not {_kind(value)}')
    if not min_length <= len(value) <= max_length:
        raise exception.InvalidInput(
            field, f'must be {min_length} to {max_length} characters long')
    text = value.replace('\n', '').replace('\t', '') if multiline else value
    if not text.isprintable():
        raise exception.InvalidInput(
            field, 'must not contain control characters')
    return value


def boolean(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise exception.InvalidInput(
            field, f'must be true or false, not {_kind(value)}')
    return value


def integer(value, field: str, minimum: int, maximum: int) -> int:
    # bool is an int subclass; 'true' for a number is a typo, not 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise exception.InvalidInput(
            field, f'must be an integer, not {_kind(value)}')
    if not minimum <= value <= maximum:
        raise exception.InvalidInput(
            field, f'must be between {minimum} and {maximum}')
    return value


def choice(value, field: str,
           choices: collections.abc.Sequence[str]) -> str:
    if value not in choices:
        raise exception.InvalidInput(
            field, f'{value!r} is not one of: {", ".join(choices)}')
    return value


def rule_id(value, field: str = 'id') -> str:
    """Accept a UUID string; return it in canonical form."""
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    raise exception.InvalidInput(field, f'{value!r} is not a UUID')


def timestamp(value, field: str) -> datetime.datetime:
    """Accept an ISO 8601 time with a UTC offset; return it in UTC.

    YAML turns unquoted timestamps into datetimes already, so those are
    accepted too, but only with an offset.
    """
    if isinstance(value, str):
        try:
            value = isotime.parse_datetime(value)
        except ValueError as exc:
            raise exception.InvalidInput(
                field, f'{exc}; expected a time such as '
                f'2030-01-31T02:00:00+08:00') from None
    if not isinstance(value, datetime.datetime):
        raise exception.InvalidInput(
            field, f'must be an ISO 8601 time, not {_kind(value)}')
    if value.utcoffset() is None:
        raise exception.InvalidInput(
            field, 'needs a UTC offset, e.g. 2030-01-31T02:00:00+08:00 '
            'or ...Z')
    return value.astimezone(UTC)


def json_value(value, field: str, max_bytes: int, max_depth: int):
    """Check that ``value`` survives a JSON round trip unchanged and fits.

    :param max_bytes: most characters of ``json.dumps(value)``, the form
        stored. A part that appears at several places (a YAML alias)
        counts at each of them, but is examined only once.
    :param max_depth: most levels of lists and mappings; ``{}`` is one.
    """
    measure = _JsonExtent(field, max_bytes, max_depth)
    measure.check_size(measure.of(value, (), 1)[0])
    return value


class _JsonExtent:
    """Measures the JSON text of a value without writing it out.

    Where a value is is a tuple of keys and list indexes, spelt out as a
    field name only for an error.
    """

    def __init__(self, field: str, max_bytes: int, max_depth: int) -> None:
        self.field = field
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        # (size, levels) of the lists and mappings measured, by identity.
        self.known: dict[int, tuple[int, int]] = {}

    def of(self, value, path: tuple, depth: int) -> tuple[int, int]:
        """Return the length of ``json.dumps(value)`` and its levels.

        ``depth`` is the level ``value`` is at (1 for the top).
        """
        if value is None or isinstance(value, bool):
            return (5 if value is False else 4), 0
        if isinstance(value, (int, float)):
            return self._number(value, path), 0
        if isinstance(value, str):
            return len(json.dumps(value)), 0
        if not isinstance(value, (list, dict)):
            raise exception.InvalidInput(
                self._name(path), f'{_kind(value)} cannot be stored; use '
                f'strings, numbers, booleans, null, lists and mappings')
        # Checked before going down, so a value nested thousands of
        # levels deep (or containing itself) costs max_depth calls.
        self._check_depth(depth)
        extent = self.known.get(id(value))
        if extent is None:
            extent = self._collection(value, path, depth)
            self.known[id(value)] = extent
        self._check_depth(depth - 1 + extent[1])
        return extent

    def _collection(self, value: list | dict, path: tuple,
                    depth: int) -> tuple[int, int]:
        # '[' and ']' (or braces), and ', ' between items.
        size, levels = 2 + 2 * max(len(value) - 1, 0), 0
        for place, prefix, item in self._items(value, path):
            item_size, item_levels = self.of(item, path + (place,),
                                             depth + 1)
            size += prefix + item_size
            levels = max(levels, item_levels)
            self.check_size(size)
        return size, levels + 1

    def _items(self, value: list | dict, path: tuple):
        """Yield (key or index, length of the text before it, item)."""
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield index, 0, item
            return
        for key, item in value.items():
            if not isinstance(key, str):
                raise exception.InvalidInput(
                    self._name(path),
                    f'keys must be strings, not {_kind(key)}')
            # '"key": ' precedes the item.
            yield key, len(json.dumps(key)) + 2, item

    def _name(self, path: tuple) -> str:
        field = self.field
        for place in path:
            field = (f'{field}[{place}]' if isinstance(place, int)
                     else key_field(field, place))
        return field

    def _number(self, value: int | float, path: tuple) -> int:
        if isinstance(value, float) and not math.isfinite(value):
            raise exception.InvalidInput(self._name(path),
                                         'must be a finite number')
        try:
            return len(repr(value))
        except ValueError:
            # More digits than Python converts to text.
            raise exception.InvalidInput(
                self._name(path), 'is too large a number') from None

    def check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise exception.InvalidInput(
                self.field, f'larger than '
                f'{limits.describe(self.max_bytes)} as JSON')

    def _check_depth(self, depth: int) -> None:
        if depth > self.max_depth:
            raise exception.InvalidInput(
                self.field, f'nested more than {self.max_depth} levels '
                f'deep')


def _kind(value) -> str:
    names = {type(None): 'null', bool: 'a boolean', int: 'an integer',
             float: 'a number', str: 'a string', list: 'a list',
             dict: 'a mapping', datetime.datetime: 'a timestamp',
             datetime.date: 'a date'}
    return names.get(type(value), type(value).__name__)
