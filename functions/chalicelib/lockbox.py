"""Reads one entry of a Yandex Lockbox secret through the Lockbox payload REST API.

`GET {NMO_LOCKBOX_PAYLOAD_URL}/lockbox/v1/secrets/{secretId}/payload` with the function's IAM
token answers `{"versionId", "entries": [{"key", "textValue" | "binaryValue"}]}` (binaryValue is
base64); errors are `{"code", "message"}` with an HTTP status. A reference names the secret and
the entry: `lockbox:<secretId>/<key>` (Lockbox keys may contain `/`, secret ids never do), or
`lockbox:<secretId>/<key>@<versionId>` to pin a version. Called only by chalicelib.secret_store,
which caches the value for the life of the process.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from . import yandex_iam
from .settings import Settings

PREFIX = "lockbox:"


class LockboxError(RuntimeError):
    """The entry could not be read; the message names the reference and the API's code only."""


@dataclass(frozen=True)
class LockboxReference:
    secret_id: str
    key: str
    version_id: str = ""

    @classmethod
    def parse(cls, reference: str) -> LockboxReference:
        rest = reference.removeprefix(PREFIX)
        secret_id, _, key = rest.partition("/")
        version = ""
        if "@" in key:
            key, _, version = key.rpartition("@")
        if not secret_id or not key:
            raise LockboxError(f"secret {reference} is not lockbox:<secretId>/<key>")
        return cls(secret_id, key, version)


def is_lockbox(reference: str) -> bool:
    return reference.startswith(PREFIX)


def read_entry(reference: str, settings: Settings) -> str:
    ref = LockboxReference.parse(reference)
    url = (
        settings.lockbox_payload_url.rstrip("/")
        + "/lockbox/v1/secrets/"
        + urllib.parse.quote(ref.secret_id, safe="")
        + "/payload"
    )
    if not url.startswith(("https://", "http://")):
        raise LockboxError(f"secret {reference}: NMO_LOCKBOX_PAYLOAD_URL must be http(s)")
    if ref.version_id:
        url += "?" + urllib.parse.urlencode({"versionId": ref.version_id})
    try:
        token = yandex_iam.iam_token(settings)
    except yandex_iam.TokenUnavailable as exc:
        raise LockboxError(f"secret {reference} is unreadable: {exc}") from exc
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.yc_api_timeout_seconds) as answer:  # noqa: S310
            payload = json.loads(answer.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise LockboxError(f"secret {reference} is unreadable: {_api_error(exc)}") from exc
    except (OSError, ValueError) as exc:
        raise LockboxError(f"secret {reference} is unreadable: {type(exc).__name__}") from exc
    for entry in payload.get("entries") or []:
        if entry.get("key") != ref.key:
            continue
        if "textValue" in entry:
            return str(entry["textValue"])
        try:
            return base64.b64decode(entry.get("binaryValue") or "", validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise LockboxError(f"secret {reference} is not UTF-8 text") from exc
    raise LockboxError(f"secret {reference} has no entry {ref.key}")


def _api_error(exc: urllib.error.HTTPError) -> str:
    """`HTTP 404 code 5` from the error body, never its message text (it may echo input)."""
    code = ""
    try:
        body = json.loads(exc.read().decode("utf-8"))
        code = f" code {body.get('code')}" if isinstance(body, dict) and "code" in body else ""
    except (OSError, ValueError):
        pass
    return f"HTTP {exc.code}{code}"
