"""The ``[openstack_snapshot]`` options."""

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from oslo_config import cfg
import pytest

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.conf import openstack_snapshot
from migrator_scheduler.conf import opts


def _conf() -> cfg.ConfigOpts:
    """A configuration as the driver sees it: with keystoneauth1's
    options, which it registers when it first connects."""
    conf = cfg.ConfigOpts()
    ms_conf.register_all(conf)
    openstack_snapshot.register_keystoneauth_opts(conf)
    conf([])
    return conf


def test_services_do_not_hold_keystoneauth_options_before_use():
    conf = cfg.ConfigOpts()
    ms_conf.register_all(conf)
    conf([])
    assert 'auth_type' not in list(conf.openstack_snapshot)


def test_defaults():
    group = _conf().openstack_snapshot
    assert (group.cloud, group.auth_type, group.interface,
            group.poll_interval, group.timeout) == (
        None, None, 'public', 5.0, 60)


def test_sample_lists_the_service_user_options():
    listed = {getattr(g, 'name', g): o for g, o in opts.list_opts()}
    names = {opt.dest for opt in listed['openstack_snapshot']}
    assert {'cloud', 'clouds_file', 'region_name', 'interface',
            'poll_interval', 'max_wait', 'auth_type', 'auth_url',
            'username', 'password', 'cafile', 'timeout'} <= names
    assert {opt.name: opt.default for opt in listed['openstack_snapshot']
            }['timeout'] == 60


def test_loading_credentials_leaves_other_configurations_alone():
    conf = _conf()
    conf.set_override('auth_type', 'password', group='openstack_snapshot')
    # Loading registers the plugin's options, auth_url (required) first.
    with pytest.raises(ks_exc.MissingRequiredOptions):
        ks_loading.load_auth_from_conf_options(conf, 'openstack_snapshot')
    assert 'auth_url' in list(conf.openstack_snapshot)
    assert 'auth_url' not in list(_conf().openstack_snapshot)
