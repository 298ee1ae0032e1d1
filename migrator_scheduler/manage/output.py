"""Rendering of command results as a table, JSON or YAML."""

import datetime
import json

import yaml

FORMATS = ('table', 'json', 'yaml')

_Dumper = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)


def plain(value):
    """Return ``value`` with datetimes as ISO 8601 strings."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        # Row keys are str subclasses, which the safe dumper refuses.
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def dump(data, fmt: str) -> str:
    """Return ``data`` as JSON or YAML text."""
    data = plain(data)
    if fmt == 'json':
        return json.dumps(data, indent=2, ensure_ascii=False)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True).rstrip()


def cell(value) -> str:
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    # A line break would cut the row in two.
    return str(value).replace('\n', ' ')


def table(headers: list[str], rows: list[list]) -> str:
    """Return rows as a plain-text table with a header line."""
    text_rows = [[cell(value) for value in row] for row in rows]
    widths = [max([len(header)] + [len(row[i]) for row in text_rows])
              for i, header in enumerate(headers)]
    separator = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'

    def line(cells: list[str]) -> str:
        return '| ' + ' | '.join(
            text.ljust(width) for text, width in zip(cells, widths)) + ' |'

    lines = [separator, line(headers), separator]
    lines.extend(line(row) for row in text_rows)
    lines.append(separator)
    return '\n'.join(lines)
