"""A loop's database outage is logged once, then once a minute."""

import logging

from oslo_db import exception as db_exc

from migrator_scheduler.db import errors


def _messages(caplog, level):
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def test_an_outage_is_logged_once_and_its_end_once(caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    clock = [100.0]
    monkeypatch.setattr(errors.time, 'monotonic', lambda: clock[0])
    log = errors.OutageLog('firing')
    log.succeeded()  # no outage: nothing to say
    for _ in range(30):
        log.failed(db_exc.DBConnectionError('connection refused'))
        clock[0] += 1
    warnings = _messages(caplog, logging.WARNING)
    assert warnings == ['Database unreachable for 0s (DBConnectionError: '
                        'connection refused); firing waits for it']
    clock[0] += 31
    log.failed(db_exc.DBConnectionError('connection refused'))
    assert len(_messages(caplog, logging.WARNING)) == 2
    log.succeeded()
    log.succeeded()
    infos = [m for m in _messages(caplog, logging.INFO)
             if 'reachable again' in m]
    assert infos == ['Database reachable again after 61.0s; firing goes on']
