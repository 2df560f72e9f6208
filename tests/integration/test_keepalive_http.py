"""The embedded store's one-thread HTTP server (nmo_cli/keepalive_http.py): requests answered in
order on a kept-alive connection, pipelined ones too; a client that sends half a request holds up
no other; what it cannot serve is refused with a status and the connection closed."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from nmo_cli.keepalive_http import KeepAliveServer


def _echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    answer = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "target": environ.get("HTTP_X_AMZ_TARGET"),
        "body": body.decode(),
    }
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("the app failed")
    start_response("200 OK", [("Content-Type", "application/json"), ("Connection", "x")])
    return [json.dumps(answer).encode()]


@pytest.fixture
def server() -> Iterator[KeepAliveServer]:
    running = KeepAliveServer("127.0.0.1", 0, _echo)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()
    thread.join(timeout=10)


def _connect(server: KeepAliveServer) -> socket.socket:
    sock = socket.create_connection(server.server_address[:2], timeout=10)
    return sock


def _request(body: str, *, path: str = "/", extra: str = "") -> bytes:
    data = body.encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nX-Amz-Target: T.{path}\r\n"
        f"Content-Length: {len(data)}\r\n{extra}\r\n"
    ).encode() + data


def _responses(sock: socket.socket, count: int) -> list[tuple[str, dict[str, str], bytes]]:
    """Read `count` responses (each with a Content-Length) off the socket."""
    buffer = b""
    out = []
    while len(out) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, "connection closed early"
            buffer += chunk
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers["content-length"])
        while len(buffer) < length:
            buffer += sock.recv(65536)
        out.append((lines[0], headers, buffer[:length]))
        buffer = buffer[length:]
    return out


def test_pipelined_requests_are_answered_in_order_on_one_connection(server):
    sock = _connect(server)
    sock.sendall(b"".join(_request(f"body {i}", path=f"/p{i}") for i in range(5)))
    answers = _responses(sock, 5)
    assert [json.loads(body)["body"] for _, _, body in answers] == [f"body {i}" for i in range(5)]
    assert all(status == "HTTP/1.1 200 OK" for status, _, _ in answers)
    # The app's own hop-by-hop header is not passed on; the length is the server's.
    assert all("connection" not in headers for _, headers, _ in answers)
    sock.sendall(_request("later"))
    assert json.loads(_responses(sock, 1)[0][2])["body"] == "later"
    assert server.connections_opened == 1
    sock.close()


def test_a_half_sent_request_holds_up_no_other_client(server):
    slow = _connect(server)
    whole = _request("from the slow one")
    slow.sendall(whole[:25])  # the request line and a part of the headers
    fast = _connect(server)
    fast.sendall(_request("from the fast one"))
    assert json.loads(_responses(fast, 1)[0][2])["body"] == "from the fast one"
    slow.sendall(whole[25:])
    assert json.loads(_responses(slow, 1)[0][2])["body"] == "from the slow one"
    # A body arriving in pieces is answered once it is whole.
    slow.sendall(_request("x" * 100_000)[:50_000])
    fast.sendall(_request("meanwhile"))
    assert json.loads(_responses(fast, 1)[0][2])["body"] == "meanwhile"
    slow.sendall(_request("x" * 100_000)[50_000:])
    assert len(json.loads(_responses(slow, 1)[0][2])["body"]) == 100_000
    slow.close()
    fast.close()


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"NONSENSE\r\n\r\n", "400"),
        (b"POST / HTTP/1.1\r\nBad header line\r\n\r\n", "400"),
        (b"POST / HTTP/1.1\r\nContent-Length: minus\r\n\r\n", "400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "411"),
        (b"POST / HTTP/1.1\r\nContent-Length: 999999999999\r\n\r\n", "413"),
        (b"POST / HTTP/1.1\r\nX-Long: " + b"a" * 70_000, "431"),
        (_request("", path="/boom"), "500"),
    ],
)
def test_what_cannot_be_served_is_refused_and_the_connection_closed(server, raw, status):
    sock = _connect(server)
    sock.sendall(raw)
    ((line, headers, _),) = _responses(sock, 1)
    assert line.split(" ")[1] == status
    assert headers.get("connection") == "close"
    assert sock.recv(10) == b""  # closed by the server
    sock.close()
    # The server goes on serving others.
    other = _connect(server)
    other.sendall(_request("still here"))
    assert json.loads(_responses(other, 1)[0][2])["body"] == "still here"
    other.close()


def test_http_1_0_and_connection_close_end_the_connection_after_the_answer(server):
    for extra, version in (("Connection: close\r\n", "1.1"), ("", "1.0")):
        sock = _connect(server)
        sock.sendall(
            _request("bye", extra=extra).replace(b"HTTP/1.1", f"HTTP/{version}".encode(), 1)
        )
        ((line, headers, body),) = _responses(sock, 1)
        assert line.startswith("HTTP/1.1 200") and json.loads(body)["body"] == "bye"
        assert headers["connection"] == "close"
        assert sock.recv(10) == b""
        sock.close()


def test_expect_100_continue_is_answered_before_the_body(server):
    sock = _connect(server)
    request = _request("the body", extra="Expect: 100-continue\r\n")
    head, body = request.split(b"\r\n\r\n", 1)
    sock.sendall(head + b"\r\n\r\n")
    assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    sock.sendall(body)
    assert json.loads(_responses(sock, 1)[0][2])["body"] == "the body"
    sock.close()
