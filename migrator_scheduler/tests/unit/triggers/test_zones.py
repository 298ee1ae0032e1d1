"""Tests of time zone loading from the pinned tz database."""

import copy
import datetime
import importlib.resources
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
import tzdata

from migrator_scheduler import exception
from migrator_scheduler import triggers
from migrator_scheduler.triggers import zones

UTC = datetime.timezone.utc


def test_same_object_for_the_same_name():
    assert zones.load_timezone('Europe/Berlin') is zones.load_timezone(
        'Europe/Berlin')


def test_zone_keeps_its_name():
    assert str(zones.load_timezone('Asia/Shanghai')) == 'Asia/Shanghai'


def test_version_is_the_packages():
    assert zones.tz_version() == tzdata.IANA_VERSION
    assert re.fullmatch(r'[0-9]{4}[a-z]', zones.tz_version())


def test_available_zones():
    names = zones.available_timezones()
    assert {'UTC', 'Asia/Shanghai', 'America/Havana'} <= names
    assert 'localtime' not in names


@pytest.mark.parametrize('name', [
    '', ' ', 'Mars/Base', 'Europe', 'Europe/', '../zones', '/etc/localtime',
    'Europe/../UTC', 'europe/berlin', 'UTC\0', 'localtime', 'right/UTC',
    '__init__.py', 'zoneinfo/UTC',
])
def test_unknown_names(name):
    with pytest.raises(exception.InvalidTrigger) as info:
        zones.load_timezone(name)
    assert info.value.field == 'trigger.timezone'


def test_triggers_pickle_and_copy():
    trigger = triggers.build_trigger(
        'cron', '0 12 * * *', 'America/Havana',
        start_at=datetime.datetime(2030, 1, 1, tzinfo=UTC))
    for twin in (pickle.loads(pickle.dumps(trigger)),
                 copy.deepcopy(trigger)):
        assert twin == trigger and hash(twin) == hash(trigger)
        assert twin.zone is trigger.zone
        after = datetime.datetime(2030, 7, 1, tzinfo=UTC)
        assert twin.next_fire(after) == trigger.next_fire(after)


_PROBE = textwrap.dedent("""\
    import datetime, json, zoneinfo
    from migrator_scheduler import triggers
    after = datetime.datetime(2030, 7, 1, tzinfo=datetime.timezone.utc)
    trigger = triggers.build_trigger('cron', '0 12 * * *', 'America/Havana')
    print(json.dumps({
        'host': str(zoneinfo.ZoneInfo('America/Havana').utcoffset(after)),
        'fire': trigger.next_fire(after).isoformat(),
    }))
""")


def test_host_tz_files_change_nothing(tmp_path):
    # A host whose tz data says Havana is at +03:00 all year round.
    bogus = tmp_path / 'zoneinfo'
    (bogus / 'America').mkdir(parents=True)
    source = importlib.resources.files('tzdata.zoneinfo').joinpath(
        'Etc', 'GMT-3')
    with source.open('rb') as src, open(bogus / 'America' / 'Havana',
                                        'wb') as dst:
        shutil.copyfileobj(src, dst)
    env = dict(os.environ, PYTHONTZPATH=str(bogus))
    result = subprocess.run([sys.executable, '-c', _PROBE], env=env,
                            capture_output=True, text=True, check=True)
    seen = json.loads(result.stdout)
    # The standard library does read the host's file...
    assert seen['host'] == '3:00:00'
    # ...but fire times come from the pinned tz database only.
    expected = triggers.build_trigger(
        'cron', '0 12 * * *', 'America/Havana').next_fire(
            datetime.datetime(2030, 7, 1, tzinfo=UTC))
    assert seen['fire'] == expected.isoformat()
    assert expected.hour != 9
