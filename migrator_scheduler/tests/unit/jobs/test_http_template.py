import datetime

import pytest

from migrator_scheduler.jobs import http_template as template
from migrator_scheduler.tests.unit.jobs import conftest


def test_context_values_are_substituted():
    context = conftest.make_context(
        scheduled_for=datetime.datetime(
            2030, 1, 1, 10, 0, tzinfo=datetime.timezone(
                datetime.timedelta(hours=8))), attempt=2)
    values = template.values_for(context, {'host': 'web01'})
    text = template.render(
        '{rule_name}/{args.host}/{nominal_time}/{nominal_date}/{attempt}',
        values)
    assert text == 'sync-host-web01/web01/2030-01-01T02:00:00Z/2030-01-01/2'
    assert template.render('{run_id}', values) == context.run_id


def test_double_braces_are_literal():
    assert template.render('{{"a": {attempt}}}', {'attempt': '1'}) == \
        '{"a": 1}'


@pytest.mark.parametrize('text, error', [
    ('{unknown}', 'unknown placeholder {unknown}'),
    ('{args.missing}', 'unknown placeholder {args.missing}'),
    ('{rule_id:>10}', 'unknown placeholder {rule_id:>10}'),
    ('{rule_id.__class__}', 'unknown placeholder'),
    ('{0}', 'unknown placeholder {0}'),
    ('a { b', "unmatched '{'"),
    ('a } b', "unmatched '}'"),
])
def test_bad_placeholders_are_refused(text, error):
    with pytest.raises(template.TemplateError, match=error.replace(
            '{', r'\{').replace('}', r'\}').replace('.', r'\.')):
        template.check(text, ['host'])


def test_values_are_not_templates_themselves():
    values = template.sample_values({'x': '{run_id}'})
    assert template.render('{args.x}', values) == '{run_id}'


def test_json_strings_are_rendered_keys_are_not():
    body = {'{attempt}': ['{attempt}', 1, {'n': '{attempt}'}], 'b': None}
    assert template.render_json(body, {'attempt': '3'}) == \
        {'{attempt}': ['3', 1, {'n': '3'}], 'b': None}
    assert [p for p, _ in template.json_strings(body)] == [
        ('{attempt}', 0), ('{attempt}', 2, 'n')]


def test_url_values_are_quoted():
    assert template.render('/h/{args.h}', {'args.h': 'a/b?c'},
                           quote=lambda v: v.replace('/', '%2F')) == \
        '/h/a%2Fb?c'
