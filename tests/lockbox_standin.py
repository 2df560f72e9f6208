"""A local stand-in for Yandex Lockbox's payload API and the function's metadata service.

Built from the documentation: `GET /lockbox/v1/secrets/{secretId}/payload[?versionId=]` with
`Authorization: Bearer <IAM token>` answers `{"versionId", "entries": [{"key", "textValue" |
"binaryValue" (base64)}]}`; the latest version when none is named. Errors are the API's JSON
`{"code", "message", "details"}` with the gRPC code's HTTP status (UNAUTHENTICATED 16 → 401,
PERMISSION_DENIED 7 → 403, NOT_FOUND 5 → 404). The metadata service answers
`GET /computeMetadata/v1/instance/service-accounts/default/token` only with
`Metadata-Flavor: Google`, as Google Compute Engine's does.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_PAYLOAD = "/lockbox/v1/secrets/"
_TOKEN = "/computeMetadata/v1/instance/service-accounts/default/token"


@dataclass
class Secret:
    # versionId → {key: str (text) or bytes (binary)}; the last added is the current version.
    versions: dict[str, dict[str, str | bytes]] = field(default_factory=dict)
    readers: set[str] = field(default_factory=set)  # IAM tokens with lockbox.payloadViewer


class LockboxStandIn:
    def __init__(self, metadata_token: str = "t1.metadata-token") -> None:
        self.secrets: dict[str, Secret] = {}
        self.metadata_token = metadata_token
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def metadata_url(self) -> str:
        return self.url + _TOKEN

    def add(
        self, secret_id: str, version_id: str, entries: dict[str, str | bytes], reader: str
    ) -> None:
        secret = self.secrets.setdefault(secret_id, Secret())
        secret.versions[version_id] = entries
        secret.readers.add(reader)

    def __enter__(self) -> LockboxStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: int, message: str) -> None:
                self._send(status, {"code": code, "message": message, "details": []})

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                standin.requests.append((self.path, dict(self.headers.items())))
                if parts.path == _TOKEN:
                    if self.headers.get("Metadata-Flavor") != "Google":
                        self._error(403, 7, "Metadata-Flavor header required")
                        return
                    token = standin.metadata_token
                    self._send(
                        200, {"access_token": token, "expires_in": 43200, "token_type": "Bearer"}
                    )
                    return
                if not (parts.path.startswith(_PAYLOAD) and parts.path.endswith("/payload")):
                    self._error(404, 5, "Not Found")
                    return
                secret_id = urllib.parse.unquote(parts.path[len(_PAYLOAD) : -len("/payload")])
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Bearer ") or not auth[7:]:
                    self._error(401, 16, "The token is invalid")
                    return
                secret = standin.secrets.get(secret_id)
                if secret is None:
                    self._error(404, 5, f"Secret {secret_id} not found")
                    return
                if auth[7:] not in secret.readers:
                    self._error(403, 7, "Permission denied")
                    return
                wanted = urllib.parse.parse_qs(parts.query).get("versionId", [""])[0]
                version = wanted or list(secret.versions)[-1]
                if version not in secret.versions:
                    self._error(404, 5, f"Version {version} not found")
                    return
                entries = []
                for key, value in secret.versions[version].items():
                    if isinstance(value, bytes):
                        entries.append(
                            {"key": key, "binaryValue": base64.b64encode(value).decode()}
                        )
                    else:
                        entries.append({"key": key, "textValue": value})
                self._send(200, {"versionId": version, "entries": entries})

        return Handler
