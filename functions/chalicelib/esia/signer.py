"""Who signs ЕСИА requests: one small interface, two implementations, chosen by configuration.

`LocalGostSigner` signs in process (pure Python; local runs, tests, ЕСИА's test host).
`RemoteSigner` sends the bytes to a signing service over HTTPS: since 2025 production systems
must sign with certified crypto (СКЗИ КС3) in an attested environment. Nothing else in the code
knows which one runs: it asks `get_signer()`.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Protocol

from .. import secret_store as secrets
from ..errors import ServiceUnavailable
from ..settings import Settings, get_settings
from .gost import GostPrivateKey, load_private_key_pem

log = logging.getLogger("nmo.esia.signer")

SIGNATURE_BYTES = 64
_UNAVAILABLE = (
    "Сервис подписи запросов к Госуслугам недоступен. Попробуйте войти через несколько минут."
)


class Signer(Protocol):
    def sign(self, data: bytes) -> bytes:
        """The raw GOST R 34.10-2012 (256) signature s‖r (64 bytes) over Streebog-256(data)."""
        ...


class LocalGostSigner:
    """Signs with a PKCS#8 PEM GOST key file, read on first use."""

    def __init__(self, key_file: str | Path):
        self._key_file = Path(key_file)
        self._key: GostPrivateKey | None = None
        self._lock = threading.Lock()

    def _private_key(self) -> GostPrivateKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = load_private_key_pem(self._key_file.read_text("ascii"))
        return self._key

    def sign(self, data: bytes) -> bytes:
        return self._private_key().sign(data)


class RemoteSigner:
    """POSTs the bytes to a signing service; it answers `{"signature": base64(s‖r)}`.

    HTTPS only, except for loopback addresses (a signer sidecar on the same host, tests).
    """

    def __init__(self, url: str, *, token: str = "", timeout: float = 10.0):
        parts = urllib.parse.urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("NMO_ESIA_SIGNER_URL must be an https:// URL")
        self._url = url
        self._token = token
        self._timeout = timeout

    def sign(self, data: bytes) -> bytes:
        headers = {"Content-Type": "application/octet-stream", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(self._url, data=data, headers=headers, method="POST")  # noqa: S310 - scheme checked in __init__
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                body = response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            log.warning("remote signer answered HTTP %s", exc.code)
            raise ServiceUnavailable(_UNAVAILABLE, code="signer_unavailable") from exc
        except (OSError, TimeoutError) as exc:
            log.warning("remote signer unreachable: %s", type(exc).__name__)
            raise ServiceUnavailable(_UNAVAILABLE, code="signer_unavailable") from exc
        try:
            signature = base64.b64decode(json.loads(body)["signature"], validate=True)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("remote signer sent an unreadable answer")
            raise ServiceUnavailable(_UNAVAILABLE, code="signer_unavailable") from exc
        if len(signature) != SIGNATURE_BYTES:
            log.warning("remote signer sent %d signature bytes", len(signature))
            raise ServiceUnavailable(_UNAVAILABLE, code="signer_unavailable")
        return signature


_cache_lock = threading.Lock()
_cached: tuple[Settings, Signer] | None = None


def signer_for(settings: Settings) -> Signer:
    # Keys and tokens may live in a parameter/secret store (deployments) or in plain settings
    # (local runs, tests); `secrets` resolves either, on first use.
    if settings.esia_signer == "local":
        key_file = settings.esia_key_file or (
            secrets.esia_key_file() if settings.esia_key_param else ""
        )
        if not key_file:
            raise RuntimeError("NMO_ESIA_KEY_FILE (or NMO_ESIA_KEY_PARAM) is not configured")
        return LocalGostSigner(key_file)
    if settings.esia_signer == "remote":
        return RemoteSigner(
            settings.esia_signer_url,
            token=secrets.esia_signer_token(settings),
            timeout=settings.esia_timeout_seconds,
        )
    raise RuntimeError(f"unknown NMO_ESIA_SIGNER {settings.esia_signer!r} (local or remote)")


def get_signer() -> Signer:
    """The configured signer, built on first use (and again if settings were reset)."""
    global _cached
    settings = get_settings()
    cached = _cached
    if cached is not None and cached[0] is settings:
        return cached[1]
    with _cache_lock:
        if _cached is None or _cached[0] is not settings:
            _cached = (settings, signer_for(settings))
        return _cached[1]
