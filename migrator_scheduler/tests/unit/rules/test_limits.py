"""Rule files and documents that would cost far more than their size."""

import datetime
import io
import json
import textwrap
import tracemalloc

import pytest
import yaml

from migrator_scheduler import exception
from migrator_scheduler.rules import fields
from migrator_scheduler.rules import io as rules_io
from migrator_scheduler.rules import limits
from migrator_scheduler.rules import spec
from migrator_scheduler.rules import yaml_extent

UTC = datetime.timezone.utc
NOW = datetime.datetime(2030, 1, 1, tzinfo=UTC)
DEFAULTS = spec.RuleDefaults(num_buckets=16)

# 0.5 kB standing for 9**9 (387 million) strings.
BILLION_LAUGHS = textwrap.dedent("""\
    - name: lol
      job:
        type: noop
        args:
          a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
          b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
          c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
          d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
          e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
          f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
          g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
          h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
          i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
      trigger: {kind: interval, expression: 1m}
    """)


def _error(text: str, fmt: str = 'yaml') -> str:
    with pytest.raises(exception.InvalidRuleFile) as info:
        rules_io.load_rules(text, fmt, DEFAULTS, NOW, source='r.yaml')
    assert 'Traceback' not in str(info.value)
    return str(info.value)


def _rule(args) -> dict:
    return {'name': 'a', 'job': {'type': 'noop', 'args': args},
            'trigger': {'kind': 'interval', 'expression': '1m'}}


def _nested(levels: int):
    value = {}
    for _ in range(levels - 1):
        value = {'a': value}
    return value


