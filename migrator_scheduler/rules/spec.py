"""Rule documents: the form users write, and the database values.

A rule document (one item of a rule file, or a CLI/API request)::

    name: sync-host-web01            # required
    project_id: demo                 # default: default
    id: 1b4e28ba-...                 # default: a new UUID
    description: nightly sync
    job: {type: noop, args: {},      # type required
          timeout: 900,              # default: [executor] job_timeout
          retry: {max_attempts: 3, delay: 30, max_delay: 600}}
    trigger: {kind: cron, expression: '0 2 * * *',
              timezone: Asia/Shanghai, start_at: ..., end_at: ...}
    misfire_policy: fire_once        # skip | fire_once | fire_all
    misfire_grace_time: 60           # default: [scheduler] option
    spread: {window: 1800,           # default: [scheduler] option
             jitter: 30}             # default_spread_window, default_jitter
    overlap: skip                    # skip | queue_one | allow |
                                     # cancel_previous; default:
                                     # [executor] overlap_policy
    concurrency: {key: 'cloud-{args.cloud}'}   # runs sharing a key are
                                     # limited together
    max_runs: 30                     # then the rule fires no more
    paused: false

Unknown keys are errors, so a misspelt key is reported rather than
silently ignored. Everything here is pure: ``now`` is a parameter.
"""

import collections.abc
import dataclasses
import datetime
import functools
import uuid

from migrator_scheduler.common import buckets
from migrator_scheduler import exception
from migrator_scheduler.rules import concurrency
from migrator_scheduler.rules import fields
from migrator_scheduler.rules import limits
from migrator_scheduler import triggers
from migrator_scheduler.triggers import misfire
from migrator_scheduler.triggers import spread as spread_mod

DEFAULT_PROJECT = 'default'
DEFAULT_TIMEZONE = 'UTC'
DEFAULT_MISFIRE_POLICY = 'fire_once'
MAX_DESCRIPTION = 4096
# Far above any sensible catch-up window, well inside a 32-bit column.
MAX_GRACE_TIME = 366 * 86400

_KEYS = ('name', 'project_id', 'id', 'description', 'job', 'trigger',
         'misfire_policy', 'misfire_grace_time', 'spread', 'overlap',
         'concurrency', 'max_runs', 'paused')
MAX_RUNS = 10 ** 9
_CONCURRENCY_KEYS = ('key',)
_JOB_KEYS = ('type', 'args', 'timeout', 'retry')
_RETRY_KEYS = {'max_attempts': ('max_attempts', 1, 100),
               'delay': ('retry_delay', 0, 86400),
               'max_delay': ('retry_max_delay', 0, 86400)}
MAX_JOB_TIMEOUT = 7 * 86400
_SPREAD_KEYS = {'window': ('spread_window', spread_mod.MAX_WINDOW),
                'jitter': ('spread_jitter', spread_mod.MAX_JITTER)}
_TRIGGER_KEYS = ('kind', 'expression', 'timezone', 'start_at', 'end_at')
# The columns a document defines: equal columns mean an equal rule.
DEFINITION_COLUMNS = (
    'project_id', 'name', 'description', 'job_type', 'job_args',
    'trigger_kind', 'trigger_expr', 'timezone', 'start_at', 'end_at',
    'paused', 'misfire_policy', 'misfire_grace_time', 'job_timeout',
    'max_attempts', 'retry_delay', 'retry_max_delay', 'spread_window',
    'spread_jitter', 'overlap_policy', 'concurrency_key', 'max_runs')


@dataclasses.dataclass(frozen=True)
class RuleDefaults:
    """What validation needs from the deployment.

    :ivar num_buckets: ``[scheduler] num_buckets``.
    :ivar job_types: installed job driver names; None skips the check.
    :ivar check_job_args: ``(job type, args)``, raising
        :class:`InvalidInput` for arguments the driver refuses; None
        skips the check.
    """

    num_buckets: int
    job_types: frozenset[str] | None = None
    check_job_args: collections.abc.Callable[[str, dict], None] | None = None


class _Errors(list):
    """Collects the errors of one document instead of stopping at one."""

    def check(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except exception.InvalidInput as exc:
            self.append(exc)
            return None


def validate_rule(data, defaults: RuleDefaults,
                  now: datetime.datetime) -> dict:
    """Return the database values of the rule document ``data``.

    :raises InvalidInput: naming the first invalid field.
    """
    values, errors = check_rule(data, defaults, now)
    if errors:
        raise errors[0]
    return values


def check_rule(data, defaults: RuleDefaults, now: datetime.datetime,
               allow_exhausted: bool = False
               ) -> tuple[dict | None, list[exception.InvalidInput]]:
    """Validate a rule document, collecting every error.

    :param allow_exhausted: accept a trigger with no fire time after
        ``now`` (a one-shot time that has passed, an ``end_at`` in the
        past), as a rule that exists already may have; see
        :func:`exhausted_error`.
    :returns: ``(values, [])`` or ``(None, errors)``. ``values`` holds
        every rules column but ``version``, ``last_fire_at`` and the
        timestamps; ``next_fire_at`` is the first fire time after
        ``now``, None when paused or when the trigger is exhausted.
    """
    errors = _Errors()
    data = errors.check(fields.mapping, data, 'rule')
    if data is None:
        return None, errors
    errors.extend(fields.unknown_keys(data, _KEYS))
    values = {
        'id': errors.check(_optional, data, 'id', fields.rule_id),
        'project_id': errors.check(
            fields.string, _get(data, 'project_id', DEFAULT_PROJECT),
            'project_id'),
        'name': errors.check(_required, data, 'name', fields.string),
        'description': errors.check(
            _optional, data, 'description', fields.string,
            MAX_DESCRIPTION, min_length=0, multiline=True),
        'misfire_policy': errors.check(
            fields.choice,
            _get(data, 'misfire_policy', DEFAULT_MISFIRE_POLICY),
            'misfire_policy', misfire.MISFIRE_POLICIES),
        'misfire_grace_time': errors.check(
            _optional, data, 'misfire_grace_time', fields.integer,
            0, MAX_GRACE_TIME),
        'paused': errors.check(
            fields.boolean, _get(data, 'paused', False), 'paused'),
        'overlap_policy': errors.check(
            _optional, data, 'overlap', fields.choice,
            concurrency.OVERLAP_POLICIES),
        'concurrency_key': _concurrency_key(data, errors),
        'max_runs': errors.check(
            _optional, data, 'max_runs', fields.integer, 1, MAX_RUNS),
    }
    values.update(_spread(data, errors))
    job = _job(data, defaults, errors)
    trigger = _trigger(data, errors)
    next_fire = None if trigger is None else _next_fire(trigger[1], now)
    if trigger is not None and next_fire is None and not allow_exhausted:
        errors.check(trigger[1].check_fires_after, now)
    if errors:
        return None, errors
    values.update(job)
    values.update(trigger[0])
    values['id'] = values['id'] or str(uuid.uuid4())
    if values['concurrency_key'] is not None:
        errors.check(concurrency.render, values['concurrency_key'], values)
        if errors:
            return None, errors
    values['bucket'] = buckets.bucket_for(values['id'],
                                          defaults.num_buckets)
    values['next_fire_at'] = None if values['paused'] else next_fire
    return values, []


def _get(data: dict, key: str, default):
    # An explicit null means "not given", as in the API's JSON.
    value = data.get(key)
    return default if value is None else value


def _required(data: dict, key: str, check, *args, prefix: str = '',
              **kwargs):
    field = fields.join(prefix, key)
    if data.get(key) is None:
        raise exception.InvalidInput(field, 'is required')
    return check(data[key], field, *args, **kwargs)


def _optional(data: dict, key: str, check, *args, prefix: str = '',
              **kwargs):
    if data.get(key) is None:
        return None
    return check(data[key], fields.join(prefix, key), *args, **kwargs)


def _job(data: dict, defaults: RuleDefaults, errors: _Errors
         ) -> dict | None:
    job = errors.check(_required, data, 'job', fields.mapping)
    if job is None:
        return None
    errors.extend(fields.unknown_keys(job, _JOB_KEYS, 'job'))
    args = errors.check(_optional, job, 'args', _job_args, prefix='job')
    job_type = errors.check(_required, job, 'type', _job_type,
                            defaults.job_types, prefix='job')
    if (job_type is not None and defaults.check_job_args is not None
            and (args is not None or job.get('args') is None)):
        errors.check(defaults.check_job_args, job_type, args or {})
    values = {'job_type': job_type, 'job_args': args or {},
              'job_timeout': errors.check(
                  _optional, job, 'timeout', fields.integer, 0,
                  MAX_JOB_TIMEOUT, prefix='job')}
    values.update(_retry(job, errors))
    return values


def _retry(job: dict, errors: _Errors) -> dict:
    """The ``job.retry`` policy as its columns (None: the default)."""
    values = dict.fromkeys(column for column, _, _ in _RETRY_KEYS.values())
    retry = errors.check(_optional, job, 'retry', fields.mapping,
                         prefix='job')
    if retry is None:
        return values
    errors.extend(fields.unknown_keys(retry, _RETRY_KEYS, 'job.retry'))
    for key, (column, minimum, maximum) in _RETRY_KEYS.items():
        values[column] = errors.check(
            _optional, retry, key, fields.integer, minimum, maximum,
            prefix='job.retry')
    return values


def _concurrency_key(data: dict, errors: _Errors) -> str | None:
    """The template of ``concurrency.key``, checked against the rule
    once its id is known."""
    found = errors.check(_optional, data, 'concurrency', fields.mapping)
    if found is None:
        return None
    errors.extend(fields.unknown_keys(found, _CONCURRENCY_KEYS,
                                      'concurrency'))
    return errors.check(_required, found, 'key', fields.string,
                        concurrency.MAX_KEY_LENGTH, prefix='concurrency')


def _spread(data: dict, errors: _Errors) -> dict:
    """The ``spread`` policy as its columns (None: the default)."""
    values = dict.fromkeys(column for column, _ in _SPREAD_KEYS.values())
    spread = errors.check(_optional, data, 'spread', fields.mapping)
    if spread is None:
        return values
    errors.extend(fields.unknown_keys(spread, _SPREAD_KEYS, 'spread'))
    for key, (column, maximum) in _SPREAD_KEYS.items():
        values[column] = errors.check(
            _optional, spread, key, fields.integer, 0, maximum,
            prefix='spread')
    return values


def spread_of(rule: dict, default: spread_mod.Spread) -> spread_mod.Spread:
    """Return the spreading of a rule (or its values), the deployment's
    ``default`` where the rule sets none."""
    return spread_mod.effective(rule.get('spread_window'),
                                rule.get('spread_jitter'), default)


def _job_type(value, field: str,
              job_types: frozenset[str] | None) -> str:
    value = fields.string(value, field)
    if job_types is not None and value not in job_types:
        raise exception.InvalidInput(
            field, f'unknown job type {value!r}; installed: '
            f'{", ".join(sorted(job_types)) or "none"}')
    return value


def _job_args(value, field: str) -> dict:
    return fields.json_value(fields.mapping(value, field), field,
                             limits.MAX_JOB_ARGS_BYTES,
                             limits.MAX_JOB_ARGS_DEPTH)


def _trigger(data: dict, errors: _Errors
             ) -> tuple[dict, triggers.Trigger] | None:
    trigger = errors.check(_required, data, 'trigger', fields.mapping)
    if trigger is None:
        return None
    found = len(errors)
    errors.extend(fields.unknown_keys(trigger, _TRIGGER_KEYS, 'trigger'))
    values = {
        'trigger_kind': errors.check(
            _required, trigger, 'kind', fields.choice, triggers.TRIGGER_KINDS,
            prefix='trigger'),
        'trigger_expr': errors.check(
            _required, trigger, 'expression', _expression, prefix='trigger'),
        'timezone': errors.check(
            fields.string, _get(trigger, 'timezone', DEFAULT_TIMEZONE),
            'trigger.timezone', 64),
        'start_at': errors.check(
            _optional, trigger, 'start_at', fields.timestamp,
            prefix='trigger'),
        'end_at': errors.check(
            _optional, trigger, 'end_at', fields.timestamp, prefix='trigger'),
    }
    if len(errors) > found:
        return None
    built = errors.check(
        _build_trigger, values['trigger_kind'], values['trigger_expr'],
        values['timezone'], values['start_at'], values['end_at'])
    return None if built is None else (values, built)


# Bulk imports repeat a few schedules thousands of times, and building a
# cron trigger costs about a millisecond. Triggers are immutable and
# hashable, so both steps are memoized.
@functools.lru_cache(maxsize=1024)
def _build_trigger(kind: str, expression: str, timezone: str,
                   start_at: datetime.datetime | None,
                   end_at: datetime.datetime | None) -> triggers.Trigger:
    return triggers.build_trigger(kind, expression, timezone,
                                  start_at=start_at, end_at=end_at)


def trigger_of(values: dict) -> triggers.Trigger:
    """Return the trigger of validated rule values (or a stored rule)."""
    return _build_trigger(values['trigger_kind'], values['trigger_expr'],
                          values['timezone'], values['start_at'],
                          values['end_at'])


def exhausted_error(values: dict, now: datetime.datetime
                    ) -> exception.InvalidInput | None:
    """Return why the rule of ``values`` can never fire after ``now``.

    :param values: as :func:`check_rule` returned them for ``now``.
    :returns: None when it has a fire time after ``now``.
    """
    if values['next_fire_at'] is not None:
        return None
    try:
        trigger_of(values).check_fires_after(now)
    except exception.InvalidInput as exc:
        return exc
    return None


@functools.lru_cache(maxsize=1024)
def _next_fire(trigger: triggers.Trigger, now: datetime.datetime
               ) -> datetime.datetime | None:
    return trigger.next_fire(now)


def _expression(value, field: str) -> str:
    # An unquoted interval such as 300 reaches here as a YAML integer.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return fields.string(value, field)


def same_definition(rule: dict, other: dict) -> bool:
    """Tell whether two rules (rows or values) define the same rule."""
    return all(rule.get(column) == other.get(column)
               for column in DEFINITION_COLUMNS)


def rule_to_document(rule: dict) -> dict:
    """Return the document of a stored rule, for export.

    Optional keys at their default are left out. Importing the document
    with ``--replace`` gives back a rule with the same definition.
    """
    document = {'name': rule['name']}
    if rule['project_id'] != DEFAULT_PROJECT:
        document['project_id'] = rule['project_id']
    document['id'] = rule['id']
    if rule.get('description') is not None:
        document['description'] = rule['description']
    document['job'] = {'type': rule['job_type']}
    if rule.get('job_args'):
        document['job']['args'] = rule['job_args']
    if rule.get('job_timeout') is not None:
        document['job']['timeout'] = rule['job_timeout']
    retry = {key: rule[column]
             for key, (column, _, _) in _RETRY_KEYS.items()
             if rule.get(column) is not None}
    if retry:
        document['job']['retry'] = retry
    trigger = {'kind': rule['trigger_kind'],
               'expression': rule['trigger_expr'],
               'timezone': rule['timezone']}
    for key in ('start_at', 'end_at'):
        if rule.get(key) is not None:
            trigger[key] = rule[key].isoformat()
    document['trigger'] = trigger
    if rule['misfire_policy'] != DEFAULT_MISFIRE_POLICY:
        document['misfire_policy'] = rule['misfire_policy']
    if rule.get('misfire_grace_time') is not None:
        document['misfire_grace_time'] = rule['misfire_grace_time']
    if rule.get('overlap_policy') is not None:
        document['overlap'] = rule['overlap_policy']
    if rule.get('concurrency_key') is not None:
        document['concurrency'] = {'key': rule['concurrency_key']}
    if rule.get('max_runs') is not None:
        document['max_runs'] = rule['max_runs']
    spread = {key: rule[column]
              for key, (column, _) in _SPREAD_KEYS.items()
              if rule.get(column) is not None}
    if spread:
        document['spread'] = spread
    if rule['paused']:
        document['paused'] = True
    return document
