"""Which address the per-client limit counts against, with and without trusted proxies."""

import pytest
from django.http import HttpRequest
from django.test import RequestFactory

from appointments.status_check.client_address import client_address


def request_from(remote: str, forwarded: str | None = None) -> HttpRequest:
    request = RequestFactory().post("/check/")
    request.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_proxies_the_header_is_ignored(settings):
    settings.STRIKEDESK_TRUSTED_PROXIES = 0
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_wrote(settings):
    settings.STRIKEDESK_TRUSTED_PROXIES = 1
    # The client wrote the first two entries itself; the proxy appended the last.
    request = request_from("10.0.0.2", "1.1.1.1, 2.2.2.2, 203.0.113.7")
    assert client_address(request) == "203.0.113.7"


def test_behind_two_proxies_the_second_from_the_right_counts(settings):
    settings.STRIKEDESK_TRUSTED_PROXIES = 2
    request = request_from("10.0.0.2", "1.1.1.1, 203.0.113.7, 192.0.2.50")
    assert client_address(request) == "203.0.113.7"


def test_ipv6_addresses_in_one_64_count_as_one_client(settings):
    settings.STRIKEDESK_TRUSTED_PROXIES = 1
    first = client_address(request_from("10.0.0.2", "2001:db8:1:2:aaaa::1"))
    second = client_address(request_from("10.0.0.2", "2001:db8:1:2:bbbb:cccc:dddd:eeee"))
    neighbour = client_address(request_from("10.0.0.2", "2001:db8:1:3::1"))
    assert first == second == "2001:db8:1:2::/64"
    assert neighbour == "2001:db8:1:3::/64"
    assert client_address(request_from("2001:db8:9:9::5")) == "2001:db8:9:9::/64"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("[2001:db8:1:2::1]:443", "2001:db8:1:2::/64"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_ports_and_mapped_ipv4_are_read_as_the_address(settings, forwarded, expected):
    settings.STRIKEDESK_TRUSTED_PROXIES = 1
    assert client_address(request_from("10.0.0.2", forwarded)) == expected


@pytest.mark.parametrize(
    "forwarded",
    ["", "not-an-address", "203.0.113.7, <script>", "999.1.1.1", "1.1.1.1, unknown"],
)
def test_a_missing_or_garbled_header_falls_back_to_the_connecting_address(settings, forwarded):
    settings.STRIKEDESK_TRUSTED_PROXIES = 1
    assert client_address(request_from("192.0.2.50", forwarded)) == "192.0.2.50"


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_connecting_address(settings):
    settings.STRIKEDESK_TRUSTED_PROXIES = 2
    assert client_address(request_from("192.0.2.50", "203.0.113.7")) == "192.0.2.50"


def test_no_readable_address_at_all_shares_one_counter(settings):
    settings.STRIKEDESK_TRUSTED_PROXIES = 0
    assert client_address(request_from("")) == client_address(request_from("garbage")) == "unknown"


@pytest.mark.parametrize(
    ("store", "url"), [("redis", ""), ("memcached", "redis://127.0.0.1:6379/0")]
)
def test_a_store_that_cannot_count_is_refused_by_manage_py_check(settings, store, url):
    from django.core.checks import run_checks

    settings.STRIKEDESK_CHECK_LIMIT_STORE = store
    settings.STRIKEDESK_CHECK_LIMIT_REDIS_URL = url
    assert "strikedesk.E005" in [message.id for message in run_checks()]
