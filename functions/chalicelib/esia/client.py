"""The ЕСИА client: the `v2/ac` authorization URL, the `v3/te` token exchange, the person record.

Protocol as in design/esia.md: client_secret is the GOST signature (s‖r, unpadded base64url) of
`client_id + scope + scope_org + timestamp + state + redirect_uri [+ code]`. Any network trouble
or 5xx becomes `ServiceUnavailable`; a refusal with an ESIA-0070xx code becomes `EsiaError`.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ServiceUnavailable
from ..settings import Settings, get_settings
from .configuration import LOCAL_STAGE, require_complete
from .gost import certificate_der, certificate_hash
from .signer import Signer, get_signer
from .tokens import TokenVerifier

log = logging.getLogger("nmo.esia")

AUTHORIZE_PATH = "/aas/oauth2/v2/ac"
TOKEN_PATH = "/aas/oauth2/v3/te"  # noqa: S105 - a URL path, not a secret
PERSON_PATH = "/rs/prns/"
CONTACTS_SUFFIX = "/ctts?embed=(elements)"
LOGOUT_PATH = "/idp/ext/Logout"
# ЕСИА lives in Moscow time; any offset is accepted as long as the instant is right.
_MSK = dt.timezone(dt.timedelta(hours=3))
_ERROR_CODE = re.compile(r"ESIA-(\d{6})")
_MAX_RESPONSE = 256 * 1024
UNAVAILABLE_MESSAGE = "Госуслуги сейчас не отвечают. Попробуйте войти через несколько минут."


class EsiaError(Exception):
    """ЕСИА refused a request; `code` is its ESIA-0070xx number when it gave one."""

    def __init__(self, code: str | None, error: str | None = None):
        super().__init__(f"ESIA-{code}" if code else (error or "esia error"))
        self.code = code
        self.error = error


def esia_timestamp(now: dt.datetime) -> str:
    """`yyyy.MM.dd HH:mm:ss +hhmm`, e.g. `2026.11.22 13:00:29 +0300`."""
    return now.astimezone(_MSK).strftime("%Y.%m.%d %H:%M:%S %z")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def secret_string(
    client_id: str, scope: str, timestamp: str, state: str, redirect_uri: str, code: str = ""
) -> str:
    """The exact string ЕСИА checks client_secret against (scope_org unused: empty)."""
    scope_org = ""
    return client_id + scope + scope_org + timestamp + state + redirect_uri + code


def error_code_of(description: str | None) -> str | None:
    match = _ERROR_CODE.search(description or "")
    return match.group(1) if match else None


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    id_token: str
    expires_in: int


class EsiaClient:
    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        scope: str,
        cert_file: str | Path,
        signer: Signer,
        timeout: float,
    ):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.scope = scope
        self._cert_file = Path(cert_file)
        self._cert_hash: str | None = None
        self._signer = signer
        self._timeout = timeout

    @property
    def certificate_hash(self) -> str:
        if self._cert_hash is None:
            self._cert_hash = certificate_hash(certificate_der(self._cert_file.read_bytes()))
        return self._cert_hash

    def _signed(
        self, state: str, redirect_uri: str, now: dt.datetime, code: str = ""
    ) -> dict[str, str]:
        timestamp = esia_timestamp(now)
        message = secret_string(self.client_id, self.scope, timestamp, state, redirect_uri, code)
        return {
            "client_id": self.client_id,
            "client_secret": b64url(self._signer.sign(message.encode("utf-8"))),
            "client_certificate_hash": self.certificate_hash,
            "redirect_uri": redirect_uri,
            "scope": self.scope,
            "state": state,
            "timestamp": timestamp,
        }

    def authorization_url(self, state: str, redirect_uri: str, now: dt.datetime) -> str:
        params = self._signed(state, redirect_uri, now)
        params.update(response_type="code", access_type="online")
        return f"{self.base_url}{AUTHORIZE_PATH}?{urllib.parse.urlencode(params, quote_via=urllib.parse.quote)}"

    def exchange_code(self, code: str, redirect_uri: str, now: dt.datetime) -> TokenResponse:
        """`v3/te`: form-encoded, signed over the `v2/ac` string plus the code, a fresh state."""
        state = str(uuid.uuid4())
        form = self._signed(state, redirect_uri, now, code)
        form.update(code=code, grant_type="authorization_code", token_type="Bearer")  # noqa: S106
        body = urllib.parse.urlencode(form).encode("ascii")
        status, data = self._call(
            "POST",
            TOKEN_PATH,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 200:
            raise self._refusal(status, data, "token")
        if not isinstance(data, dict) or data.get("state") != state:
            log.warning("esia token response: state not echoed")
            raise EsiaError(None, "state_mismatch")
        access, id_token = data.get("access_token"), data.get("id_token")
        if not isinstance(access, str) or not isinstance(id_token, str):
            log.warning("esia token response without tokens")
            raise EsiaError(None, "no_tokens")
        expires_in = data.get("expires_in")
        return TokenResponse(access, id_token, expires_in if isinstance(expires_in, int) else 0)

    def fetch_person(self, oid: str, access_token: str) -> dict[str, Any]:
        if not (oid.isascii() and oid.isdigit()):
            raise EsiaError(None, "bad_oid")
        status, data = self._call(
            "GET", PERSON_PATH + oid, headers={"Authorization": f"Bearer {access_token}"}
        )
        if status != 200 or not isinstance(data, dict):
            raise self._refusal(status, data, "person")
        return data

    def fetch_contacts(self, oid: str, access_token: str) -> list[dict[str, Any]]:
        """`/rs/prns/{oid}/ctts?embed=(elements)`: the person's contacts (EML, MBT, …) as
        objects. Optional data: a refusal or odd answer gives none, never a failed login."""
        if not (oid.isascii() and oid.isdigit()):
            raise EsiaError(None, "bad_oid")
        status, data = self._call(
            "GET",
            PERSON_PATH + oid + CONTACTS_SUFFIX,
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if status != 200 or not isinstance(data, dict):
            log.warning("esia contacts not available: HTTP %s", status)
            return []
        return [e for e in data.get("elements") or [] if isinstance(e, dict)]

    def logout_url(self, redirect_url: str) -> str:
        query = urllib.parse.urlencode({"client_id": self.client_id, "redirect_url": redirect_url})
        return f"{self.base_url}{LOGOUT_PATH}?{query}"

    # --- transport ---

    def _call(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        url = self.base_url + path
        request = urllib.request.Request(  # noqa: S310 - the base URL is configuration
            url, data=body, headers={"Accept": "application/json", **headers}, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                status, raw = response.status, response.read(_MAX_RESPONSE)
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read(_MAX_RESPONSE)
        except (OSError, TimeoutError) as exc:  # URLError, refused, reset, timed out
            log.warning("esia %s %s unreachable: %s", method, _endpoint(path), type(exc).__name__)
            raise ServiceUnavailable(UNAVAILABLE_MESSAGE, code="esia_unavailable") from exc
        if status >= 500:
            log.warning("esia %s answered HTTP %s", _endpoint(path), status)
            raise ServiceUnavailable(UNAVAILABLE_MESSAGE, code="esia_unavailable")
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            log.warning("esia %s answered non-JSON with HTTP %s", _endpoint(path), status)
            if status == 200:
                raise ServiceUnavailable(UNAVAILABLE_MESSAGE, code="esia_unavailable") from None
            return status, None

    @staticmethod
    def _refusal(status: int, data: Any, what: str) -> EsiaError:
        error = description = None
        if isinstance(data, dict):
            error = str(data.get("error") or "")[:64] or None
            description = str(data.get("error_description") or "")
        code = error_code_of(description)
        log.warning("esia refused %s request: HTTP %s code %s error %s", what, status, code, error)
        return EsiaError(code, error)


def _endpoint(path: str) -> str:
    # Log the endpoint, never the oid in /rs/prns/{oid}.
    if path.startswith(PERSON_PATH):
        return "contacts" if "/ctts" in path else "person"
    return path


_lock = threading.Lock()
_cached: tuple[Settings, EsiaClient, TokenVerifier] | None = None


def check_configuration(settings: Settings) -> None:
    """A stage other than `local` must name every ЕСИА setting (EsiaNotConfigured otherwise)."""
    if settings.stage != LOCAL_STAGE:
        require_complete(dict(settings.esia_env))


def issuers(settings: Settings) -> tuple[str, ...]:
    """Exactly the configured issuers; locally, by default, the emulator's base URL."""
    if settings.esia_issuers:
        return settings.esia_issuers
    if settings.stage == LOCAL_STAGE:
        return (settings.esia_base_url.rstrip("/") + "/",)
    return ()


