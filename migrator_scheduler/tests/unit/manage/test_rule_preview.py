"""Fire times shown by ``rule preview``, ``rule create`` and ``import``."""

import json

import pytest

from migrator_scheduler.db import api as db_api
from migrator_scheduler.tests.unit.manage import helpers
from migrator_scheduler.triggers import zones

pytestmark = pytest.mark.usefixtures('sqlite_db', 'fixed_now')

BERLIN = ('--trigger-kind', 'cron', '--expression', '30 2 * * *',
          '--timezone', 'Europe/Berlin')
QUARTZ = 'WARNING: trigger.expression: \'0 0 2 * * *\' fires every second'


def test_preview_of_a_trigger_marks_dst_changes(run):
    out = helpers.ok(run('rule', 'preview', *BERLIN, '--after',
                         '2024-10-26T12:00:00Z', '--count', '2'))
    lines = out.splitlines()
    assert lines[0] == (f"cron '30 2 * * *' in Europe/Berlin (tz database "
                        f"{zones.tz_version()})")
    assert '| # | Europe/Berlin ' in lines[2]
    assert ('| 1 | 2024-10-27 02:30:00+02:00 | 2024-10-27 00:30:00+00:00 | '
            'clocks go back: the first 02:30:00 of the day |') in lines
    assert any(line.startswith('| 2 | 2024-10-28 02:30:00+01:00 | '
                               '2024-10-28 01:30:00+00:00 | UTC offset now '
                               '+01:00 (was +02:00)') for line in lines)


def test_preview_of_a_skipped_time(run):
    out = helpers.ok(run('rule', 'preview', *BERLIN, '--after',
                         '2024-03-30T12:00:00Z', '--count', '1',
                         '--format', 'json'))
    assert json.loads(out)['fire_times'] == [{
        'utc': '2024-03-31T01:00:00+00:00',
        'local': '2024-03-31T03:00:00+02:00',
        'note': 'clocks jump forward from 02:00 to 03:00 at this instant'}]


def test_preview_of_a_stored_rule(run):
    rule_id = helpers.ok(run(*helpers.CREATE, '--paused')).strip()
    out = helpers.ok(run('rule', 'preview', rule_id, '--count', '3'))
    assert out.startswith("Rule demo/web01 (paused): interval '10s' in UTC")
    assert '| 3 | 2030-01-01 00:00:30+00:00 ' in out
    data = json.loads(helpers.ok(run('rule', 'preview', rule_id, '--format',
                                     'json', '--count', '1')))
    assert data['fire_times'][0]['utc'] == '2030-01-01T00:00:10+00:00'


def test_preview_without_fire_times(run):
    out = helpers.ok(run('rule', 'preview', '--trigger-kind', 'oneshot',
                         '--expression', '2020-01-01T00:00:00Z'))
    assert out.endswith('No fire time after the start of the preview.\n')


def test_preview_warns_about_seconds_first(run):
    code, out, err = run('rule', 'preview', '--trigger-kind', 'cron',
                         '--expression', '0 0 2 * * *', '--count', '2')
    assert code == 0
    assert err.startswith(QUARTZ)
    assert "write '0 2 * * *' instead" in err
    assert '2030-01-02 00:00:01+00:00' in out


@pytest.mark.parametrize('argv, message', [
    (('some-id', '--expression', '* * * * *'),
     '--expression: give either a rule id or a trigger, not both'),
    ((), '--trigger-kind: is required when no rule id is given'),
    (('--trigger-kind', 'cron'),
     '--expression: is required when no rule id is given'),
    ((*BERLIN, '--count', '0'), '--count: must be from 1 to 1000'),
    ((*BERLIN, '--count', '1001'), '--count: must be from 1 to 1000'),
    ((*BERLIN, '--after', 'soon'), "--after: 'soon' is not an ISO 8601"),
    (('--trigger-kind', 'cron', '--expression', '0 0 2 * * * *'),
     'trigger.expression: expected 5 fields'),
    (('nope',), 'rule nope not found'),
])
def test_preview_errors(run, argv, message):
    helpers.fails(run('rule', 'preview', *argv), message)


