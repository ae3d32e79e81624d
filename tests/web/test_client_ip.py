"""Which address a request came from: X-Forwarded-For is believed only from a trusted proxy."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from archive_app.settings import Settings
from archive_app.web.client_ip import client_ip

CADDY = ["172.30.0.0/24"]


def test_a_forged_forwarded_for_from_an_untrusted_peer_is_ignored():
    assert client_ip("6.6.6.6", "1.2.3.4", CADDY) == "6.6.6.6"
    assert client_ip("6.6.6.6", "1.2.3.4", []) == "6.6.6.6"


def test_from_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client():
    # The client forged "1.2.3.4"; Caddy appended the address it really saw.
    assert client_ip("172.30.0.2", "1.2.3.4, 203.0.113.7", CADDY) == "203.0.113.7"
    # A second trusted proxy in the chain is skipped, not taken for the client.
    assert client_ip("172.30.0.2", "1.2.3.4, 203.0.113.7, 172.30.0.9", CADDY) == "203.0.113.7"


def test_a_trusted_proxy_without_a_forwarded_for_is_itself_the_client():
    assert client_ip("172.30.0.2", None, CADDY) == "172.30.0.2"
    assert client_ip("172.30.0.2", " , ", CADDY) == "172.30.0.2"


def test_ipv6_and_ports_and_ipv4_mapped_peers_are_understood():
    assert client_ip("::ffff:172.30.0.2", "2001:db8::1", CADDY) == "2001:db8::1"
    assert client_ip("fd00::2", "[2001:db8::1]:443", ["fd00::/64"]) == "2001:db8::1"
    assert client_ip("172.30.0.2", "198.51.100.4:5555", CADDY) == "198.51.100.4"


def test_nothing_known_is_unknown_and_a_garbage_hop_is_kept_short():
    assert client_ip(None, None, CADDY) == "unknown"
    assert client_ip("", "1.2.3.4", CADDY) == "unknown"
    assert len(client_ip("172.30.0.2", "x" * 500, CADDY)) == 64
    assert len(client_ip("y" * 500, None, [])) == 64


def test_trusted_proxies_take_a_comma_list_or_json_and_refuse_a_bad_entry_at_start(tmp_path):
    plain = Settings(_env_file=None, data_dir=tmp_path, trusted_proxies="172.30.0.0/24, 10.0.0.1")
    assert plain.trusted_proxies == ["172.30.0.0/24", "10.0.0.1"]
    listed = Settings(_env_file=None, data_dir=tmp_path, trusted_proxies='["fd00::/64"]')
    assert listed.trusted_proxies == ["fd00::/64"]
    with pytest.raises(ValidationError, match="'caddy' is not an IP address or CIDR range"):
        Settings(_env_file=None, data_dir=tmp_path, trusted_proxies="caddy")
