"""The scenarios, in the order a full run takes them.

Each module has ``NAMES`` (the scenario names it measures; idle and
baseline share their rules) and ``run(ctx, names) -> {name: result}``.
"""

from msbench.scenarios import burst
from msbench.scenarios import idle
from msbench.scenarios import quiet
from msbench.scenarios import rebalance

MODULES = (burst, quiet, idle, rebalance)
NAMES = tuple(name for module in MODULES for name in module.NAMES)


def plan(selected) -> list[tuple[object, tuple[str, ...]]]:
    """``[(module, names to run)]`` for the ``selected`` names."""
    chosen = set(selected or NAMES)
    steps = []
    for module in MODULES:
        names = tuple(n for n in module.NAMES if n in chosen)
        if names:
            steps.append((module, names))
    return steps