def test_billion_laughs_fails_fast_in_little_memory():
    assert len(BILLION_LAUGHS) < 600
    tracemalloc.start()
    try:
        error = _error(BILLION_LAUGHS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error == ('r.yaml: item 1 (line 1): rule document: with its '
                     'aliases written out it is larger than 1 MiB')
    # Written out, it would take gigabytes.
    assert peak < 32 * limits.MIB


def test_many_items_sharing_one_large_alias():
    # Every item is under the limit of a rule; together they are not.
    big = 'x' * (limits.MAX_RULE_BYTES // 2)
    text = f'- &big {{name: a, job: {{type: noop, args: {{x: {big}}}}}}}\n'
    text += '- *big\n' * (limits.MAX_FILE_BYTES // len(big) + 1)
    error = _error(text)
    assert error.startswith('r.yaml: item ')
    assert error.endswith(': with its aliases written out the file is '
                          'larger than 128 MiB')


def test_alias_inside_itself():
    text = '- &loop {name: a, job: {type: noop, args: {x: *loop}}}\n'
    assert _error(text) == ('r.yaml: item 1 (line 1): rule document: an '
                            'alias refers to a node that contains it')


def test_aliases_within_the_limits_are_fine():
    text = textwrap.dedent("""\
        - &base
          name: a
          job: {type: noop, args: &args {hosts: [web01, web02]}}
          trigger: {kind: interval, expression: 1m}
        - <<: *base
          name: b
          job: {type: sleep, args: *args}
        """)
    rules = rules_io.load_rules(text, 'yaml', DEFAULTS, NOW)
    assert [r.values['job_args'] for r in rules] == [{'hosts': ['web01',
                                                         'web02']}] * 2


def test_deep_yaml_document():
    deep = '[' * 65 + ']' * 65
    text = f'- {{name: a, job: {{type: noop}}, x: {deep}}}\n'
    assert _error(text) == ('r.yaml: item 1 (line 1): rule document: '
                            'nested more than 64 levels deep')


def test_yaml_nested_past_the_parser_limit():
    text = '- ' + '[' * 5000 + ']' * 5000 + '\n'
    assert _error(text).startswith('r.yaml: line 1, column ')


def test_deep_job_args_in_yaml():
    args = json.dumps(_nested(33))
    text = f'- {{name: a, job: {{type: noop, args: {args}}}, trigger: ' \
           f'{{kind: interval, expression: 1m}}}}\n'
    assert _error(text) == ('r.yaml: item 1 (line 1): job.args: nested '
                            'more than 32 levels deep')


def test_json_nested_past_the_recursion_limit():
    text = '[' * 100000 + ']' * 100000
    assert _error(text, 'json') == 'r.yaml: nested too deeply'


def test_huge_integer():
    text = f'- {{name: a, job: {{type: noop, args: {{n: {"9" * 5000}}}}}}}\n'
    assert _error(text).startswith(
        'r.yaml: item 1 (line 1): line 1, column 41: Exceeds the limit')
    text = json.dumps([_rule({'n': 0})]).replace('0', '9' * 5000)
    assert _error(text, 'json').startswith('r.yaml: Exceeds the limit')


def test_impossible_yaml_timestamp():
    text = '- {name: a, trigger: {start_at: 2030-02-30T00:00:00Z}}\n'
    assert _error(text) == ('r.yaml: item 1 (line 1): line 1, column 33: '
                            'day is out of range for month')


@pytest.mark.parametrize('stdin', [False, True])
def test_file_size_limit(tmp_path, monkeypatch, stdin):
    monkeypatch.setattr(limits, 'MAX_FILE_BYTES', 1000)
    text = '# ' + 'x' * 1000 + '\n[]\n'
    path = tmp_path / 'big.yaml'
    path.write_text(text)
    if stdin:
        monkeypatch.setattr('sys.stdin', io.StringIO(text))
    with pytest.raises(exception.InvalidRuleFile) as info:
        rules_io.load_rules_file('-' if stdin else str(path), DEFAULTS,
                                 NOW, 'yaml')
    source = '<stdin>' if stdin else str(path)
    assert str(info.value) == (f'{source}: larger than 1000 bytes; split '
                               f'it into smaller files')
    path.write_text('[]\n')
    assert rules_io.load_rules_file(str(path), DEFAULTS, NOW) == []


@pytest.mark.parametrize('args, message', [
    ({'x': 'y' * limits.MAX_JOB_ARGS_BYTES},
     'job.args: larger than 64 KiB as JSON'),
    (_nested(33), 'job.args: nested more than 32 levels deep'),
    ({'a': [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]},
     'job.args: nested more than 32 levels deep'),
])
def test_job_args_limits(args, message):
    with pytest.raises(exception.InvalidInput) as info:
        spec.validate_rule(_rule(args), DEFAULTS, NOW)
    assert str(info.value) == message


def test_job_args_at_the_limits():
    args = _nested(32)
    assert spec.validate_rule(_rule(args), DEFAULTS, NOW)['job_args'] == args
    text = 'y' * (limits.MAX_JOB_ARGS_BYTES - len('{"x": ""}'))
    assert len(json.dumps({'x': text})) == limits.MAX_JOB_ARGS_BYTES
    spec.validate_rule(_rule({'x': text}), DEFAULTS, NOW)


def test_shared_part_counts_at_each_place():
    part = ['z' * 1000]
    shared = {f'k{i}': part for i in range(100)}
    with pytest.raises(exception.InvalidInput, match='larger than 64 KiB'):
        fields.json_value(shared, 'job.args', limits.MAX_JOB_ARGS_BYTES, 32)


def test_shared_part_deeper_down_counts_its_depth():
    part = far = _nested(20)
    for _ in range(13):
        far = {'b': far}
    args = {'near': part, 'far': far}
    with pytest.raises(exception.InvalidInput, match='nested more than 32'):
        fields.json_value(args, 'job.args', limits.MAX_JOB_ARGS_BYTES, 32)


def test_value_containing_itself():
    loop = []
    loop.append(loop)
    with pytest.raises(exception.InvalidInput, match='nested more than'):
        fields.json_value({'x': loop}, 'job.args', 1000, 32)


def test_extent_of_a_scalar_and_a_collection():
    node = yaml.compose('{a: [bc, d]}')
    assert yaml_extent.measure(node, 100, 5) == yaml_extent.Extent(
        2 + 2 + 2 + 3 + 2, 2)
