"""The IAM token of the Yandex Cloud function's service account, for calls to Yandex APIs (Lockbox).

Cloud Functions hands the token to every call in the handler's context (`context.token`:
`{"access_token", "expires_in", "token_type"}`); the entry point keeps it here. Outside a call
(a scheduled job, a cold start before the first request) the metadata service in Google Compute
Engine format, which functions and containers both offer, gives the same token. No token is
ever written to logs.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

from .settings import Settings

METADATA_HEADERS = {"Metadata-Flavor": "Google"}
# A token is used only while more than this many seconds of its life are left.
_MARGIN_SECONDS = 60
_lock = threading.Lock()
_token: tuple[str, float] | None = None  # (access token, monotonic expiry)


class TokenUnavailable(RuntimeError):
    """No IAM token: the function has no service account, or the metadata service failed."""


def _store(payload: Any) -> None:
    global _token
    if not isinstance(payload, dict):
        return
    access = payload.get("access_token")
    if not isinstance(access, str) or not access:
        return
    try:
        lifetime = float(payload.get("expires_in") or 0)
    except (TypeError, ValueError):
        lifetime = 0.0
    with _lock:
        _token = (access, time.monotonic() + lifetime)


def remember_context_token(context: Any) -> None:
    """Keep the token Cloud Functions put into this call's context (absent without a service
    account, or when the handler is called by a test or another cloud)."""
    token = getattr(context, "token", None)
    if token is None and isinstance(context, dict):
        token = context.get("token")
    _store(token)


def _from_metadata(settings: Settings) -> None:
    url = settings.yc_metadata_url
    if not url.startswith(("http://", "https://")):
        raise TokenUnavailable("NMO_YC_METADATA_URL must be http(s)")
    request = urllib.request.Request(url, headers=METADATA_HEADERS)  # noqa: S310 - checked
    try:
        with urllib.request.urlopen(request, timeout=settings.yc_api_timeout_seconds) as answer:  # noqa: S310
            _store(json.loads(answer.read().decode("utf-8")))
    except (OSError, ValueError) as exc:
        raise TokenUnavailable(f"metadata service: {type(exc).__name__}") from exc


def iam_token(settings: Settings) -> str:
    """A valid IAM token: the one from the context, else a fresh one from the metadata service."""
    for attempt in (0, 1):
        with _lock:
            current = _token
        if current and current[1] - time.monotonic() > _MARGIN_SECONDS:
            return current[0]
        if attempt == 0:
            _from_metadata(settings)
    raise TokenUnavailable("no IAM token: does the function version have a service account?")


def forget() -> None:
    """Drop the kept token (tests)."""
    global _token
    with _lock:
        _token = None
