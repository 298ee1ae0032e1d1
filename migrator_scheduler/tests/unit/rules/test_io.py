"""Tests of reading and writing rule files."""

import datetime
import io
import json
import textwrap

import pytest
import yaml

from migrator_scheduler import exception
from migrator_scheduler.rules import io as rules_io
from migrator_scheduler.rules import spec

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, tzinfo=UTC)
DEFAULTS = spec.RuleDefaults(num_buckets=16,
                             job_types=frozenset({'noop', 'sleep'}))

GOOD = textwrap.dedent("""\
    # two rules
    - name: a
      job: {type: noop}
      trigger: {kind: interval, expression: 10s}

    - name: b
      project_id: demo
      job: {type: sleep, args: {seconds: 2}}
      trigger:
        kind: cron
        expression: '0 2 * * *'
        timezone: Asia/Shanghai
        start_at: 2030-01-01T00:00:00+08:00
    """)


def _load(text: str, fmt: str = 'yaml') -> list[dict]:
    loaded = rules_io.load_rules(text, fmt, DEFAULTS, NOW, source='r.yaml')
    return [rule.values for rule in loaded]


def _error(text: str, fmt: str = 'yaml') -> str:
    with pytest.raises(exception.InvalidRuleFile) as info:
        _load(text, fmt)
    return str(info.value)


def _item(name: str, **changes) -> str:
    document = {'name': name, 'job': {'type': 'noop'},
                'trigger': {'kind': 'interval', 'expression': '5m'}}
    document.update(changes)
    return '- ' + json.dumps(document) + '\n'


def test_yaml_list():
    rules = _load(GOOD)
    assert [r['name'] for r in rules] == ['a', 'b']
    # An unquoted YAML timestamp keeps its offset.
    assert rules[1]['start_at'] == datetime.datetime(2029, 12, 31, 16,
                                                     tzinfo=UTC)


def test_yaml_mapping():
    text = 'rules:\n' + textwrap.indent(GOOD, '  ')
    assert [r['name'] for r in _load(text)] == ['a', 'b']


def test_json():
    documents = yaml.safe_load(GOOD)
    documents[1]['trigger']['start_at'] = '2030-01-01T00:00:00+08:00'
    for data in (documents, {'rules': documents}):
        assert len(_load(json.dumps(data), 'json')) == 2


def test_empty_list():
    assert _load('[]') == []
    assert _load('rules: []') == []


@pytest.mark.parametrize('text, expected', [
    ('', 'r.yaml: expected a list of rules'),
    ('name: a\n', "r.yaml: line 1: unknown key 'name'"),
    ('rules: 3\n', "r.yaml: line 1: 'rules' must be a list"),
    ('rules: []\nrules: []\n', "r.yaml: line 2: duplicate key 'rules'"),
    ('- a: [1\n- b\n', "r.yaml: line 3, column 1: did not find expected"),
    ('--- []\n--- []\n', 'r.yaml: line 2'),
])
def test_yaml_structure_errors(text, expected):
    assert _error(text).startswith(expected)


@pytest.mark.parametrize('text, expected', [
    ('{"rules": [', 'r.yaml: line 1, column 12: Expecting value'),
    ('{"rules": [], "more": 1}', 'r.yaml: expected a list of rules'),
    ('[{"name": "a", "name": "b"}]', "r.yaml: duplicate key 'name'"),
])
def test_json_structure_errors(text, expected):
    assert _error(text, 'json').startswith(expected)


def test_error_names_item_and_line():
    text = GOOD.replace('Asia/Shanghai', 'Mars/Base')
    assert _error(text) == (
        "r.yaml: item 2 (line 6): trigger.timezone: unknown timezone "
        "'Mars/Base'")


def test_json_error_names_item():
    text = json.dumps([json.loads(_item('a')[2:]), {'name': 'b'}])
    assert _error(text, 'json').splitlines() == [
        'r.yaml: 2 errors',
        'r.yaml: item 2: job: is required',
        'r.yaml: item 2: trigger: is required',
    ]


def test_unknown_and_duplicate_keys():
    text = _item('a') + textwrap.dedent("""\
        - name: b
          job: {type: noop}
          trigger: {kind: interval, expression: 1m, timezone: UTC}
          job: {type: sleep}
          pasued: true
        """)
    lines = _error(text).splitlines()
    assert lines[0] == 'r.yaml: item 2 (line 2): line 5, column 3: ' \
                       "duplicate key 'job'"


def test_misspelt_key_is_reported():
    text = _item('a') + _item('b', pasued=True)
    assert _error(text) == ("r.yaml: item 2 (line 2): pasued: unknown key; "
                            "did you mean 'paused'?")


