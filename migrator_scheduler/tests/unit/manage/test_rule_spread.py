"""Spreading in the rule commands: options, preview, warnings, export."""

import datetime
import json

import pytest
import yaml

from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.unit.manage import helpers
from migrator_scheduler.triggers import spread

pytestmark = pytest.mark.usefixtures('sqlite_db', 'fixed_now')

RULE_ID = '6c1d7d0e-93b5-4a39-9a39-bc3a6a4b6f11'
NIGHTLY = ('rule', 'create', '--name', 'snap', '--job-type', 'noop',
           '--trigger-kind', 'cron', '--expression', '0 2 * * *',
           '--timezone', 'Asia/Shanghai', '--spread-window', '1800')
SPREAD_YAML = f"""\
rules:
- name: snap
  id: {RULE_ID}
  job: {{type: noop}}
  trigger: {{kind: cron, expression: '0 2 * * *', timezone: Asia/Shanghai}}
  spread: {{window: 1800, jitter: 30}}
"""
# 02:00 in Shanghai, the first after helpers.NOW.
FIRST = datetime.datetime(2030, 1, 1, 18, 0, tzinfo=datetime.timezone.utc)


def _starts(rule_id, nominal, both):
    offset = spread.offset(rule_id, nominal, both)
    start = (nominal + offset).astimezone(
        datetime.timezone(datetime.timedelta(hours=8)))
    return (f'starts {start:%H:%M:%S} '
            f'(spread +{int(offset.total_seconds())}s)')


def test_create_stores_the_spread_and_shows_the_starts(run):
    code, out, err = run(*NIGHTLY, '--jitter', '30')
    assert code == 0, err
    rule = db_api.get_rule(out.strip())
    assert (rule['spread_window'], rule['spread_jitter']) == (1800, 30)
    both = spread.Spread(1800, 30)
    assert (f'2030-01-02 02:00:00+08:00  =  2030-01-01 18:00:00+00:00  '
            f'→ {_starts(rule["id"], FIRST, both)}') in err
    assert 'WARNING' not in err


def test_create_without_spread_shows_no_start(run):
    code, _, err = run(*helpers.CREATE)
    assert code == 0 and '→ starts' not in err


def test_create_warns_of_a_window_not_shorter_than_the_period(run):
    code, out, err = run(*helpers.CREATE, '--spread-window', '10')
    assert code == 0 and out.strip()
    assert err.startswith('WARNING: spread: window + jitter (10s + 0s) is '
                          'not shorter than the shortest time between two '
                          'fire times (10s)')


@pytest.mark.parametrize('extra, message', [
    (('--spread-window', '86401'),
     'spread.window: must be between 0 and 86400'),
    (('--jitter', '-1'), 'spread.jitter: must be between 0 and 3600'),
])
def test_create_refuses_a_bad_spread(run, extra, message):
    helpers.fails(run(*NIGHTLY, *extra), message)
    assert db_api.list_rules() == []


def test_preview_of_a_spread_rule(run, tmp_path):
    path = tmp_path / 'rules.yaml'
    path.write_text(SPREAD_YAML)
    helpers.ok(run('rule', 'import', str(path)))
    out = helpers.ok(run('rule', 'preview', RULE_ID, '--count', '2'))
    assert out.startswith("Rule default/snap: cron '0 2 * * *' in "
                          "Asia/Shanghai, spread over 1800s + up to 30s "
                          "jitter")
    assert '| Start ' in out
    both = spread.Spread(1800, 30)
    second = FIRST + datetime.timedelta(days=1)
    assert (f'| 1 | 2030-01-02 02:00:00+08:00 | 2030-01-01 18:00:00+00:00 '
            f'| {_starts(RULE_ID, FIRST, both)} |') in out
    assert f'| {_starts(RULE_ID, second, both)} |' in out
    data = json.loads(helpers.ok(run('rule', 'preview', RULE_ID, '--count',
                                     '1', '--format', 'json')))
    [fire] = data['fire_times']
    offset = spread.offset(RULE_ID, FIRST, both)
    assert fire['spread_seconds'] == offset.total_seconds()
    assert datetime.datetime.fromisoformat(fire['start']) == FIRST + offset


def test_preview_keeps_the_dst_marks(run):
    rule_id = helpers.ok(run(
        'rule', 'create', '--name', 'berlin', '--job-type', 'noop',
        '--trigger-kind', 'cron', '--expression', '30 2 * * *',
        '--timezone', 'Europe/Berlin', '--spread-window', '600')).strip()
    out = helpers.ok(run('rule', 'preview', rule_id, '--after',
                         '2030-03-30T12:00:00Z', '--count', '1'))
    assert 'clocks jump forward from 02:00 to 03:00 at this instant' in out
    assert 'starts 03:' in out


def test_import_summary_names_the_spread(run, tmp_path):
    path = tmp_path / 'rules.yaml'
    path.write_text(SPREAD_YAML)
    code, _, err = run('rule', 'import', str(path))
    assert code == 0
    assert ("1 rule: cron '0 2 * * *' in Asia/Shanghai (spread over 1800s "
            "+ up to 30s jitter):") in err


def test_import_warns_of_overlapping_spread(run, tmp_path):
    path = tmp_path / 'rules.yaml'
    path.write_text(SPREAD_YAML.replace('window: 1800', 'window: 86400'))
    code, _, err = run('rule', 'import', str(path))
    assert code == 0
    assert err.startswith('WARNING: ')
    assert 'item 1 (line 2): spread: window + jitter (86400s' in err


def test_export_import_round_trip(run, tmp_path):
    path = tmp_path / 'rules.yaml'
    path.write_text(SPREAD_YAML)
    helpers.ok(run('rule', 'import', str(path)))
    exported = helpers.ok(run('rule', 'export'))
    [document] = yaml.safe_load(exported)['rules']
    assert document['spread'] == {'window': 1800, 'jitter': 30}
    path.write_text(exported)
    assert helpers.ok(run('rule', 'import', str(path), '--replace')) == (
        'Imported 1 rules: 0 created, 0 updated, 1 unchanged\n')
