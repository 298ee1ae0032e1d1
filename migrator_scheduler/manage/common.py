"""Plumbing shared by the command categories of migrator-scheduler-manage.

oslo.config exposes the parsed sub-command arguments as attributes of
``CONF.category``, where ``name`` is taken by the command name and every
option name of the configuration is forbidden. Argument values are
therefore stored under a private prefix and handed to the command as
keyword arguments.
"""

import argparse
import collections.abc

_PREFIX = 'action_kwarg_'

Arg = tuple[tuple[str, ...], dict]


def arg(*flags: str, **kwargs) -> Arg:
    """Describe one argument, as for ``ArgumentParser.add_argument``."""
    return flags, kwargs


def add_command(subparsers: argparse._SubParsersAction, name: str,
                func: collections.abc.Callable, help_text: str,
                args: collections.abc.Iterable[Arg] = ()) -> None:
    """Add the command ``name`` that calls ``func(**arguments)``."""
    parser = subparsers.add_parser(name, help=help_text,
                                   description=help_text)
    names = []
    for flags, kwargs in args:
        kwargs = dict(kwargs)
        if flags[0].startswith('-'):
            dest = kwargs.pop('dest', None) or flags[0].lstrip('-')
            dest = dest.replace('-', '_')
            if _takes_value(kwargs):
                # argparse would show the prefixed destination.
                kwargs.setdefault('metavar', dest.upper())
            parser.add_argument(*flags, dest=_PREFIX + dest, **kwargs)
        else:
            dest = flags[0]
            kwargs.setdefault('metavar', dest.upper())
            parser.add_argument(_PREFIX + dest, **kwargs)
        names.append(dest)
    parser.set_defaults(action_fn=func, action_args=tuple(names))


def _takes_value(kwargs: dict) -> bool:
    return (kwargs.get('action', 'store') in ('store', 'append')
            and 'choices' not in kwargs)


def call_command(category) -> int | None:
    """Call the command selected on the command line (``CONF.category``)."""
    kwargs = {name: getattr(category, _PREFIX + name)
              for name in category.action_args}
    return category.action_fn(**kwargs)
