"""Connections to OpenStack clouds, for the jobs that call them.

openstacksdk and keystoneauth1 are imported inside the functions: the
manage CLI loads driver classes to check rules and must not pay for them.
"""

from __future__ import annotations

import collections.abc
import contextlib
import threading
import typing

from oslo_config import cfg

from migrator_scheduler.conf import openstack_snapshot as snapshot_conf
from migrator_scheduler.jobs import errors

if typing.TYPE_CHECKING:
    import openstack.connection

GROUP = 'openstack_snapshot'

# Client errors another attempt may not see: a timeout, a conflict with
# the resource's current state, a rate limit.
_TRANSIENT_STATUS = frozenset({408, 409, 429})


class Connector:
    """Builds openstacksdk connections from ``[openstack_snapshot]``.

    One instance is shared by the threads of an executor. The service
    user's auth plugin is built once and kept, so its token is reused
    between runs until it expires; each connection gets its own HTTP
    session, closed with it.
    """

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        snapshot_conf.register_keystoneauth_opts(conf)
        self._conf = conf
        self._lock = threading.Lock()
        self._auth = None

    def connect(self, cloud: str | None = None
                ) -> openstack.connection.Connection:
        """Return a connection to ``cloud`` (a name in clouds.yaml), to
        ``[openstack_snapshot] cloud`` when None, or else with the
        service credentials of the group.

        :raises PermanentJobError: nothing says how to authenticate, or
            the cloud is not in clouds.yaml.
        """
        import openstack.connection

        group = self._conf[GROUP]
        cloud = cloud or group.cloud
        if cloud:
            return openstack.connection.Connection(
                config=self._cloud_region(cloud))
        from keystoneauth1 import loading as ks_loading

        session = ks_loading.load_session_from_conf_options(
            self._conf, GROUP, auth=self._service_auth())
        return openstack.connection.Connection(
            session=session, region_name=group.region_name,
            interface=group.interface)

    def _cloud_region(self, cloud: str):
        import openstack.config
        from openstack import exceptions as sdk_exc

        path = self._conf[GROUP].clouds_file
        if path:
            config = openstack.config.OpenStackConfig(
                config_files=[path], load_envvars=False)
        else:
            config = openstack.config.OpenStackConfig()
        try:
            return config.get_one(cloud=cloud)
        except sdk_exc.ConfigException as exc:
            raise errors.PermanentJobError(
                f'cloud {cloud!r}: {exc}') from exc

    def _service_auth(self):
        from keystoneauth1 import exceptions as ks_exc
        from keystoneauth1 import loading as ks_loading

        with self._lock:
            if self._auth is None:
                # Registers the plugin's options on first use: serialised.
                try:
                    self._auth = ks_loading.load_auth_from_conf_options(
                        self._conf, GROUP)
                except ks_exc.ClientException as exc:
                    raise errors.PermanentJobError(
                        f'[{GROUP}] credentials: {exc}') from exc
                if self._auth is None:
                    raise errors.PermanentJobError(
                        f'no cloud is named and [{GROUP}] auth_type is '
                        f'not set: there are no credentials to use')
            return self._auth


def _is_permanent(status: int | None) -> bool:
    return status is not None and 400 <= status < 500 \
        and status not in _TRANSIENT_STATUS


@contextlib.contextmanager
def translate_errors(what: str) -> collections.abc.Iterator[None]:
    """Turn refusals another attempt cannot fix into
    :class:`PermanentJobError`, prefixed with ``what``.

    Client errors (HTTP 4xx but 408, 409 and 429), a missing endpoint and
    bad credentials options are permanent; server errors and network
    failures propagate unchanged, and may be retried.
    """
    from keystoneauth1 import exceptions as ks_exc
    from openstack import exceptions as sdk_exc

    try:
        yield
    except sdk_exc.HttpException as exc:
        if _is_permanent(exc.status_code):
            raise errors.PermanentJobError(f'{what}: {exc}') from exc
        raise
    except ks_exc.HttpError as exc:
        if _is_permanent(exc.http_status):
            raise errors.PermanentJobError(f'{what}: {exc}') from exc
        raise
    except (ks_exc.EndpointNotFound, ks_exc.AuthPluginException,
            sdk_exc.EndpointNotFound, sdk_exc.ServiceDisabledException,
            sdk_exc.ConfigException) as exc:
        raise errors.PermanentJobError(f'{what}: {exc}') from exc
