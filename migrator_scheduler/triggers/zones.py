"""Loading and checking IANA time zone names.

Every zone comes from the ``tzdata`` Python package, the tz database the
project pins, and never from the host's ``/usr/share/zoneinfo``:
``zoneinfo.ZoneInfo`` prefers the host's files, so two hosts with
different system tz data would compute different fire times for the same
rule. Nothing process-wide (``zoneinfo``'s search path or cache) is
changed: other code in the process keeps the standard behaviour.
"""

import functools
import importlib.resources
import threading
import zoneinfo

import tzdata

from migrator_scheduler import exception

FIELD = 'trigger.timezone'

# Names that exist in some tz databases but must not be used by a rule:
# ``localtime`` is whatever the host is set to (schedulers on different
# hosts would disagree) and the ``right/`` zones count leap seconds, which
# Python's datetime arithmetic does not.
_HOST_DEPENDENT = frozenset({'localtime', 'posixrules'})
_LEAP_SECOND_PREFIX = 'right/'
_PACKAGE = 'tzdata'

_lock = threading.Lock()
# One object per name, for good: a zone read from a file is equal only
# to itself, and triggers and caches compare zones.
_loaded: dict[str, zoneinfo.ZoneInfo] = {}


def tz_version() -> str:
    """Return the version of the tz database in use, e.g. ``2024a``."""
    return tzdata.IANA_VERSION


@functools.cache
def available_timezones() -> frozenset[str]:
    """Return every zone name a rule may use."""
    text = importlib.resources.files(_PACKAGE).joinpath('zones').read_text(
        encoding='utf-8')
    return frozenset(text.split()) - _HOST_DEPENDENT


def load_timezone(name: str) -> zoneinfo.ZoneInfo:
    """Return the zone called ``name`` (an IANA name such as ``UTC``).

    :raises InvalidTrigger: on ``trigger.timezone`` if the name is unknown.
    """
    if not isinstance(name, str) or not name.strip():
        raise exception.InvalidTrigger(
            FIELD, 'a time zone name such as UTC or Europe/Berlin is '
            'required')
    if name in _HOST_DEPENDENT or name.startswith(_LEAP_SECOND_PREFIX):
        raise exception.InvalidTrigger(
            FIELD, f'time zone {name!r} is not allowed; use an IANA name '
            f'such as UTC or Europe/Berlin')
    zone = _loaded.get(name)
    if zone is not None:
        return zone
    # Checked against the package's list first: the name becomes a file
    # path below, and must never be '..', absolute or a directory.
    if name not in available_timezones():
        raise exception.InvalidTrigger(FIELD, f'unknown timezone {name!r}')
    with _lock:
        if name not in _loaded:
            _loaded[name] = _read(name)
        return _loaded[name]


def _read(name: str) -> zoneinfo.ZoneInfo:
    resource = importlib.resources.files(f'{_PACKAGE}.zoneinfo').joinpath(
        *name.split('/'))
    with resource.open('rb') as stream:
        return zoneinfo.ZoneInfo.from_file(stream, key=name)
