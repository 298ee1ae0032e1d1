"""Job drivers, loaded with stevedore from ``migrator_scheduler.jobs``."""

import threading

from stevedore import driver

from migrator_scheduler import exception

NAMESPACE = 'migrator_scheduler.jobs'

_drivers: dict = {}
_lock = threading.Lock()


def get_driver(job_type: str):
    """Return the (cached) driver instance for ``job_type``.

    :raises JobDriverNotFound: no installed driver has this name.
    """
    with _lock:
        if job_type not in _drivers:
            try:
                manager = driver.DriverManager(
                    NAMESPACE, job_type, invoke_on_load=True)
            except Exception as exc:
                raise exception.JobDriverNotFound(job_type) from exc
            _drivers[job_type] = manager.driver
        return _drivers[job_type]
