"""Where the ``http`` job may send requests: ``[http_job]
allowed_destinations``.

Link-local addresses, where cloud metadata services hand out instance
credentials to whoever asks, are refused unless an address or network
entry contains them: a host name entry does not count, since what a name
resolves to can change. The check is made on the addresses a name
resolves to just before the request; the HTTP client resolves the name
again to connect, so a name whose DNS answers change from one second to
the next is only as safe as its DNS.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Refused unless an address or network entry contains them.
GUARDED = (ipaddress.ip_network('169.254.0.0/16'),
           ipaddress.ip_network('fe80::/10'),
           ipaddress.ip_network('fd00:ec2::254/128'))

_BRACKETED = re.compile(r'^\[([0-9A-Fa-f:.%\w]+)\](?::(\d+))?$')


class DestinationRefused(ValueError):
    """The destination is not allowed."""


@dataclasses.dataclass(frozen=True)
class Entry:
    """One item of ``allowed_destinations``: a network or a host name,
    on any port or on one."""

    network: IPNetwork | None = None
    host: str | None = None
    port: int | None = None

    def covers_address(self, address: IPAddress, port: int) -> bool:
        return (self.network is not None and address in self.network and
                self.port in (None, port))

    def covers_name(self, host: str, port: int) -> bool:
        return self.host == host.lower() and self.port in (None, port)


def _port(text: str, value: str) -> int:
    port = int(text)
    if not 0 < port < 65536:
        raise ValueError(f'{value!r}: port {port} is out of range')
    return port


def parse_entry(value: str) -> Entry:
    """Parse one ``allowed_destinations`` item.

    :raises ValueError: naming the item.
    """
    value = value.strip()
    try:
        return Entry(network=ipaddress.ip_network(value, strict=False))
    except ValueError:
        pass
    bracketed = _BRACKETED.match(value)
    if bracketed:
        address, port = bracketed.groups()
        return Entry(network=ipaddress.ip_network(address),
                     port=_port(port, value) if port else None)
    host, sep, port = value.rpartition(':')
    if not sep:
        host, port = value, ''
    elif not port.isdigit():
        raise ValueError(f'{value!r} is not a host, host:port, address or '
                         f'network')
    if not re.fullmatch(r'[A-Za-z0-9_.-]+', host or ''):
        raise ValueError(f'{value!r} is not a host, host:port, address or '
                         f'network')
    port_number = _port(port, value) if port else None
    try:
        return Entry(network=ipaddress.ip_network(host), port=port_number)
    except ValueError:
        return Entry(host=host.lower().rstrip('.'), port=port_number)


def parse_entries(values: list[str]) -> tuple[Entry, ...]:
    """Parse ``allowed_destinations``; :raises ValueError: on a bad item."""
    return tuple(parse_entry(v) for v in values if v.strip())


def _guarded(address: IPAddress) -> bool:
    mapped = getattr(address, 'ipv4_mapped', None)
    return any(address in net or (mapped is not None and mapped in net)
               for net in GUARDED)


def literal_address(host: str) -> IPAddress | None:
    """The address of a URL host that is an IP literal, else None."""
    try:
        return ipaddress.ip_address(host.strip('[]'))
    except ValueError:
        return None


def check(entries: tuple[Entry, ...], host: str, port: int,
          addresses: list[IPAddress]) -> None:
    """Refuse ``host:port`` reached at ``addresses``.

    :raises DestinationRefused: saying why.
    """
    host = host.lower().rstrip('.')
    named = any(e.covers_name(host, port) for e in entries)
    for address in addresses:
        covered = any(e.covers_address(address, port) for e in entries)
        if _guarded(address) and not covered:
            raise DestinationRefused(
                f'{host} ({address}) is a link-local or metadata service '
                f'address; list it in [http_job] allowed_destinations to '
                f'allow it')
        if entries and not (named or covered):
            raise DestinationRefused(
                f'{host}:{port} ({address}) is not in [http_job] '
                f'allowed_destinations')


def check_literal(entries: tuple[Entry, ...], host: str, port: int) -> None:
    """What can be checked before any DNS lookup, when a rule is written:
    an IP literal completely, a name only against a list without
    networks (no resolved address could match then)."""
    address = literal_address(host)
    if address is not None:
        check(entries, host, port, [address])
    elif entries and not any(e.network for e in entries) and not any(
            e.covers_name(host.lower().rstrip('.'), port) for e in entries):
        raise DestinationRefused(
            f'{host}:{port} is not in [http_job] allowed_destinations')


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (a literal is itself).

    :raises OSError: the name cannot be resolved.
    """
    address = literal_address(host)
    if address is not None:
        return [address]
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # Strip any IPv6 zone: it does not change which network holds it.
    return sorted({ipaddress.ip_address(info[4][0].split('%')[0])
                   for info in found}, key=str)
