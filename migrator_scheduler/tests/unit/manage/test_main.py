"""Tests of the command line plumbing of migrator-scheduler-manage."""

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


def test_database_error_is_one_line(run, tmp_path):
    conf = tmp_path / 'bad.conf'
    conf.write_text(f'[database]\nconnection = sqlite:///{tmp_path}/no/'
                    f'such/dir/db.sqlite\n')
    code, out, err = run('--config-file', str(conf), 'db', 'version')
    assert (code, out) == (1, '')
    assert err.startswith('ERROR: database: ')
    assert 'Traceback' not in err
