import ipaddress

import pytest

from migrator_scheduler.jobs import http_destinations as dest


def _ips(*values):
    return [ipaddress.ip_address(v) for v in values]


def test_entries_are_parsed():
    entries = dest.parse_entries([
        'api.example.org', 'api.example.org:8779', '10.0.0.0/8',
        '127.0.0.1', '127.0.0.1:8080', '[::1]:443', '2001:db8::/32', ' '])
    assert entries == (
        dest.Entry(host='api.example.org'),
        dest.Entry(host='api.example.org', port=8779),
        dest.Entry(network=ipaddress.ip_network('10.0.0.0/8')),
        dest.Entry(network=ipaddress.ip_network('127.0.0.1/32')),
        dest.Entry(network=ipaddress.ip_network('127.0.0.1/32'), port=8080),
        dest.Entry(network=ipaddress.ip_network('::1/128'), port=443),
        dest.Entry(network=ipaddress.ip_network('2001:db8::/32')))


@pytest.mark.parametrize('value', ['http://x', 'a b', 'x:port', 'x:70000',
                                   '10.0.0.0/33x'])
def test_bad_entries_are_refused(value):
    with pytest.raises(ValueError, match='^' + repr(value).replace(
            '/', '/').replace('.', r'\.')):
        dest.parse_entry(value)


@pytest.mark.parametrize('address', ['169.254.169.254', '169.254.1.1',
                                     'fe80::1', 'fd00:ec2::254',
                                     '::ffff:169.254.169.254'])
def test_link_local_and_metadata_refused_by_default(address):
    with pytest.raises(dest.DestinationRefused, match='metadata'):
        dest.check((), 'h', 80, _ips(address))


def test_empty_list_allows_loopback_and_public():
    dest.check((), 'localhost', 80, _ips('127.0.0.1', '::1'))
    dest.check((), 'api', 443, _ips('203.0.113.5'))


def test_metadata_allowed_only_by_an_address_entry():
    entries = dest.parse_entries(['169.254.169.254', 'meta.internal'])
    dest.check(entries, 'x', 80, _ips('169.254.169.254'))
    with pytest.raises(dest.DestinationRefused):
        dest.check(entries, 'meta.internal', 80, _ips('169.254.1.2'))


def test_names_ports_and_networks():
    entries = dest.parse_entries(['api.example.org:8779', '10.0.0.0/8'])
    dest.check(entries, 'API.example.org.', 8779, _ips('192.0.2.1'))
    dest.check(entries, 'other', 80, _ips('10.1.2.3'))
    with pytest.raises(dest.DestinationRefused, match='not in'):
        dest.check(entries, 'api.example.org', 443, _ips('192.0.2.1'))
    with pytest.raises(dest.DestinationRefused, match='not in'):
        # Every address must be allowed, not one of them.
        dest.check(entries, 'other', 80, _ips('10.1.2.3', '192.0.2.1'))


def test_literal_check_before_resolution():
    dest.check_literal((), 'api.example.org', 443)
    with pytest.raises(dest.DestinationRefused):
        dest.check_literal((), '[fe80::1]', 80)
    names_only = dest.parse_entries(['api.example.org'])
    with pytest.raises(dest.DestinationRefused):
        dest.check_literal(names_only, 'evil.example.org', 443)
    # A name may still resolve into a listed network.
    dest.check_literal(dest.parse_entries(['10.0.0.0/8']), 'evil', 443)


def test_resolve_literal_and_localhost():
    assert dest.resolve('127.0.0.1', 80) == _ips('127.0.0.1')
    assert ipaddress.ip_address('127.0.0.1') in dest.resolve('localhost', 80)
