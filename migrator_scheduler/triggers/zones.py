"""Loading and checking IANA time zone names."""

import zoneinfo

from migrator_scheduler import exception

FIELD = 'trigger.timezone'

# Names that exist in some tz databases but must not be used by a rule:
# ``localtime`` is whatever the host is set to (schedulers on different
# hosts would disagree) and the ``right/`` zones count leap seconds, which
# Python's datetime arithmetic does not.
_HOST_DEPENDENT = frozenset({'localtime', 'posixrules'})
_LEAP_SECOND_PREFIX = 'right/'


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
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: malformed key (absolute path, '..', NUL byte);
        # OSError: the key names a directory such as 'Europe'.
        raise exception.InvalidTrigger(
            FIELD, f'unknown timezone {name!r}') from None


def tz_version() -> str | None:
    """Return the version of the tz database zones are loaded from."""
    try:
        import tzdata
    except ImportError:
        return None
    return tzdata.IANA_VERSION
