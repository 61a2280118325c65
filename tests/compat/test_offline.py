"""The guard of the compat tests really refuses the network, and only the network."""

from __future__ import annotations

import socket

import pytest


def test_outside_addresses_and_names_are_refused_and_recorded(offline):
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: never sent
    with pytest.raises(OSError):
        socket.getaddrinfo("api.moonshot.ai", 443)
    with (
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock,
        pytest.raises(ConnectionRefusedError),
    ):
        sock.connect_ex(("2001:db8::1", 443, 0, 0))
    assert offline.attempts == ["DNS 192.0.2.1", "DNS api.moonshot.ai", "2001:db8::1:443"]
    offline.attempts.clear()  # this test's attempts were on purpose


def test_loopback_is_allowed(kimi_emulator, offline):
    with kimi_emulator.httpx_client() as client:
        assert client.get("models").status_code == 200
    assert socket.getaddrinfo("localhost", 80)
    assert offline.attempts == []
