"""Running migrator-scheduler-manage in-process."""

import logging

import pytest

from migrator_scheduler.cmd import manage
from migrator_scheduler.conf import CONF
from migrator_scheduler.db import api as db_api
from migrator_scheduler.manage import rule_support
from migrator_scheduler.tests.unit.manage import helpers


@pytest.fixture
def run(capsys):
    """Return ``run(*argv) -> (exit code, stdout, stderr)``.

    The global CONF, the database engine and the root logger are put
    back as they were after each command: a one-shot process leaves them
    set for good.
    """
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]

    def _run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = manage.main(list(argv))
        finally:
            CONF.clear()
            CONF.unregister_opt(manage.category_opt)
            CONF.clear_default('use_stderr')
            db_api.reset()
            root.setLevel(level)
            root.handlers[:] = handlers
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def empty_db(tmp_path):
    """Point the database API at a SQLite file with no schema yet."""
    CONF.set_override('connection', f'sqlite:///{tmp_path}/empty.sqlite',
                      group='database')
    db_api.reset()
    yield
    db_api.reset()
    CONF.clear_override('connection', group='database')


@pytest.fixture
def fixed_now(monkeypatch):
    """Make the rule commands take ``helpers.NOW`` as the current time."""
    monkeypatch.setattr(rule_support, 'now', lambda: helpers.NOW)