def test_item_that_is_not_a_mapping():
    assert _error(_item('a') + '- just a string\n') == (
        'r.yaml: item 2 (line 2): rule: must be a mapping, not a string')


def test_duplicates_name_both_items():
    text = _item('a') + _item('b') + _item('a') + _item(
        'a', project_id='other')
    assert _error(text) == (
        "r.yaml: item 3 (line 3): name: rule 'a' of project 'default' is "
        "also item 1 (line 1)")


def test_duplicate_ids():
    rule_id = '6c1d7d0e-93b5-4a39-9a39-bc3a6a4b6f11'
    text = _item('a', id=rule_id) + _item('b', id=rule_id)
    assert _error(text) == (f'r.yaml: item 2 (line 2): id: {rule_id} is '
                            f'also item 1 (line 1)')


def test_all_or_nothing_reports_every_error():
    items = [_item(f'r{i}') for i in range(1000)]
    items[16] = _item('r16', trigger={'kind': 'cron', 'expression': 'x'})
    items[801] = _item('r801', paused='yes')
    lines = _error(''.join(items)).splitlines()
    assert lines[0] == 'r.yaml: 2 errors'
    assert lines[1].startswith('r.yaml: item 17 (line 17): '
                               'trigger.expression: ')
    assert lines[2].startswith('r.yaml: item 802 (line 802): paused: ')


def test_errors_shown_are_capped():
    text = ''.join(_item(f'r{i}', paused=1) for i in range(60))
    with pytest.raises(exception.InvalidRuleFile) as info:
        _load(text)
    lines = str(info.value).splitlines()
    assert lines[0] == 'r.yaml: 60 errors'
    assert len(lines) == 1 + rules_io.MAX_ERRORS_SHOWN + 1
    assert lines[-1] == 'r.yaml: 10 more errors not shown'
    assert len(info.value.errors) == 60


def test_file_format():
    assert rules_io.file_format('a/b.YML') == 'yaml'
    assert rules_io.file_format('b.json') == 'json'
    assert rules_io.file_format('b.txt', 'json') == 'json'
    for path, fmt in (('b.txt', None), ('-', None), ('b.yaml', 'toml')):
        with pytest.raises(exception.InvalidRuleFile):
            rules_io.file_format(path, fmt)


def test_load_file(tmp_path):
    path = tmp_path / 'rules.yml'
    path.write_text(GOOD)
    assert len(rules_io.load_rules_file(str(path), DEFAULTS, NOW)) == 2


def test_load_stdin(monkeypatch):
    monkeypatch.setattr('sys.stdin', io.StringIO(GOOD))
    rules = rules_io.load_rules_file('-', DEFAULTS, NOW, 'yaml')
    assert [rule.where for rule in rules] == ['<stdin>: item 1 (line 2)',
                                              '<stdin>: item 2 (line 6)']
    monkeypatch.setattr('sys.stdin', io.StringIO('- {name: a}\n'))
    with pytest.raises(exception.InvalidRuleFile,
                       match=r'<stdin>: item 1 \(line 1\): job: is'):
        rules_io.load_rules_file('-', DEFAULTS, NOW, 'yaml')


def test_unreadable_file(tmp_path):
    with pytest.raises(exception.InvalidRuleFile, match='No such file'):
        rules_io.load_rules_file(str(tmp_path / 'x.yaml'), DEFAULTS, NOW)
    path = tmp_path / 'latin1.yaml'
    path.write_bytes('- name: caf\xe9\n'.encode('latin-1'))
    with pytest.raises(exception.InvalidRuleFile, match='not UTF-8'):
        rules_io.load_rules_file(str(path), DEFAULTS, NOW)


@pytest.mark.parametrize('fmt', rules_io.FORMATS)
def test_dump_and_load_round_trip(fmt):
    rules = _load(GOOD)
    text = rules_io.dump_rules([spec.rule_to_document(r) for r in rules],
                               fmt)
    assert _load(text, fmt) == rules


def test_dump_quotes_what_yaml_would_retype():
    document = {'name': 'yes', 'job': {'type': 'noop', 'args': {
        'when': '2030-01-01T00:00:00+00:00', 'n': '010', 'x': '*/5'}},
        'trigger': {'kind': 'interval', 'expression': '300'}}
    rules = _load(rules_io.dump_rules([document], 'yaml'))
    assert rules[0]['name'] == 'yes'
    assert rules[0]['job_args'] == document['job']['args']
    assert rules[0]['trigger_expr'] == '300'


def test_unknown_dump_format():
    with pytest.raises(exception.InvalidRuleFile):
        rules_io.dump_rules([], 'xml')

