"""Reading and writing files of rule documents (YAML or JSON).

A file holds either a list of rule documents or a mapping with a single
``rules`` key holding that list. Loading is all-or-nothing: every item is
validated and every error reported, naming the item by its position
(counted from 1) and, for YAML, the line it starts on.
"""

import contextlib
import dataclasses
import datetime
import gc
import json
import os
import sys

import yaml

from migrator_scheduler import exception
from migrator_scheduler.rules import limits
from migrator_scheduler.rules import spec
from migrator_scheduler.rules import yaml_extent

FORMATS = ('yaml', 'json')
MAX_ERRORS_SHOWN = 50

_EXTENSIONS = {'.yaml': 'yaml', '.yml': 'yaml', '.json': 'json'}
_TOP_KEY = 'rules'
_EXPECTED = f'a list of rules or a mapping with a {_TOP_KEY!r} list'
# libyaml is ten times faster on files of thousands of rules.
_Loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
_Dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)
_MERGE_TAG = 'tag:yaml.org,2002:merge'


@dataclasses.dataclass(frozen=True)
class LoadedRule:
    """A valid rule of a file.

    :ivar values: its database values (see :func:`spec.check_rule`).
    :ivar where: the file and item it comes from, for messages, e.g.
        ``rules.yaml: item 3 (line 12)``.
    """

    values: dict
    where: str


@dataclasses.dataclass
class _Item:
    number: int
    line: int | None
    document: object = None
    error: str | None = None

    def __str__(self) -> str:
        if self.line is None:
            return f'item {self.number}'
        return f'item {self.number} (line {self.line})'


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """A YAML constructor that refuses duplicate mapping keys.

    Plain YAML keeps the last of two equal keys, silently dropping what
    was probably meant.
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = (key_node.tag, key_node.value)
                if key in seen and key_node.tag != _MERGE_TAG:
                    raise yaml.constructor.ConstructorError(
                        None, None, f'duplicate key {key_node.value!r}',
                        key_node.start_mark)
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as exc:
            # A timestamp such as 2030-02-30, or an integer of more
            # digits than Python reads: say where.
            raise yaml.constructor.ConstructorError(
                None, None, str(exc), node.start_mark) from None


def file_format(path: str, fmt: str | None = None) -> str:
    """Return the format of ``path``: ``fmt`` if given, else its suffix."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise exception.InvalidRuleFile(
                f'unknown format {fmt!r}; use one of: {", ".join(FORMATS)}')
        return fmt
    suffix = os.path.splitext(path)[1].lower()
    if path == '-' or suffix not in _EXTENSIONS:
        raise exception.InvalidRuleFile(
            f'{path}: cannot tell the format from the file name; name it '
            f'explicitly ({" or ".join(FORMATS)})')
    return _EXTENSIONS[suffix]


def source_name(path: str) -> str:
    """Return how messages name the file ``path`` (``-`` is stdin)."""
    return '<stdin>' if path == '-' else path


def load_rules_file(path: str, defaults: spec.RuleDefaults,
                    now: datetime.datetime, fmt: str | None = None,
                    allow_exhausted: bool = False) -> list[LoadedRule]:
    """Read and validate the rules of ``path`` (``-`` is stdin).

    :param allow_exhausted: see :func:`spec.check_rule`.
    :returns: every rule, in file order.
    :raises InvalidRuleFile: the file cannot be read or any rule is
        invalid; the message lists every problem found.
    """
    fmt = file_format(path, fmt)
    source = source_name(path)
    try:
        if path == '-':
            data = _read_limited(getattr(sys.stdin, 'buffer', sys.stdin))
        else:
            with open(path, 'rb') as stream:
                data = _read_limited(stream)
        text = data.decode('utf-8') if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise exception.InvalidRuleFile(
            f'{source}: not UTF-8 text: {exc.reason}') from None
    except OSError as exc:
        raise exception.InvalidRuleFile(
            f'{source}: {exc.strerror or exc}') from None
    except _TooLarge:
        raise exception.InvalidRuleFile(
            f'{source}: larger than '
            f'{limits.describe(limits.MAX_FILE_BYTES)}; split it into '
            f'smaller files') from None
    return load_rules(text, fmt, defaults, now, source=source,
                      allow_exhausted=allow_exhausted)


class _TooLarge(Exception):
    pass


def _read_limited(stream) -> bytes | str:
    """Read ``stream`` to its end, refusing more than the file limit."""
    limit = limits.MAX_FILE_BYTES
    try:
        # A file known to be too large is refused before reading it.
        known = os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        known = 0       # a stream without a file
    if known > limit:
        raise _TooLarge()
    data = stream.read(limit + 1)
    size = len(data.encode('utf-8')) if isinstance(data, str) else len(
        data)
    if size > limit:
        raise _TooLarge()
    return data


def load_rules(text: str, fmt: str, defaults: spec.RuleDefaults,
               now: datetime.datetime, source: str = '<input>',
               allow_exhausted: bool = False) -> list[LoadedRule]:
    """Validate the rules in ``text``; see :func:`load_rules_file`."""
    with _gc_paused():
        if fmt == 'yaml':
            items = _parse_yaml(text, source)
        else:
            items = _parse_json(text, source)
        return _validate(items, defaults, now, source, allow_exhausted)


