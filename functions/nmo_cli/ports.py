"""The local stack's listening sockets, and the one answer to a port that is already taken."""

from __future__ import annotations

import errno
import socket


def listen(host: str, port: int, what: str) -> socket.socket:
    """A TCP socket listening on host:port (0: any free port), non-blocking. A port another
    program holds ends the command with a message naming it and what to do, not a traceback."""
    from werkzeug.serving import select_address_family

    try:
        sock = socket.create_server(
            (host, port), family=select_address_family(host, port), backlog=128
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise SystemExit(
            f"Порт {port} ({what}) уже занят другой программой. Остановите её или запустите "
            "портал на других портах: make run PORT=8080 (или nmo serve --port 8080)."
        ) from None
    sock.setblocking(False)
    return sock


def require_free(host: str, ports: list[tuple[int, str]]) -> None:
    """Check, before anything starts, that every fixed port of the stack is free: the same
    answer for each of them, instead of whichever way the server behind it fails (one hung
    retrying requests against the other program)."""
    for port, what in ports:
        if port:
            listen(host, port, what).close()
