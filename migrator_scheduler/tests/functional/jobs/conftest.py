"""Fixtures of the job driver tests: a fake cloud and job contexts."""

from __future__ import annotations

import collections.abc
import datetime
import logging
import pathlib
import uuid

from oslo_config import cfg
import pytest
import yaml

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.jobs import context as context_mod
from migrator_scheduler.tests.functional.fixtures import fake_openstack

NIGHT = datetime.datetime(2026, 12, 1, 18, 0, tzinfo=datetime.timezone.utc)


@pytest.fixture
def cloud() -> collections.abc.Iterator[
        fake_openstack.FakeOpenStackFixture]:
    fixture = fake_openstack.FakeOpenStackFixture()
    fixture.setUp()
    try:
        yield fixture
    finally:
        fixture.cleanUp()


def _conf(path: pathlib.Path) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    ms_conf.register_all(conf)
    conf(['--config-file', str(path)], project='migrator-scheduler',
         default_config_files=[], default_config_dirs=[])
    return conf


def write_service_conf(cloud: fake_openstack.FakeOpenStackFixture,
                       tmp_path: pathlib.Path,
                       password: str = fake_openstack.PASSWORD
                       ) -> cfg.ConfigOpts:
    """Configuration with the service user's credentials in
    ``[openstack_snapshot]``, as an operator writes them."""
    path = tmp_path / 'migrator-scheduler.conf'
    path.write_text(f"""
[openstack_snapshot]
auth_type = password
auth_url = {cloud.auth_url}
username = {fake_openstack.USERNAME}
password = {password}
project_name = {fake_openstack.PROJECT_NAME}
user_domain_name = Default
project_domain_name = Default
region_name = {fake_openstack.REGION}
interface = internal
poll_interval = 0.1
""")
    return _conf(path)


@pytest.fixture
def service_conf(cloud, tmp_path) -> cfg.ConfigOpts:
    """:func:`write_service_conf` with the right password."""
    return write_service_conf(cloud, tmp_path)


@pytest.fixture
def clouds_yaml(cloud, tmp_path) -> pathlib.Path:
    """A clouds.yaml naming the fake cloud ``fake``."""
    path = tmp_path / 'clouds.yaml'
    path.write_text(yaml.safe_dump({'clouds': {'fake': {
        'auth_type': 'password',
        'auth': {'auth_url': cloud.auth_url,
                 'username': fake_openstack.USERNAME,
                 'password': fake_openstack.PASSWORD,
                 'project_name': fake_openstack.PROJECT_NAME,
                 'user_domain_name': 'Default',
                 'project_domain_name': 'Default'},
        'region_name': fake_openstack.REGION}}}))
    return path


@pytest.fixture
def bare_conf(tmp_path) -> cfg.ConfigOpts:
    """Configuration without credentials, polling fast."""
    path = tmp_path / 'bare.conf'
    path.write_text('[openstack_snapshot]\npoll_interval = 0.1\n')
    return _conf(path)


def make_context(rule_id: str | None = None,
                 scheduled_for: datetime.datetime = NIGHT,
                 run_id: str | None = None, seconds: float = 30,
                 claim: collections.abc.Callable[[], bool] = lambda: True
                 ) -> context_mod.JobContext:
    """A context as the executor builds one, with a deadline."""
    rule_id = rule_id or str(uuid.uuid4())
    run_id = run_id or str(uuid.uuid4())
    log = context_mod.RunLogger(logging.getLogger('migrator_scheduler.jobs'),
                                {'run_id': run_id, 'rule_id': rule_id})
    return context_mod.JobContext(
        run_id=run_id, rule_id=rule_id, rule_name='nightly',
        project_id='migration', scheduled_for=scheduled_for, attempt=1,
        deadline=datetime.datetime.now(datetime.timezone.utc)
        + datetime.timedelta(seconds=seconds),
        log=log, claim_check=claim)
