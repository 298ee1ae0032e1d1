from oslo_config import cfg

from migrator_scheduler import conf as ms_conf
from migrator_scheduler.conf import opts


def _registered_groups(conf: cfg.ConfigOpts) -> set[str]:
    groups = {'DEFAULT'} if conf._opts else set()
    groups.update(conf._groups)
    return groups


def test_every_registered_group_is_listed():
    conf = cfg.ConfigOpts()
    ms_conf.register_all(conf)
    for module in ms_conf._MODULES:
        module.register_opts(conf)
    listed = {getattr(g, 'name', g) for g, _ in opts.list_opts()}
    # oslo.log registers its options in DEFAULT; the generator lists them
    # through the oslo.log namespace.
    assert _registered_groups(conf) <= listed


def test_every_listed_option_has_help():
    for group, options in opts.list_opts():
        for opt in options:
            if opt.__module__.startswith('migrator_scheduler'):
                assert opt.help, f'{group}.{opt.name} has no help'


def test_project_groups_present():
    listed = {getattr(g, 'name', g) for g, _ in opts.list_opts()}
    assert {'DEFAULT', 'scheduler', 'executor', 'coordination',
            'database', 'oslo_messaging_rabbit'} <= listed


def test_defaults_are_all_in_one():
    conf = cfg.ConfigOpts()
    ms_conf.register_all(conf)
    conf([])
    assert conf.transport_url == 'fake://'
    assert conf.database.connection.startswith('sqlite:///')
    assert conf.coordination.backend_url.startswith('file://')
    assert conf.scheduler.embedded_executor


def test_processes_reconnect_to_rabbitmq_within_seconds():
    conf = cfg.ConfigOpts()
    ms_conf.register_all(conf)
    conf([])
    rabbit = conf.oslo_messaging_rabbit
    assert (rabbit.rabbit_retry_interval, rabbit.rabbit_retry_backoff,
            rabbit.rabbit_interval_max) == (1, 1, 5)
