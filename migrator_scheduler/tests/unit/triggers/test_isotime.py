"""Tests of the ISO 8601 parser shared by every Python version."""

import datetime
import sys

from hypothesis import given
from hypothesis import strategies as st
import pytest

from migrator_scheduler.tests.unit.triggers.helpers import examples
from migrator_scheduler.triggers import isotime

UTC = datetime.timezone.utc

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes)))
datetimes = st.datetimes(min_value=datetime.datetime(1, 1, 2),
                         max_value=datetime.datetime(9999, 12, 30),
                         timezones=st.none() | st.just(UTC) | offsets)


@pytest.mark.parametrize('text, expected', [
    ('2030-01-31T02:00:00Z', datetime.datetime(2030, 1, 31, 2,
                                               tzinfo=UTC)),
    ('2030-01-31 02:00', datetime.datetime(2030, 1, 31, 2)),
    ('2030-01-31T02:00:00.5+08:00', datetime.datetime(
        2030, 1, 31, 2, 0, 0, 500000,
        tzinfo=datetime.timezone(datetime.timedelta(hours=8)))),
    (' 2030-01-31T02:00-00:30 ', datetime.datetime(
        2030, 1, 31, 2, tzinfo=datetime.timezone(
            datetime.timedelta(minutes=-30)))),
])
def test_examples(text, expected):
    value = isotime.parse_datetime(text)
    assert value == expected
    assert value.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize('text', [
    '', 'now', '2030-01-31', '2030-1-31T02:00', '2030-01-31T2:00',
    '2030-01-31T02', '2030-01-31T02:00:00+8', '2030-W05-1T02:00',
    '2030-01-31T02:00:00 +08:00', '2030-02-29T00:00', '2030-01-31T02:60',
])
def test_refused(text):
    with pytest.raises(ValueError) as info:
        isotime.parse_datetime(text)
    assert repr(text) in str(info.value)


@examples(300)
@given(value=datetimes, utc_as_z=st.booleans())
def test_reads_what_isoformat_writes(value, utc_as_z):
    text = value.isoformat()
    if utc_as_z and value.tzinfo is UTC:
        text = text.replace('+00:00', 'Z')
    parsed = isotime.parse_datetime(text)
    assert parsed == value
    assert parsed.utcoffset() == value.utcoffset()


@examples(300)
@given(text=st.text(alphabet='0123456789-:+TZ .,zt', max_size=40)
       | st.text(max_size=40))
def test_any_text_parses_or_fails_cleanly(text):
    try:
        value = isotime.parse_datetime(text)
    except ValueError:
        return
    assert isinstance(value, datetime.datetime)
    if sys.version_info >= (3, 11):
        # What this parser reads, Python 3.11 reads the same way.
        assert datetime.datetime.fromisoformat(text.strip()) == value
