"""An HTTP/1.1 keep-alive server that runs a WSGI app one request at a time, from one thread (the
embedded DynamoDB: every request goes through one lock anyway, and botocore always sends a
Content-Length).

With a thread per connection, the serialised store's requests queued on its lock: in a
registration rush some 27 threads waited there while the one holding it shared the interpreter
with the others reading and writing sockets, so the store sat a quarter idle with work queued. One
thread reading every connection as it becomes ready (selectors) and answering each complete
request in turn keeps the lock's holder running, and costs no thread per connection.

A connection serves request after request until the client closes it or stays idle for
`IDLE_SECONDS` (werkzeug's development server answered every request with `Connection: close`,
a TCP connection per DynamoDB call). A client that sends half a request holds up nobody: its
bytes wait in its own buffer. Responses are written in one piece with their length and
TCP_NODELAY set: with keep-alive, Nagle's algorithm against delayed ACKs costs ~40 ms a request
(measured.md).
"""

from __future__ import annotations

import io
import logging
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from nmo_cli.ports import listen

log = logging.getLogger("nmo.dynamodb")

IDLE_SECONDS = 120
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024  # DynamoDB's largest request (BatchWriteItem) is 16 MB
# Hop-by-hop headers are this server's to set, not the app's.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}
_REASONS = {
    400: "Bad Request",
    411: "Length Required",
    413: "Payload Too Large",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


class _Refused(Exception):
    """A request this server answers itself (status) and then closes the connection."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Connection:
    def __init__(self, sock: socket.socket, address: Any) -> None:
        self.sock = sock
        self.address = address
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.closing = False  # close once the outbox is written
        self.continued = False  # `100 Continue` sent for the request being read
        self.last_active = time.monotonic()


class KeepAliveServer:
    """`serve_forever()` in one thread; `shutdown()` from another stops it and waits."""

    def __init__(self, host: str, port: int, app: Callable[..., Any]) -> None:
        self.app = app
        self.connections_opened = 0  # benchmarks and tests read it
        self._listener = listen(host, port, "встроенная DynamoDB")
        self.server_address = self._listener.getsockname()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._selector.register(self._wake_read, selectors.EVENT_READ, "wake")
        self._connections: dict[int, _Connection] = {}
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    # The loop ------------------------------------------------------------------------------

    def serve_forever(self) -> None:
        self._stopped.clear()
        try:
            while not self._stopping.is_set():
                for key, events in self._selector.select(timeout=1.0):
                    if key.data is None:
                        self._accept()
                    elif key.data == "wake":
                        self._wake_read.recv(64)
                    else:
                        if events & selectors.EVENT_READ:
                            self._read(key.data)
                        if events & selectors.EVENT_WRITE and key.data.sock.fileno() != -1:
                            self._write(key.data)
                self._close_idle()
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        self._stopping.set()
        self._wake_write.send(b"x")
        self._stopped.wait()

    def server_close(self) -> None:
        for connection in list(self._connections.values()):
            self._close(connection)
        for sock in (self._listener, self._wake_read, self._wake_write):
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        self._selector.close()

    def _accept(self) -> None:
        while True:
            try:
                sock, address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock, address)
            self._connections[sock.fileno()] = connection
            self._selector.register(sock, selectors.EVENT_READ, connection)
            self.connections_opened += 1

    def _read(self, connection: _Connection) -> None:
        try:
            data = connection.sock.recv(256 * 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(connection)
            return
        if not data:
            self._close(connection)
            return
        connection.last_active = time.monotonic()
        if connection.closing:
            return  # answering a refusal: what follows is not read
        connection.inbox += data
        try:
            while not connection.closing and self._answer_one(connection):
                pass
        except _Refused as refused:
            self._queue(connection, self._refusal(refused.status), close=True)
        self._flush(connection)

    def _write(self, connection: _Connection) -> None:
        connection.last_active = time.monotonic()
        self._flush(connection)

    def _flush(self, connection: _Connection) -> None:
        """Write what the socket takes now; wait for it to be writable for the rest."""
        while connection.outbox:
            try:
                sent = connection.sock.send(connection.outbox)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._close(connection)
                return
            del connection.outbox[:sent]
        if connection.outbox:
            self._selector.modify(
                connection.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, connection
            )
            return
        if connection.closing:
            self._close(connection)
            return
        self._selector.modify(connection.sock, selectors.EVENT_READ, connection)

    def _close(self, connection: _Connection) -> None:
        if self._connections.pop(connection.sock.fileno(), None) is None:
            return
        try:
            self._selector.unregister(connection.sock)
        except (KeyError, ValueError):
            pass
        connection.sock.close()

    def _close_idle(self) -> None:
        cutoff = time.monotonic() - IDLE_SECONDS
        for connection in list(self._connections.values()):
            if connection.last_active < cutoff:
                self._close(connection)  # the client reconnects

    # One request ---------------------------------------------------------------------------

    def _answer_one(self, connection: _Connection) -> bool:
        """Answer the first request in the connection's inbox if it is complete; False when
        it is not (yet)."""
        inbox = connection.inbox
        end = inbox.find(b"\r\n\r\n")
        if end < 0:
            if len(inbox) > MAX_HEADER_BYTES:
                raise _Refused(431)
            return False
        if end > MAX_HEADER_BYTES:
            raise _Refused(431)
        method, target, version, headers = _request_head(bytes(inbox[:end]))
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise _Refused(411)
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            raise _Refused(400) from None
        if length < 0:
            raise _Refused(400)
        if length > MAX_BODY_BYTES:
            raise _Refused(413)
        start = end + 4
        if len(inbox) < start + length:
            if headers.get("expect", "").lower() == "100-continue" and not connection.continued:
                connection.continued = True
                self._queue(connection, b"HTTP/1.1 100 Continue\r\n\r\n")
            return False
        body = bytes(inbox[start : start + length])
        del inbox[: start + length]
        connection.continued = False
        close = version != "HTTP/1.1" or headers.get("connection", "").lower() == "close"
        environ = self._environ(connection, method, target, version, headers, body)
        self._queue(connection, self._response(method, target, environ, close), close=close)
        return True

    def _response(self, method: str, target: str, environ: dict[str, Any], closing: bool) -> bytes:
        answer: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            answer["status"], answer["headers"] = status, headers
            return lambda data: None  # write(): unused by moto

        try:
            result = self.app(environ, start_response)
            try:
                payload = b"".join(result)
            finally:
                release = getattr(result, "close", None)
                if release:
                    release()
        except Exception:
            log.exception("embedded DynamoDB failed on %s %s", method, target.split("?", 1)[0])
            raise _Refused(500) from None
        return _message(answer["status"], answer["headers"], payload, close=closing)

    def _queue(self, connection: _Connection, message: bytes, *, close: bool = False) -> None:
        connection.outbox += message
        if close:
            connection.closing = True

    @staticmethod
    def _refusal(status: int) -> bytes:
        return _message(f"{status} {_REASONS.get(status, 'Error')}", [], b"", close=True)

    def _environ(
        self,
        connection: _Connection,
        method: str,
        target: str,
        version: str,
        headers: dict[str, str],
        body: bytes,
    ) -> dict[str, Any]:
        path, _, query = target.partition("?")
        host, port = self.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": version,
            "REMOTE_ADDR": str(connection.address[0]),
            "CONTENT_TYPE": headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = value
        return environ


def _request_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Request line and headers (names lower-cased, repeats joined with commas), or 400."""
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        raise _Refused(400) from None
    if not version.startswith("HTTP/1.") or not method.isalpha():
        raise _Refused(400)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        name = name.strip().lower()
        if not colon or not name:
            raise _Refused(400)
        value = value.strip()
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return method, target, version, headers


def _message(
    status: str, headers: list[tuple[str, str]], payload: bytes, *, close: bool = False
) -> bytes:
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_BY_HOP]
    lines.append(f"Content-Length: {len(payload)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload
