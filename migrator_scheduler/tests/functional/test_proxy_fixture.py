"""The TCP proxy forwards, resets and black-holes as fault tests expect.

An echo server in the test process stands for the real server.
"""

import socket
import socketserver
import threading

import pytest

from migrator_scheduler.tests.functional import fixtures as ms_fixtures
from migrator_scheduler.tests.functional.fixtures import proxy as proxy_mod

# Long enough for a forwarded echo on a busy host; what must not arrive
# is waited for this long too.
TIMEOUT = 2.0


class _Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def proxy():
    server = socketserver.ThreadingTCPServer(('127.0.0.1', 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fixture = proxy_mod.TCPProxyFixture(*server.server_address)
    fixture.setUp()
    try:
        yield fixture
    finally:
        fixture.cleanUp()
        server.shutdown()
        server.server_close()


def _connect(proxy):
    sock = socket.create_connection((proxy.host, proxy.port), TIMEOUT)
    sock.settimeout(TIMEOUT)
    return sock


def _echo(sock, payload=b'ping'):
    sock.sendall(payload)
    return sock.recv(4096)


def test_forwards_both_ways(proxy):
    with _connect(proxy) as sock:
        assert _echo(sock, b'hello') == b'hello'
        assert proxy.connections == 1
    ms_fixtures.wait_for(lambda: proxy.connections == 0, TIMEOUT,
                         'the closed connection to be forgotten')
    assert proxy.accepted == 1
    assert proxy.address == f'127.0.0.1:{proxy.port}'


def test_reset_closes_and_refuses(proxy):
    port = proxy.port
    sock = _connect(proxy)
    assert _echo(sock) == b'ping'

    proxy.cut('reset')

    # The open connection ends (reset or end of stream)...
    try:
        assert sock.recv(4096) == b''
    except ConnectionResetError:
        pass
    sock.close()
    # ... and nobody listens any more.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((proxy.host, port), TIMEOUT)

    proxy.restore()

    assert proxy.port == port
    with _connect(proxy) as again:
        assert _echo(again, b'back') == b'back'


def test_blackhole_holds_until_restored(proxy):
    sock = _connect(proxy)
    assert _echo(sock) == b'ping'

    proxy.cut('blackhole')

    with pytest.raises(TimeoutError):
        _echo(sock, b'lost?')
    # A new connection may be taken by the kernel, but nothing answers.
    try:
        late = _connect(proxy)
    except OSError:
        late = None
    else:
        with pytest.raises(TimeoutError):
            _echo(late, b'anyone?')
    assert proxy.state == 'blackhole'

    proxy.restore()

    # What was sent during the cut arrives now, as TCP would retransmit.
    assert sock.recv(4096) == b'lost?'
    assert _echo(sock, b'again') == b'again'
    if late is not None:
        assert late.recv(4096) == b'anyone?'
        late.close()
    sock.close()


def test_unknown_mode_is_refused(proxy):
    with pytest.raises(ValueError, match='sideways'):
        proxy.cut('sideways')
