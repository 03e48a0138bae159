"""The address the status page's per-client limit counts against.

Behind ``STRIKEDESK_TRUSTED_PROXIES`` = N proxies, each appends the address it was
connected from to X-Forwarded-For, so the Nth entry from the right is the one the
outermost trusted proxy saw: the client. Entries further left were written by the client
itself and prove nothing. With no proxies configured the header is ignored entirely.

IPv6 addresses are counted per /64: a subscriber is usually given a whole /64 and can
pick a new address in it for every request. IPv4 addresses are counted as they are.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _parse(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = raw.strip()
    # Some proxies write a port: "203.0.113.7:51234" or "[2001:db8::1]:443".
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _counted_as(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        # int() drops any zone ("%eth0"), which names the server's interface, not a client.
        return str(ipaddress.IPv6Network((int(address), 64), strict=False))
    return str(address)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw; "2001:db8:1:2::/64" for IPv6.

    A header that is missing, too short for the configured proxies, or not an address
    falls back to REMOTE_ADDR, the one thing the client cannot write.
    """
    hops = settings.STRIKEDESK_TRUSTED_PROXIES
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= hops:
            address = _parse(forwarded[-hops])
            if address is not None:
                return _counted_as(address)
    address = _parse(request.META.get("REMOTE_ADDR", ""))
    # Every request without a readable address shares one counter; never a per-request one.
    return UNKNOWN if address is None else _counted_as(address)
