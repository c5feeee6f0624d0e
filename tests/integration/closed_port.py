"""A loopback port where a connection is refused, for tests of an unreachable server."""

from __future__ import annotations

import socket

# Bound for the rest of the run, never listening.
_held: list[socket.socket] = []


def closed_port() -> int:
    """Return a loopback port nobody listens on and no outgoing connection can take.

    A port merely bound and freed is in the ephemeral range: a connection to it can be given
    it as its own source port and connect to itself (an LDAP bind read back its own request
    in CI, 1 Dec 2026). Kept bound, the port is refused and never handed out.
    """
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    _held.append(sock)
    return int(sock.getsockname()[1])
