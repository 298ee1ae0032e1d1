"""Fixtures of the job driver tests."""

import datetime
import logging
import uuid

from oslo_config import fixture as config_fixture
import pytest

from migrator_scheduler.conf import CONF
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.tests.functional.fixtures import fake_platform

NOMINAL = datetime.datetime(2030, 1, 1, 2, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def conf():
    """The process's configuration, its overrides undone after the test."""
    fixture = config_fixture.Config(CONF)
    fixture.setUp()
    yield fixture
    fixture.cleanUp()


@pytest.fixture
def platform():
    """A fake platform API on 127.0.0.1."""
    fake = fake_platform.FakePlatform()
    fake.setUp()
    yield fake
    fake.cleanUp()


def make_context(deadline: float | None = None, **values
                 ) -> context_mod.JobContext:
    """A run's context; ``deadline`` in seconds from now."""
    fields = {'run_id': str(uuid.uuid4()), 'rule_id': str(uuid.uuid4()),
              'rule_name': 'sync-host-web01', 'project_id': 'demo',
              'scheduled_for': NOMINAL, 'attempt': 1, 'deadline': None}
    fields.update(values)
    if deadline is not None:
        fields['deadline'] = datetime.datetime.now(
            datetime.timezone.utc) + datetime.timedelta(seconds=deadline)
    ids = {'run_id': fields['run_id'], 'rule_id': fields['rule_id']}
    return context_mod.JobContext(
        log=context_mod.RunLogger(logging.getLogger('test.jobs'), ids),
        **fields)
