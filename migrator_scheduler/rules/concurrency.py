"""How runs of rules may run at the same time: overlap and keys.

The overlap policy of a rule says what happens to a run due to start
while a run of the same rule is still running (see
:mod:`migrator_scheduler.db.admission`).

A rule names its key with a template, e.g. ``cloud-{args.cloud}`` or
``{project_id}``: ``{rule_id}``, ``{rule_name}``, ``{project_id}`` and
``{args.NAME}`` (a top-level string or number of the rule's job
arguments) are substituted, ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

from migrator_scheduler import exception
from migrator_scheduler.jobs import http_template

OVERLAP_POLICIES = ('skip', 'queue_one', 'allow', 'cancel_previous')
MAX_KEY_LENGTH = 255
RULE_NAMES = ('rule_id', 'rule_name', 'project_id')
ARGS_PREFIX = 'args.'


def _arg_values(job_args: dict) -> dict[str, str]:
    return {ARGS_PREFIX + name: str(value)
            for name, value in job_args.items()
            if isinstance(value, (str, int, float))
            and not isinstance(value, bool)}


def render(template: str, rule: dict) -> str:
    """The key of ``rule`` (``id``, ``name``, ``project_id``,
    ``job_args``) from ``template``.

    :raises InvalidInput: naming ``concurrency.key`` for an unknown
        placeholder or an argument the rule does not have.
    """
    field = 'concurrency.key'
    values = {'rule_id': rule['id'], 'rule_name': rule['name'],
              'project_id': rule['project_id'],
              **_arg_values(rule.get('job_args') or {})}
    try:
        names = http_template.placeholders(template)
    except http_template.TemplateError as exc:
        raise exception.InvalidInput(field, str(exc)) from exc
    for name in names:
        if name not in values:
            known = ', '.join('{%s}' % n for n in RULE_NAMES)
            raise exception.InvalidInput(
                field, f'unknown placeholder {{{name}}}; use {known} or '
                '{args.NAME} for a string or number of job.args')
    key = http_template.render(template, values)
    if not key or len(key) > MAX_KEY_LENGTH:
        raise exception.InvalidInput(
            field, f'renders to {len(key)} characters; a key has 1 to '
            f'{MAX_KEY_LENGTH}')
    return key