def test_create_shows_next_fire_times(run):
    code, out, err = run('rule', 'create', '--name', 'n', '--job-type',
                         'noop', *BERLIN)
    assert code == 0
    # Standard output stays the id alone, for scripts.
    assert db_api.get_rule(out.strip())['name'] == 'n'
    assert err.splitlines() == [
        "Next fire times of cron '30 2 * * *' in Europe/Berlin:",
        '  2030-01-01 02:30:00+01:00  =  2030-01-01 01:30:00+00:00',
        '  2030-01-02 02:30:00+01:00  =  2030-01-02 01:30:00+00:00',
        '  2030-01-03 02:30:00+01:00  =  2030-01-03 01:30:00+00:00',
        '  2030-01-04 02:30:00+01:00  =  2030-01-04 01:30:00+00:00',
        '  2030-01-05 02:30:00+01:00  =  2030-01-05 01:30:00+00:00',
    ]


def test_create_warns_about_seconds_first(run):
    code, out, err = run('rule', 'create', '--name', 'q', '--job-type',
                         'noop', '--trigger-kind', 'cron', '--expression',
                         '0 0 2 * * *')
    assert code == 0
    assert err.startswith(QUARTZ)
    # A warning, not an error: the rule is stored as written.
    assert db_api.get_rule(out.strip())['trigger_expr'] == '0 0 2 * * *'


def _items(count: int, expression: str, timezone: str = 'UTC') -> str:
    return ''.join(
        f"- {{name: '{expression} {timezone} {i}', job: {{type: noop}}, "
        f"trigger: {{kind: cron, expression: '{expression}', timezone: "
        f"{timezone}}}}}\n" for i in range(count))


def test_import_summarises_by_schedule(run, tmp_path):
    path = tmp_path / 'rules.yaml'
    path.write_text(_items(3, '0 2 * * *', 'Asia/Shanghai')
                    + _items(1, '*/5 * * * *') + _items(2, '0 0 2 * * *'))
    code, out, err = run('rule', 'import', str(path))
    assert (code, out) == (0, "Imported 6 rules\n"), err
    assert err.splitlines() == [
        f"WARNING: {path}: item 5 (line 5) and 1 more: trigger.expression: "
        f"'0 0 2 * * *' fires every second for a whole minute at a time "
        f"(the sixth field is seconds, last); if it was meant with seconds "
        f"first (Quartz, Spring), write '0 2 * * *' instead",
        'Next fire times of the 6 rules written, by schedule:',
        "  3 rules: cron '0 2 * * *' in Asia/Shanghai: 2030-01-02 "
        "02:00:00+08:00, 2030-01-03 02:00:00+08:00, 2030-01-04 "
        "02:00:00+08:00",
        "  2 rules: cron '0 0 2 * * *' in UTC: 2030-01-02 00:00:00+00:00, "
        "2030-01-02 00:00:01+00:00, 2030-01-02 00:00:02+00:00",
        "  1 rule: cron '*/5 * * * *' in UTC: 2030-01-01 00:05:00+00:00, "
        "2030-01-01 00:10:00+00:00, 2030-01-01 00:15:00+00:00",
    ]


def test_import_summary_is_capped(run, tmp_path, monkeypatch):
    from migrator_scheduler.manage import fire_times
    monkeypatch.setattr(fire_times, 'MAX_SCHEDULES_SHOWN', 2)
    path = tmp_path / 'rules.yaml'
    path.write_text(''.join(_items(1, f'{m} 2 * * *') for m in range(5)))
    err = run('rule', 'import', str(path))[2]
    lines = err.splitlines()
    assert len(lines) == 4
    assert lines[-1] == '  and 3 rules on 3 more schedules'


def test_unchanged_rules_are_not_shown_again(run, tmp_path):
    path = tmp_path / 'rules.yaml'
    path.write_text(_items(2, '0 2 * * *'))
    helpers.ok(run('rule', 'import', str(path)))
    code, out, err = run('rule', 'import', str(path), '--replace')
    assert (code, err) == (0, '')
    assert out == 'Imported 2 rules: 0 created, 0 updated, 2 unchanged\n'
