"""When rules fire: pure functions of time, with no clock and no I/O.

:func:`build_trigger` validates a rule's trigger fields and returns a
:class:`Trigger`, whose :meth:`~Trigger.next_fire` gives the next fire
time after an instant. :mod:`.misfire` plans runs for fire times that
passed while no scheduler was looking, :mod:`.jitter` spreads runs.
"""

from migrator_scheduler.triggers.base import Trigger
from migrator_scheduler.triggers.factory import build_trigger
from migrator_scheduler.triggers.factory import TRIGGER_KINDS

__all__ = ['TRIGGER_KINDS', 'Trigger', 'build_trigger']
