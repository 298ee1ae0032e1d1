"""Job drivers, loaded with stevedore from ``migrator_scheduler.jobs``."""

from __future__ import annotations

import threading

from stevedore import driver

from migrator_scheduler import exception
from migrator_scheduler.jobs import base

NAMESPACE = 'migrator_scheduler.jobs'

_classes: dict = {}
_drivers: dict = {}
_lock = threading.Lock()


def get_driver_class(job_type: str) -> type[base.JobDriver]:
    """Return the (cached) driver class for ``job_type``, not instantiated.

    :raises JobDriverNotFound: no installed driver has this name, or it
        implements another version of the driver interface.
    """
    with _lock:
        if job_type not in _classes:
            try:
                manager = driver.DriverManager(
                    NAMESPACE, job_type, invoke_on_load=False)
            except Exception as exc:
                raise exception.JobDriverNotFound(job_type) from exc
            cls = manager.driver
            version = getattr(cls, 'api_version', None)
            if version != base.API_VERSION:
                raise exception.JobDriverNotFound(
                    job_type, f'it implements driver interface version '
                    f'{version}, not {base.API_VERSION}')
            _classes[job_type] = cls
        return _classes[job_type]


def get_driver(job_type: str) -> base.JobDriver:
    """Return the (cached) driver instance for ``job_type``.

    :raises JobDriverNotFound: as :func:`get_driver_class`.
    """
    cls = get_driver_class(job_type)
    with _lock:
        if job_type not in _drivers:
            _drivers[job_type] = cls()
        return _drivers[job_type]
