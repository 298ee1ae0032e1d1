"""What the tests of the rule commands share."""

import datetime

NOW = datetime.datetime(2030, 1, 1, 0, 0, 3, tzinfo=datetime.timezone.utc)

CREATE = ('rule', 'create', '--name', 'web01', '--project-id', 'demo',
          '--job-type', 'noop', '--trigger-kind', 'interval',
          '--expression', '10s')


def ok(result) -> str:
    """Return stdout of a command that succeeded without warnings."""
    code, out, err = result
    assert code == 0, err
    # Fire times are shown on stderr; nothing else may be.
    assert not err or err.startswith('Next fire times'), err
    assert 'WARNING' not in err and 'ERROR' not in err, err
    return out


def fails(result, message: str) -> str:
    """Return stderr of a command that failed with ``message``."""
    code, out, err = result
    assert code == 1
    assert err.startswith('ERROR: ')
    assert message in err
    assert 'Traceback' not in err
    return err
