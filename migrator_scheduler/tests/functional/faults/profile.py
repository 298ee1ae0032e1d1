"""How hard the fault suite pushes: the short profile or the long one.

``MIGRATOR_TEST_FAULT_PROFILE=long`` selects the long profile (outages
of minutes, many rounds: about an hour); the default ``short`` one keeps
the whole suite to a few minutes, for CI.
"""

from __future__ import annotations

import dataclasses
import os

ENV = 'MIGRATOR_TEST_FAULT_PROFILE'


@dataclasses.dataclass(frozen=True)
class Profile:
    """Parameters of the fault tests.

    :ivar name: ``short`` or ``long``.
    :ivar start_rounds: times the schedulers are started together.
    :ivar started_together: schedulers started at the same instant.
    :ivar broker_downtime: seconds RabbitMQ stays down.
    :ivar executors_downtime: seconds every executor stays down.
    :ivar database_downtime: seconds the database server stays down.
    :ivar zookeeper_downtime: seconds ZooKeeper stays down.
    """

    name: str
    start_rounds: int
    started_together: int
    broker_downtime: float
    executors_downtime: float
    database_downtime: float
    zookeeper_downtime: float


PROFILES = {
    'short': Profile('short', start_rounds=3, started_together=6,
                     broker_downtime=30, executors_downtime=60,
                     database_downtime=5, zookeeper_downtime=5),
    'long': Profile('long', start_rounds=20, started_together=6,
                    broker_downtime=30, executors_downtime=300,
                    database_downtime=30, zookeeper_downtime=30),
}


def current() -> Profile:
    """The profile named by the environment (default ``short``)."""
    name = os.environ.get(ENV, 'short').strip().lower() or 'short'
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f'{ENV}={name!r} is not one of '
                         f'{", ".join(sorted(PROFILES))}') from None