@contextlib.contextmanager
def _gc_paused():
    # Parsing allocates millions of objects without a single reference
    # cycle; the cyclic collector would walk the growing heap again and
    # again and more than double the time taken by a large file.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dump_rules(documents: list[dict], fmt: str) -> str:
    """Return rule documents as the text of a rule file."""
    data = {_TOP_KEY: documents}
    if fmt == 'json':
        return json.dumps(data, indent=2, ensure_ascii=False) + '\n'
    if fmt == 'yaml':
        return yaml.dump(data, Dumper=_Dumper, sort_keys=False,
                         default_flow_style=False, allow_unicode=True)
    raise exception.InvalidRuleFile(
        f'unknown format {fmt!r}; use one of: {", ".join(FORMATS)}')


def _parse_yaml(text: str, source: str) -> list[_Item]:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise exception.InvalidRuleFile(
            f'{source}: {_yaml_problem(exc)}') from None
    except RecursionError:
        # Only without libyaml, which refuses deep nesting itself.
        raise exception.InvalidRuleFile(
            f'{source}: nested too deeply') from None
    items = []
    total = 0
    for number, node in enumerate(_rule_nodes(root, source), 1):
        item = _Item(number, node.start_mark.line + 1)
        items.append(item)
        try:
            extent = yaml_extent.measure(node, limits.MAX_RULE_BYTES,
                                         limits.MAX_RULE_DEPTH)
        except yaml_extent.TooLarge as exc:
            item.error = f'rule document: {exc}'
            continue
        total += extent.size
        if total > limits.MAX_FILE_BYTES:
            raise exception.InvalidRuleFile(
                f'{source}: {item}: with its aliases written out the file '
                f'is larger than {limits.describe(limits.MAX_FILE_BYTES)}')
        try:
            item.document = _StrictConstructor().construct_document(node)
        except yaml.YAMLError as exc:
            item.error = _yaml_problem(exc)
    return items


def _rule_nodes(root: yaml.Node | None, source: str) -> list[yaml.Node]:
    if isinstance(root, yaml.SequenceNode):
        return root.value
    if not isinstance(root, yaml.MappingNode):
        raise exception.InvalidRuleFile(f'{source}: expected {_EXPECTED}')
    nodes = None
    for key, value in root.value:
        where = f'{source}: line {key.start_mark.line + 1}'
        if key.value != _TOP_KEY:
            raise exception.InvalidRuleFile(
                f'{where}: unknown key {key.value!r}; expected {_EXPECTED}')
        if nodes is not None:
            raise exception.InvalidRuleFile(
                f'{where}: duplicate key {_TOP_KEY!r}')
        if not isinstance(value, yaml.SequenceNode):
            raise exception.InvalidRuleFile(
                f'{where}: {_TOP_KEY!r} must be a list')
        nodes = value.value
    if nodes is None:
        raise exception.InvalidRuleFile(f'{source}: expected {_EXPECTED}')
    return nodes


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, 'problem_mark', None)
    problem = getattr(exc, 'problem', None) or str(exc)
    if mark is None:
        return problem
    return f'line {mark.line + 1}, column {mark.column + 1}: {problem}'


def _no_duplicate_keys(pairs: list[tuple]) -> dict:
    data = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f'duplicate key {key!r}')
        data[key] = value
    return data


def _parse_json(text: str, source: str) -> list[_Item]:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise exception.InvalidRuleFile(
            f'{source}: line {exc.lineno}, column {exc.colno}: '
            f'{exc.msg}') from None
    except ValueError as exc:
        raise exception.InvalidRuleFile(f'{source}: {exc}') from None
    except RecursionError:
        raise exception.InvalidRuleFile(
            f'{source}: nested too deeply') from None
    if isinstance(data, dict) and list(data) == [_TOP_KEY]:
        data = data[_TOP_KEY]
    if not isinstance(data, list):
        raise exception.InvalidRuleFile(f'{source}: expected {_EXPECTED}')
    return [_Item(number, None, document)
            for number, document in enumerate(data, 1)]


def _validate(items: list[_Item], defaults: spec.RuleDefaults,
              now: datetime.datetime, source: str,
              allow_exhausted: bool) -> list[LoadedRule]:
    errors, rules = [], []
    by_name, by_id = {}, {}
    for item in items:
        label = f'{source}: {item}'
        if item.error is not None:
            errors.append(f'{label}: {item.error}')
            continue
        values, problems = spec.check_rule(item.document, defaults, now,
                                           allow_exhausted)
        errors.extend(f'{label}: {problem}' for problem in problems)
        if values is None:
            continue
        first = by_name.setdefault(
            (values['project_id'], values['name']), item)
        if first is not item:
            errors.append(
                f'{label}: name: rule {values["name"]!r} of project '
                f'{values["project_id"]!r} is also {first}')
        first = by_id.setdefault(values['id'], item)
        if first is not item:
            errors.append(f'{label}: id: {values["id"]} is also {first}')
        rules.append(LoadedRule(values, label))
    if errors:
        raise file_error(errors, source)
    return rules


def file_error(errors: list[str], source: str) -> exception.InvalidRuleFile:
    """Return the error of a file with ``errors``, one line each."""
    lines = errors[:MAX_ERRORS_SHOWN]
    if len(errors) > 1:
        lines.insert(0, f'{source}: {len(errors)} errors')
    if len(errors) > MAX_ERRORS_SHOWN:
        lines.append(f'{source}: {len(errors) - MAX_ERRORS_SHOWN} more '
                     f'errors not shown')
    error = exception.InvalidRuleFile('\n'.join(lines))
    error.errors = errors
    return error
