"""The sample configuration file in etc/ is what the code generates."""

import pathlib
import sys

from oslo_config import cfg
from oslo_config import generator
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[4]
ETC = ROOT / 'etc' / 'migrator-scheduler'


# The sample is generated with the newest libraries (tox -e genconfig);
# on the oldest supported Python, older releases of oslo.* and
# keystoneauth1 describe their own options differently.
@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason='the libraries of the oldest Python differ')
def test_sample_config_is_up_to_date(tmp_path):
    output = tmp_path / 'sample.conf'
    conf = cfg.ConfigOpts()
    generator.register_cli_opts(conf)
    conf(['--config-file',
          str(ETC / 'migrator-scheduler-config-generator.conf'),
          '--output-file', str(output)])
    generator.generate(conf)
    expected = (ETC / 'migrator-scheduler.conf.sample').read_text()
    assert output.read_text() == expected, (
        'etc/migrator-scheduler/migrator-scheduler.conf.sample is out of '
        'date: run tox -e genconfig')


def test_sample_lists_keystoneauth_options():
    text = (ETC / 'migrator-scheduler.conf.sample').read_text()
    section = text.split('[http_job]', 1)[1].split('\n[', 1)[0]
    for option in ('auth_type', 'auth_url', 'username', 'password',
                   'application_credential_id', 'cafile', 'insecure',
                   'timeout = 30', 'allowed_destinations', 'token'):
        assert f'#{option}' in section, option
