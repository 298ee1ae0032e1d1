"""The arguments of the executor's ``execute_runs`` message, both ways.

Schedulers build them with :func:`cast_arguments`; executors check every
message with :func:`parse_execute_runs` before anything else, because the
executor topic is open to whoever can publish on the broker: a message
that does not fit is refused with :class:`InvalidMessage`, whose text
names the argument and never repeats the message.
"""

from __future__ import annotations

import datetime
import re
import typing

from migrator_scheduler.conf import scheduler as scheduler_conf
from migrator_scheduler import exception

# The most run ids a scheduler puts in one message (the largest
# ``[scheduler] cast_batch_size``); a longer list is not from a scheduler.
MAX_RUN_IDS = scheduler_conf.MAX_CAST_BATCH_SIZE

# Run ids are str(uuid.uuid4()): lower-case, canonical.
_RUN_ID = re.compile(
    r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
# An ISO 8601 time with microseconds and offset is 32 characters.
_MAX_TIME_LENGTH = 40
# Shown of a bad value or argument name, at most.
_SHOWN = 40


class InvalidMessage(exception.InvalidInput):
    """An ``execute_runs`` message is malformed; names the argument."""


class ExecuteRuns(typing.NamedTuple):
    """A checked ``execute_runs`` request."""

    run_ids: list[str]
    # When the scheduler cast it (RPC 1.1); None from a 1.0 sender.
    cast_at: datetime.datetime | None


def cast_arguments(run_ids: typing.Iterable[str],
                   cast_at: datetime.datetime | None) -> dict:
    """The keyword arguments of a cast; without ``cast_at`` (None), the
    RPC 1.0 form."""
    arguments = {'run_ids': list(run_ids)}
    if cast_at is not None:
        # isoformat() of an aware time ends in +00:00, which every
        # supported Python parses back (a trailing Z needs 3.11).
        arguments['cast_at'] = cast_at.astimezone(
            datetime.timezone.utc).isoformat()
    return arguments


def parse_execute_runs(arguments: dict) -> ExecuteRuns:
    """Check the arguments of a received message and return them typed.

    Duplicate run ids are dropped (the first one is kept in place).

    :raises InvalidMessage: an argument is missing, unexpected, of the
        wrong type or out of bounds.
    """
    unexpected = sorted(set(arguments) - {'run_ids', 'cast_at'})
    if unexpected:
        names = ', '.join(_shown(name) for name in unexpected[:3])
        more = len(unexpected) - 3
        if more > 0:
            names += f' and {more} more'
        raise InvalidMessage('arguments', f'unexpected: {names}')
    if 'run_ids' not in arguments:
        raise InvalidMessage('run_ids', 'missing')
    return ExecuteRuns(_run_ids(arguments['run_ids']),
                       _cast_at(arguments.get('cast_at')))


def _run_ids(value) -> list[str]:
    if not isinstance(value, list):
        raise InvalidMessage('run_ids', f'a list is required, not '
                                        f'{type(value).__name__}')
    if not value:
        raise InvalidMessage('run_ids', 'empty')
    if len(value) > MAX_RUN_IDS:
        raise InvalidMessage('run_ids', f'{len(value)} run ids, at most '
                                        f'{MAX_RUN_IDS} per message')
    for index, run_id in enumerate(value):
        if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
            raise InvalidMessage(f'run_ids[{index}]',
                                 f'not a run id: {_shown(run_id)}')
    return list(dict.fromkeys(value))


def _cast_at(value) -> datetime.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > _MAX_TIME_LENGTH:
        raise InvalidMessage('cast_at', f'not a time: {_shown(value)}')
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidMessage('cast_at',
                             f'not a time: {_shown(value)}') from None
    if when.tzinfo is None:
        raise InvalidMessage('cast_at', 'a UTC offset is required')
    return when.astimezone(datetime.timezone.utc)


def _shown(value) -> str:
    """A short repr of ``value``, built without rendering all of it."""
    if isinstance(value, str):
        text = repr(value[:_SHOWN])
        return text if len(value) <= _SHOWN else text + '...'
    if value is None or isinstance(value, (bool, int, float)):
        try:
            text = repr(value)
        except ValueError:
            # Python refuses to render ints of thousands of digits.
            return 'a very long number'
        return text if len(text) <= _SHOWN else text[:_SHOWN] + '...'
    # A container may be huge or deeply nested: its type says enough.
    return f'a {type(value).__name__}'
