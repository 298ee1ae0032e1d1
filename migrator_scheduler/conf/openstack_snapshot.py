"""Options of the ``[openstack_snapshot]`` group.

Besides the options below, the group holds the keystoneauth1 options of
the service user, as other OpenStack services read theirs: ``auth_type``
and the options of that plugin (``auth_url``, ``username``,
``password``...), and the HTTP session options (``cafile``, ``timeout``...),
registered when a job first needs them (see
:mod:`migrator_scheduler.conf.keystoneauth`).
"""

from oslo_config import cfg

from migrator_scheduler.conf import keystoneauth

GROUP = cfg.OptGroup(
    'openstack_snapshot',
    title='OpenStack snapshot job options',
    help='How the ``openstack_snapshot`` job reaches OpenStack: the '
         'credentials of the service user (keystoneauth1 options), or a '
         'cloud named in clouds.yaml.')

# A request the cloud never answers must not hold a job slot until the
# run's deadline (or forever, without one).
_DEFAULT_HTTP_TIMEOUT = 60

_opts = [
    cfg.StrOpt(
        'cloud',
        help='Name of a cloud in clouds.yaml that jobs without a ``cloud`` '
             'argument use. Unset: they authenticate with the keystoneauth1 '
             'options of this group.'),
    cfg.StrOpt(
        'clouds_file',
        help='Path of the clouds.yaml file where named clouds are read. '
             'Unset: openstacksdk\'s usual search, the file named by '
             'OS_CLIENT_CONFIG_FILE, then clouds.yaml in the working '
             'directory, ~/.config/openstack and /etc/openstack. When set, '
             'only this file is read and OS_* environment variables are '
             'ignored, so every executor behaves the same whatever its '
             'environment.'),
    cfg.StrOpt(
        'interface',
        default='public',
        choices=[('public', 'endpoints reachable from outside the cloud'),
                 ('internal', 'endpoints on the cloud\'s internal network'),
                 ('admin', 'administrative endpoints')],
        help='Endpoint interface of the service catalog to use with the '
             'credentials of this group. Services inside the cloud usually '
             'use ``internal``. Named clouds take theirs from clouds.yaml.'),
    cfg.IntOpt(
        'max_wait',
        default=21600, min=1, max=7 * 86400,
        help='Seconds a job waits at most for its snapshot or image to be '
             'ready, when its run has no earlier deadline. A snapshot '
             'still being created then fails the attempt (not for good: '
             'a later attempt finds it and waits again) and frees the job '
             'slot. Large server images can take hours.'),
    cfg.FloatOpt(
        'poll_interval',
        default=5.0, min=0.1, max=600.0,
        help='Seconds between two status checks of a snapshot or image '
             'being created. Shorter notices completion sooner at the cost '
             'of more API requests.'),
    cfg.StrOpt(
        'region_name',
        help='Region of the service catalog to use with the credentials '
             'of this group; unset, the only region of the catalog. Named '
             'clouds take theirs from clouds.yaml.'),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    # A group of its own for each ConfigOpts: the auth plugin's options
    # are registered on it when first loaded, and registered groups share
    # their table of options with the OptGroup object given.
    conf.register_group(cfg.OptGroup(GROUP.name, title=GROUP.title,
                                     help=GROUP.help))
    conf.register_opts(_opts, group=GROUP.name)


def register_keystoneauth_opts(conf: cfg.ConfigOpts) -> None:
    """Register keystoneauth1's options in the group (idempotent)."""
    keystoneauth.register(conf, GROUP.name, _DEFAULT_HTTP_TIMEOUT)


def list_opts() -> dict:
    # The password plugin's options are listed for the sample, as other
    # services do: it is the usual plugin of a service user.
    return {GROUP: _opts + keystoneauth.sample_opts(
        ('password',), _DEFAULT_HTTP_TIMEOUT)}
