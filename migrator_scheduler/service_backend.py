"""Selection of the oslo.service backend.

migrator-scheduler runs on oslo.service's ``threading`` backend. Operators
who still run the deprecated eventlet backend select it with the
environment variable ``MIGRATOR_SCHEDULER_SERVICE_BACKEND=eventlet``; the
code uses only plain threads, events and locks, which eventlet's monkey
patching turns into green ones, so both backends run the same code.

The choice has to be made before oslo.messaging is imported (importing it
makes oslo.service pick its own default), hence an environment variable
rather than a configuration option.
"""

import os
import warnings

from oslo_service import backend

ENV_VAR = 'MIGRATOR_SCHEDULER_SERVICE_BACKEND'
_CHOICES = {t.value: t for t in backend.BackendType}


def configured_backend() -> backend.BackendType:
    """Return the backend named by the environment (default threading)."""
    name = os.environ.get(ENV_VAR, 'threading').strip().lower()
    try:
        return _CHOICES[name]
    except KeyError:
        raise SystemExit(
            f'{ENV_VAR}={name!r} is not one of {sorted(_CHOICES)}') from None


def register_default() -> None:
    """Make the configured backend oslo.service's default, lazily."""
    backend.register_backend_default_hook(configured_backend)


def select() -> backend.BackendType:
    """Select the backend for a process entry point, once, at start-up."""
    chosen = configured_backend()
    if chosen is backend.BackendType.EVENTLET:
        import eventlet
        eventlet.monkey_patch()
    else:
        # Libraries import eventlet opportunistically (futurist does) and
        # it then warns of its own deprecation; nothing here uses it.
        warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
        warnings.filterwarnings('ignore',
                                message='eventletutils module is deprecated')
    backend.init_backend(chosen)
    return chosen
