"""The local origin: the built static site at `/` and the Chalice app at `/api/*`, one server.

This is the CDN's routing (architecture.md) in one WSGI app, which each of `nmo serve`'s worker
processes runs (origin_workers.py): same origin, first-party cookies, the same security headers
the CDN adds, text compressed as the CDN compresses it, and the same cache lifetimes (hashed
assets for a year, everything else revalidated, the API never stored).
Requests to the API go through Chalice's LocalGateway, i.e. the same API Gateway event shape the
Lambda sees.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler

from nmo_cli.http_compression import (
    CompressedFiles,
    choose_encoding,
    compress,
    worth_compressing,
)
from nmo_cli.site_publish import LONG_CACHE, cache_control

log = logging.getLogger("nmo.devserver")

mimetypes.add_type("text/calendar", ".ics")
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "image/svg+xml",
    "application/manifest+json",
    "application/xml",
)
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

# Pages and unhashed files are revalidated on every use (a 304 when unchanged): the local site
# follows moderators' decisions within seconds, so it cannot be cached for the CDN's 5 minutes.
REVALIDATE = "no-cache"
API_CACHE = "no-store"


def _status_line(code: int) -> str:
    return f"{code} {_STATUS_TEXT.get(code, 'Status')}"


def _error_json(code: str, message: str) -> bytes:
    from chalicelib.jsontext import dumps
    from chalicelib.web import error_body

    return dumps(error_body(code, message)).encode("utf-8")


def static_cache_control(rel_path: str) -> str:
    """Hashed bundles live a year, as in the bucket (site_publish.cache_control); the rest is
    revalidated."""
    return LONG_CACHE if cache_control(rel_path) == LONG_CACHE else REVALIDATE


def security_headers(csp: str) -> list[tuple[str, str]]:
    return [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]


class PortalOrigin:
    """WSGI app: `/api/*` into the Chalice app, everything else from the built site."""

    def __init__(self, site_dir: Path, chalice_app: Any, *, max_body: int, csp: str) -> None:
        from chalice.config import Config
        from chalice.local import LocalGateway

        self.max_body = max_body
        self.compressed = CompressedFiles()
        self.serve_site(site_dir, csp)
        config = Config.create(
            chalice_stage="local",
            app_name="nmo-portal",
            lambda_timeout=29,
            lambda_memory_size=512,
        )
        self.gateway = LocalGateway(chalice_app, config)

    def serve_site(self, site_dir: Path, csp: str) -> None:
        """Serve another build (a rebuilt catalog) from now on: one assignment, so a request sees
        either the old site with its CSP or the new one, never a mix."""
        self._site = (site_dir.resolve(), security_headers(csp))

    @property
    def site_dir(self) -> Path:
        return self._site[0]

    @property
    def headers(self) -> list[tuple[str, str]]:
        return self._site[1]

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        is_api = path == "/api" or path.startswith("/api/")
        try:
            if "\x00" in path:  # a NUL byte names no file and no route
                return self._not_found_anywhere(start_response, environ, is_api)
            if is_api:
                return self.api(environ, start_response)
            return self.static(environ, start_response)
        except Exception:  # the last line of defence: a Russian answer with the usual headers
            log.exception("local origin failed on %s", path.split("?", 1)[0][:200])
            return self._send(
                start_response,
                500,
                _error_json("internal_error", "Внутренняя ошибка портала. Повторите позже."),
                "application/json; charset=utf-8",
            )

    def _not_found_anywhere(
        self, start_response: Callable[..., Any], environ: dict[str, Any], is_api: bool
    ) -> Iterable[bytes]:
        if is_api:
            return self._send(
                start_response,
                404,
                _error_json("not_found", "Такого адреса API нет."),
                "application/json; charset=utf-8",
            )
        return self._not_found(start_response, environ)

    # API -------------------------------------------------------------------------------

    def api(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from chalice.local import LocalGatewayException

        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return self._send(
                start_response,
                400,
                _error_json("invalid_input", "Неверный заголовок Content-Length."),
                "application/json; charset=utf-8",
            )
        if length > self.max_body:
            # Refuse before reading: a huge body must not be buffered (API Gateway does the same).
            return self._send(
                start_response,
                413,
                _error_json(
                    "payload_too_large", f"Тело запроса больше {self.max_body // 1024} КБ."
                ),
                "application/json; charset=utf-8",
                close=True,
            )
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if length:
            headers["content-length"] = str(length)
        raw_uri = (
            environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        )
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            response = self.gateway.handle_request(
                method=method, path=raw_uri, headers=headers, body=body or None
            )
        except LocalGatewayException as exc:
            status = 404 if exc.CODE == 403 else exc.CODE
            return self._send(
                start_response,
                status,
                _error_json("not_found", "Такого адреса API нет."),
                "application/json; charset=utf-8",
            )
        status = int(response["statusCode"])
        out_headers: list[tuple[str, str]] = []
        for name, value in (response.get("headers") or {}).items():
            out_headers.append((name, str(value)))
        for name, values in (response.get("multiValueHeaders") or {}).items():
            out_headers.extend((name, str(v)) for v in values)
        raw_body = response.get("body") or b""
        if response.get("isBase64Encoded"):
            payload = base64.b64decode(raw_body)
        else:
            payload = raw_body.encode("utf-8") if isinstance(raw_body, str) else raw_body
        names = {name.lower() for name, _ in out_headers}
        if "cache-control" not in names:
            out_headers.append(("Cache-Control", API_CACHE))
        content_type = next((v for n, v in out_headers if n.lower() == "content-type"), "")
        encoding = choose_encoding(environ.get("HTTP_ACCEPT_ENCODING"))
        if (
            encoding
            and "content-encoding" not in names
            and worth_compressing(content_type, len(payload))
        ):
            payload = compress(payload, encoding)
            out_headers.append(("Content-Encoding", encoding))
            out_headers.append(("Vary", "Accept-Encoding"))
        out_headers.extend(self.headers)
        out_headers.append(("Content-Length", str(len(payload))))
        start_response(_status_line(status), out_headers)
        return [b"" if method == "HEAD" else payload]

    # Static site -----------------------------------------------------------------------

    def static(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return self._send(
                start_response,
                405,
                "Страницы сайта только читаются (GET, HEAD).".encode(),
                "text/plain; charset=utf-8",
                extra=[("Allow", "GET, HEAD")],
            )
        raw_path = environ.get("PATH_INFO", "/")
        try:
            # WSGI gives the path as latin-1 decoded bytes; the site's file names are UTF-8.
            rel = raw_path.encode("latin-1").decode("utf-8")
        except UnicodeError:
            return self._not_found(start_response, environ)
        site_dir = self.site_dir  # one build for the whole request, even if a rebuild swaps in
        target = (site_dir / rel.lstrip("/")).resolve()
        if not target.is_relative_to(site_dir):
            return self._not_found(start_response, environ)
        if target.is_dir():
            if not raw_path.endswith("/"):
                query = environ.get("QUERY_STRING")
                location = raw_path + "/" + (f"?{query}" if query else "")
                return self._send(
                    start_response,
                    301,
                    b"",
                    "text/plain; charset=utf-8",
                    extra=[("Location", location)],
                )
            target = target / "index.html"
        if not target.is_file():
            return self._not_found(start_response, environ)
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith(_TEXT_TYPES):
            content_type += "; charset=utf-8"
        rel_posix = target.relative_to(site_dir).as_posix()
        extra = [("Cache-Control", static_cache_control(rel_posix))]
        stat = target.stat()
        etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}'
        data = target.read_bytes()
        if worth_compressing(content_type, len(data)):
            extra.append(("Vary", "Accept-Encoding"))
            encoding = choose_encoding(environ.get("HTTP_ACCEPT_ENCODING"))
            if encoding:
                data = self.compressed.get(target, data, encoding)
                extra.append(("Content-Encoding", encoding))
                etag += f"-{encoding}"
        etag += '"'
        extra.append(("ETag", etag))
        if etag in _etags(environ.get("HTTP_IF_NONE_MATCH")):
            return self._send(start_response, 304, b"", content_type, extra=extra, length=0)
        return self._send(
            start_response,
            200,
            b"" if method == "HEAD" else data,
            content_type,
            extra=extra,
            length=len(data),
        )

    def _not_found(
        self, start_response: Callable[..., Any], environ: dict[str, Any] | None = None
    ) -> Iterable[bytes]:
        """The site's own Russian 404 page (site/overrides/404.html), with status 404."""
        page = self.site_dir / "404.html"
        body = page.read_bytes() if page.is_file() else "Страница не найдена".encode()
        content_type = "text/html; charset=utf-8"
        extra = [("Cache-Control", REVALIDATE)]
        encoding = choose_encoding((environ or {}).get("HTTP_ACCEPT_ENCODING"))
        if worth_compressing(content_type, len(body)):
            extra.append(("Vary", "Accept-Encoding"))
            if encoding and page.is_file():
                body = self.compressed.get(page, body, encoding)
                extra.append(("Content-Encoding", encoding))
        length = len(body)
        if (environ or {}).get("REQUEST_METHOD") == "HEAD":
            body = b""
        return self._send(start_response, 404, body, content_type, extra=extra, length=length)

    def _send(
        self,
        start_response: Callable[..., Any],
        status: int,
        body: bytes,
        content_type: str,
        *,
        extra: list[tuple[str, str]] | None = None,
        close: bool = False,
        length: int | None = None,
    ) -> Iterable[bytes]:
        # A 304 describes the cached representation: no body headers of its own.
        headers = (
            []
            if status == 304
            else [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body) if length is None else length)),
            ]
        )
        headers.extend(extra or [])
        headers.extend(self.headers)
        if close:
            headers.append(("Connection", "close"))
        start_response(_status_line(status), headers)
        return [body]


def _etags(if_none_match: str | None) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in (if_none_match or "").split(",") if tag}


class QuietHandler(WSGIRequestHandler):
    """No Nagle (measured.md: keep-alive clients waited ~40 ms per request); and access logs
    without query strings, which may carry ЕСИА codes or states."""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def version_string(self) -> str:
        # Not «Werkzeug/x Python/y»: the server's make and version help nobody but an attacker.
        return "nmo-portal"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = self.path.split("?", 1)[0]
        log.info("%s %s %s", self.command, path, code)

    def log(self, type: str, message: str, *args: Any) -> None:
        if type == "error":
            log.warning(message.split("?", 1)[0], *args)
