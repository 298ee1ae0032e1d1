"""Size limits of rule documents and rule files.

They keep a small input from costing large amounts of memory, time or
database space: a YAML file of a few hundred bytes can use aliases to
stand for gigabytes of data ("billion laughs"). Sizes count the data as
if every alias were written out.
"""

KIB = 1024
MIB = 1024 * KIB

# A rule file: room for 100,000 rules of about 1 KiB each.
MAX_FILE_BYTES = 128 * MIB
# ``job.args``, as stored: the length of its JSON text.
MAX_JOB_ARGS_BYTES = 64 * KIB
# ``job.args`` nesting: ``{}`` is 1 level, ``{"a": [1]}`` 2.
MAX_JOB_ARGS_DEPTH = 32
# One rule document of a YAML file, every alias written out: far above
# what a rule within the limits above can take.
MAX_RULE_BYTES = 1 * MIB
MAX_RULE_DEPTH = 64


def describe(size: int) -> str:
    """Return a size in bytes the way the limits are documented."""
    if size >= MIB and size % MIB == 0:
        return f'{size // MIB} MiB'
    if size >= KIB and size % KIB == 0:
        return f'{size // KIB} KiB'
    return f'{size} bytes'