def _build(settings: Settings) -> tuple[Settings, EsiaClient, TokenVerifier]:
    check_configuration(settings)
    if not settings.esia_cert_file:
        # A person pressing «Войти» gets a Russian 503, not a 500; the operator finds the
        # missing setting in the log (`make run` and a deployed stage always set it).
        log.error("ЕСИА client not configured: NMO_ESIA_CERT_FILE is empty")
        raise ServiceUnavailable(
            "Вход через Госуслуги сейчас недоступен: портал не настроен для ЕСИА. "
            "Сообщите администратору портала.",
            code="esia_not_configured",
        )
    client = EsiaClient(
        base_url=settings.esia_base_url,
        client_id=settings.esia_client_id,
        scope=settings.esia_scope,
        cert_file=settings.esia_cert_file,
        signer=get_signer(),
        timeout=settings.esia_timeout_seconds,
    )
    verifier = TokenVerifier(settings.esia_token_certs, issuers(settings), settings.esia_client_id)
    return settings, client, verifier


def _current() -> tuple[Settings, EsiaClient, TokenVerifier]:
    global _cached
    settings = get_settings()
    cached = _cached
    if cached is None or cached[0] is not settings:
        with _lock:
            if _cached is None or _cached[0] is not settings:
                _cached = _build(settings)
            cached = _cached
    return cached


def get_client() -> EsiaClient:
    """The configured ЕСИА client (built on first use from settings)."""
    return _current()[1]


def get_token_verifier() -> TokenVerifier:
    return _current()[2]
