"""Tests of the command line plumbing of migrator-scheduler-manage."""

import argparse

import pytest

from migrator_scheduler.cmd import manage


@pytest.mark.parametrize('name, module', manage.CATEGORIES.items())
def test_category_interface(name, module):
    assert module.HELP
    assert callable(module.add_parsers)


@pytest.mark.parametrize('argv', [['--help'], ['rule', '--help'],
                                  ['rule', 'import', '--help']])
def test_help(run, capsys, argv):
    with pytest.raises(SystemExit) as info:
        run(*argv)
    assert info.value.code == 0


def _commands():
    parser = argparse.ArgumentParser()
    manage._add_categories(parser.add_subparsers())
    [categories] = [action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction)]
    for category, category_parser in categories.choices.items():
        [commands] = [action for action in category_parser._actions
                      if isinstance(action, argparse._SubParsersAction)]
        for command, command_parser in commands.choices.items():
            yield pytest.param(command_parser, id=f'{category}-{command}')


@pytest.mark.parametrize('parser', list(_commands()))
def test_help_shows_no_internal_names(parser):
    text = parser.format_help()
    assert 'ACTION_KWARG' not in text and 'action_kwarg' not in text


def test_help_names_values_plainly(run, capsys):
    with pytest.raises(SystemExit):
        run('rule', 'create', '--help')
    text = capsys.readouterr().out
    for metavar in ('--name NAME', '--project-id PROJECT', '--job-args JSON',
                    '--trigger-kind KIND', '--expression EXPR',
                    '--timezone ZONE'):
        assert metavar in text


def test_database_error_is_one_line(run, tmp_path):
    conf = tmp_path / 'bad.conf'
    conf.write_text(f'[database]\nconnection = sqlite:///{tmp_path}/no/'
                    f'such/dir/db.sqlite\n')
    code, out, err = run('--config-file', str(conf), 'db', 'version')
    assert (code, out) == (1, '')
    assert err.startswith('ERROR: database: ')
    assert 'Traceback' not in err
