"""An HTTP/1.1 keep-alive server for a WSGI app whose requests carry a Content-Length (the
embedded DynamoDB: botocore always sends one).

werkzeug's development server answers every request with `Connection: close`, so each DynamoDB
call of the API cost a new TCP connection (a third of the API process's busy time in the rush).
Here a connection serves request after request until the client closes it or stays idle for
`IDLE_SECONDS`. Responses are written in one piece with their length and TCP_NODELAY set: with
keep-alive, Nagle's algorithm against delayed ACKs costs ~40 ms a request (measured.md).
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

log = logging.getLogger("nmo.dynamodb")

IDLE_SECONDS = 120
# Hop-by-hop headers are this server's to set, not the app's.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class KeepAliveHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = IDLE_SECONDS
    server: KeepAliveServer

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except TimeoutError:
            self.close_connection = True  # idle too long: the client reconnects

    def _serve(self) -> None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._reply("411 Length Required", [], b"", close=True)
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            answer["status"], answer["headers"] = status, headers
            return lambda data: None  # write(): unused by moto

        try:
            result = self.server.app(self._environ(body), start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        except Exception:
            log.exception("embedded DynamoDB failed on %s %s", self.command, self.path)
            self._reply("500 Internal Server Error", [], b"", close=True)
            return
        self._reply(answer["status"], answer["headers"], payload)

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _reply(
        self, status: str, headers: list[tuple[str, str]], payload: bytes, *, close: bool = False
    ) -> None:
        lines = [f"HTTP/1.1 {status}"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_BY_HOP]
        lines.append(f"Content-Length: {len(payload)}")
        if close or self.close_connection:
            lines.append("Connection: close")
            self.close_connection = True
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


class KeepAliveServer(ThreadingHTTPServer):
    """A thread per connection (daemon threads: idle connections never block a stop)."""

    daemon_threads = True

    def __init__(self, host: str, port: int, app: Callable[..., Any]) -> None:
        self.app = app
        self.connections_opened = 0  # benchmarks and tests read it
        super().__init__((host, port), KeepAliveHandler)

    def get_request(self) -> tuple[Any, Any]:
        accepted = super().get_request()
        self.connections_opened += 1  # only the accepting thread runs this
        return accepted
