"""Placeholders in the arguments of the ``http`` job.

A substitution, not a language: ``{name}`` is replaced by the value of
``name``, ``{{`` and ``}}`` stand for literal braces, and nothing else is
special. There are no format specifications, attributes or indexes, so a
rule cannot reach into the objects of the process.
"""

from __future__ import annotations

import collections.abc
import datetime
import re

from migrator_scheduler.jobs import context as context_mod

#: Placeholders filled from the run.
CONTEXT_NAMES = ('rule_id', 'rule_name', 'run_id', 'project_id', 'attempt',
                 'nominal_time', 'nominal_date')
#: ``{args.<name>}`` is the rule's ``vars`` entry ``name``.
VARS_PREFIX = 'args.'

_TOKEN = re.compile(r'\{\{|\}\}|\{([^{}]*)\}|[{}]')

# Stand-ins for the run's values when a rule is checked before any run:
# they make a URL with placeholders parse like a real one.
_SAMPLE = {
    'rule_id': '00000000-0000-0000-0000-000000000000',
    'rule_name': 'rule', 'run_id': '00000000-0000-0000-0000-000000000000',
    'project_id': 'project', 'attempt': '1',
    'nominal_time': '2000-01-01T00:00:00Z', 'nominal_date': '2000-01-01',
}


class TemplateError(ValueError):
    """A string uses an unknown placeholder or an unmatched brace."""


def _pieces(text: str) -> collections.abc.Iterator[tuple[bool, str]]:
    """Yield ``(is_placeholder, literal text or name)`` pieces."""
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() > pos:
            yield False, text[pos:match.start()]
        token = match.group(0)
        if token in ('{{', '}}'):
            yield False, token[0]
        elif match.group(1) is not None:
            yield True, match.group(1)
        else:
            raise TemplateError(
                f'unmatched {token!r} at position {match.start()}; write '
                f'{token * 2!r} for a literal brace')
        pos = match.end()
    if pos < len(text):
        yield False, text[pos:]


def placeholders(text: str) -> list[str]:
    """The names of the placeholders of ``text``.

    :raises TemplateError: on an unmatched brace.
    """
    return [value for is_name, value in _pieces(text) if is_name]


def check(text: str, var_names: collections.abc.Collection[str]) -> None:
    """Raise :class:`TemplateError` unless every placeholder of ``text``
    is known (a context name or ``args.<one of var_names>``)."""
    for is_name, value in _pieces(text):
        if not is_name:
            continue
        if value in CONTEXT_NAMES:
            continue
        if value.startswith(VARS_PREFIX) and \
                value[len(VARS_PREFIX):] in var_names:
            continue
        known = ', '.join('{%s}' % n for n in CONTEXT_NAMES)
        raise TemplateError(
            f'unknown placeholder {{{value}}}; use {known} or '
            f'{{args.NAME}} for an entry of job.args.vars')


def render(text: str, values: collections.abc.Mapping[str, str],
           quote: collections.abc.Callable[[str], str] | None = None
           ) -> str:
    """Substitute the placeholders of ``text`` (checked already).

    :param quote: applied to each substituted value (not to the literal
        text), e.g. percent-encoding for a URL.
    """
    out = []
    for is_name, value in _pieces(text):
        if is_name:
            value = values[value]
            if quote is not None:
                value = quote(value)
        out.append(value)
    return ''.join(out)


def render_json(value: object, values: collections.abc.Mapping[str, str]
                ) -> object:
    """A copy of a JSON value with the placeholders of every string value
    (not of object keys) substituted."""
    if isinstance(value, str):
        return render(value, values)
    if isinstance(value, list):
        return [render_json(item, values) for item in value]
    if isinstance(value, dict):
        return {key: render_json(item, values)
                for key, item in value.items()}
    return value


def json_strings(value: object, path: tuple = ()
                 ) -> collections.abc.Iterator[tuple[tuple, str]]:
    """Yield ``(path, string)`` for every string value inside ``value``."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_strings(item, (*path, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from json_strings(item, (*path, key))


def _vars(variables: collections.abc.Mapping[str, str]) -> dict[str, str]:
    return {VARS_PREFIX + name: value for name, value in variables.items()}


def nominal_time(when: datetime.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``: ``2030-01-01T02:00:00Z``."""
    text = when.astimezone(datetime.timezone.utc).isoformat()
    return text.replace('+00:00', 'Z')


def values_for(context: context_mod.JobContext,
               variables: collections.abc.Mapping[str, str]
               ) -> dict[str, str]:
    """The placeholder values of a run."""
    when = context.scheduled_for.astimezone(datetime.timezone.utc)
    return {
        'rule_id': context.rule_id, 'rule_name': context.rule_name,
        'run_id': context.run_id, 'project_id': context.project_id,
        'attempt': str(context.attempt),
        'nominal_time': nominal_time(when),
        'nominal_date': when.date().isoformat(),
        **_vars(variables),
    }


def sample_values(variables: collections.abc.Mapping[str, str]
                  ) -> dict[str, str]:
    """Placeholder values to check a rule with before it runs."""
    return {**_SAMPLE, **_vars(variables)}
