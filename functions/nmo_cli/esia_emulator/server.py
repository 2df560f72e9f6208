"""The local ЕСИА emulator: a small threaded HTTP server enforcing the protocol of esia.md.

It checks what real ЕСИА checks (parameters, timestamp window, client, redirect allow-list,
certificate hash, the GOST signature over the exact string, single-use codes bound to
client/redirect/scope, form-only token endpoint, Bearer-only person endpoint), so every local
run and test exercises the real protocol offline. `faults` lets tests make it misbehave.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import html
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
from chalicelib.esia.client import secret_string
from chalicelib.esia.gost import certificate_der, certificate_hash, certificate_public_key, verify
from cryptography.hazmat.primitives import serialization
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .files import CLIENT_ID, LocalEsiaFiles
from .personas import PERSONAS, Persona, persona

TIMESTAMP_WINDOW_SECONDS = 300
CODE_TTL_SECONDS = 120
LOGIN_PAGE_TTL_SECONDS = 600
TOKEN_TTL_SECONDS = 3600
SUPPORTED_SCOPES = {"openid", "fullname", "birthdate", "gender", "snils", "inn", "email", "mobile"}
_AC_PARAMS = (
    "client_id", "client_secret", "client_certificate_hash", "redirect_uri", "scope",
    "response_type", "state", "access_type", "timestamp",
)  # fmt: skip
_TE_PARAMS = (
    "client_id", "code", "grant_type", "client_certificate_hash", "client_secret", "state",
    "redirect_uri", "scope", "timestamp", "token_type",
)  # fmt: skip
_MESSAGES = {
    "007004": "Пользователь отказал в доступе",
    "007005": "Система-клиент не зарегистрирована или сертификат не привязан к ней",
    "007011": "Код авторизации недействителен, просрочен или уже использован",
    "007014": "Не указан обязательный параметр",
    "007015": "Неверное время запроса",
    "007023": "redirect_uri не зарегистрирован для системы-клиента",
    "007053": "Неверный client_secret",
}


@dataclass
class EmulatorFaults:
    """Ways tests make the emulator misbehave like a broken or hostile ЕСИА."""

    token_status: int | None = None  # answer v3/te with this HTTP status (e.g. 500)
    token_hold: threading.Event | None = None  # v3/te waits on this (a hang; tests release it)
    token_signing_key: Any = None  # sign tokens with another RSA key (wrong signature)
    token_audience: str | None = None  # id_token issued for another client
    token_alg_none: bool = False  # unsigned tokens
    token_time_shift: int = 0  # seconds added to iat/nbf/exp
    person_overrides: dict[str, Any] = field(default_factory=dict)  # None value: field removed


@dataclass
class _Pending:
    client_id: str
    redirect_uri: str
    scope: str
    state: str
    expires_at: float


@dataclass
class _Grant:
    oid: str
    client_id: str
    redirect_uri: str
    scope: str
    expires_at: float
    used: bool = False


class EsiaEmulator:
    """The WSGI application. `clock` returns epoch seconds (tests move it)."""

    def __init__(
        self,
        files: LocalEsiaFiles,
        redirect_uris: Iterable[str],
        *,
        client_id: str = CLIENT_ID,
        clock: Callable[[], float] | None = None,
    ):
        self.client_id = client_id
        self.redirect_uris = set(redirect_uris)
        cert = certificate_der(files.client_cert.read_bytes())
        self.cert_hash = certificate_hash(cert)
        self.client_public_key = certificate_public_key(cert)
        self.token_key: Any = serialization.load_pem_private_key(
            files.token_key.read_bytes(), password=None
        )
        self.clock: Callable[[], float] = clock or time.time
        self.issuer = "http://127.0.0.1/"  # set to the real address once the socket is bound
        self.faults = EmulatorFaults()
        self.token_requests = 0  # how often v3/te was called (tests: "refused before the exchange")
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._grants: dict[str, _Grant] = {}
        self._urls = Map(
            [
                Rule("/aas/oauth2/v2/ac", endpoint="authorize", methods=["GET"]),
                Rule("/idp/login", endpoint="login", methods=["POST"]),
                Rule("/aas/oauth2/v3/te", endpoint="token", methods=["POST", "GET"]),
                Rule("/rs/prns/<oid>", endpoint="person", methods=["GET"]),
                Rule("/idp/ext/Logout", endpoint="logout", methods=["GET"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        adapter = self._urls.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
        except Exception:
            response = _page("Страница не найдена", "Такой страницы в эмуляторе ЕСИА нет.", 404)
        else:
            response = getattr(self, f"_{endpoint}")(request, **args)
        return response(environ, start_response)

    # --- v2/ac -----------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        p = request.args
        missing = [name for name in _AC_PARAMS if not p.get(name)]
        if missing:
            return _error_page("007014", f"нет параметра {missing[0]}")
        if p["client_id"] != self.client_id:
            return _error_page("007005", "неизвестный client_id")
        if p["redirect_uri"] not in self.redirect_uris:
            return _error_page("007023", "redirect_uri не в списке разрешённых")
        back = _Back(p["redirect_uri"], p["state"])
        if p["response_type"] != "code" or p["access_type"] not in ("online", "offline"):
            return back.error("invalid_request", "007014")
        scopes = p["scope"].split(" ")
        if "openid" not in scopes or not set(scopes) <= SUPPORTED_SCOPES:
            return back.error("invalid_scope", "007014")
        problem = self._check_secret(
            p["client_certificate_hash"],
            p["timestamp"],
            p["client_secret"],
            secret_string(
                p["client_id"], p["scope"], p["timestamp"], p["state"], p["redirect_uri"]
            ),
        )
        if problem:
            return back.error("invalid_request", problem)
        request_id = secrets.token_urlsafe(16)
        with self._lock:
            self._forget_expired()
            self._pending[request_id] = _Pending(
                p["client_id"], p["redirect_uri"], p["scope"], p["state"],
                self.clock() + LOGIN_PAGE_TTL_SECONDS,
            )  # fmt: skip
        return _login_page(request_id)

    def _forget_expired(self) -> None:
        """Drop expired login pages and codes (a long `make run` must not grow without bound).
        Used codes are kept until they expire, so a reuse still answers 007011."""
        now = self.clock()
        for store in (self._pending, self._grants):
            for key in [k for k, v in store.items() if v.expires_at < now - CODE_TTL_SECONDS]:
                del store[key]

    def _check_secret(
        self, cert_hash: str, timestamp: str, secret: str, message: str
    ) -> str | None:
        """The ESIA error code for a bad certificate hash, timestamp or signature, else None."""
        if cert_hash != self.cert_hash:
            return "007053"
        try:
            sent_at = dt.datetime.strptime(timestamp, "%Y.%m.%d %H:%M:%S %z").timestamp()
        except ValueError:
            return "007015"
        if abs(sent_at - self.clock()) > TIMESTAMP_WINDOW_SECONDS:
            return "007015"
        try:
            if "=" in secret or "+" in secret or "/" in secret:
                raise ValueError("not unpadded base64url")
            signature = base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))
        except (ValueError, binascii.Error):
            return "007053"
        if not verify(self.client_public_key, message.encode("utf-8"), signature):
            return "007053"
        return None

    # --- the login page's answer -------------------------------------------------------------

    def _login(self, request: Request) -> Response:
        request_id = request.form.get("request_id", "")
        with self._lock:
            pending = self._pending.pop(request_id, None)
        if pending is None or pending.expires_at < self.clock():
            return _page(
                "Сеанс входа истёк",
                "Вернитесь на сайт и нажмите «Войти через Госуслуги» ещё раз.",
                400,
            )
        back = _Back(pending.redirect_uri, pending.state)
        chosen = persona(request.form.get("oid", ""))
        if chosen is None or chosen.declines:
            return back.error("access_denied", "007004")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._forget_expired()
            self._grants[code] = _Grant(
                chosen.oid, pending.client_id, pending.redirect_uri, pending.scope,
                self.clock() + CODE_TTL_SECONDS,
            )  # fmt: skip
        return back.redirect({"code": code, "state": pending.state})

    # --- v3/te ---------------------------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        with self._lock:
            self.token_requests += 1
        if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
            return _json_error(400, "invalid_request", "007014", "ожидается форма POST")
        f = request.form
        missing = [name for name in _TE_PARAMS if not f.get(name)]
        if missing:
            return _json_error(400, "invalid_request", "007014", f"нет параметра {missing[0]}")
        if f["client_id"] != self.client_id:
            return _json_error(400, "unauthorized_client", "007005")
        if f["grant_type"] != "authorization_code" or f["token_type"] != "Bearer":  # noqa: S105
            return _json_error(400, "invalid_request", "007014", "grant_type/token_type")
        problem = self._check_secret(
            f["client_certificate_hash"],
            f["timestamp"],
            f["client_secret"],
            secret_string(
                f["client_id"], f["scope"], f["timestamp"], f["state"], f["redirect_uri"], f["code"]
            ),
        )
        if problem:
            return _json_error(400, "invalid_client", problem)
        with self._lock:
            grant = self._grants.get(f["code"])
            usable = (
                grant is not None
                and not grant.used
                and grant.expires_at >= self.clock()
                and (grant.client_id, grant.redirect_uri, grant.scope)
                == (f["client_id"], f["redirect_uri"], f["scope"])
            )
            if grant is not None:
                grant.used = True  # a code is burnt by any attempt to use it, right or wrong
        if not usable or grant is None:
            return _json_error(400, "invalid_grant", "007011")
        hold = self.faults.token_hold
        if hold is not None:
            hold.wait(10)
        if self.faults.token_status:
            return Response("Internal error", status=self.faults.token_status)
        access, id_token = self._tokens(grant)
        body = {
            "access_token": access,
            "id_token": id_token,
            "state": f["state"],
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECONDS,
        }
        return Response(json.dumps(body), status=200, mimetype="application/json")

    def _tokens(self, grant: _Grant) -> tuple[str, str]:
        chosen = persona(grant.oid)
        assert chosen is not None
        now = int(self.clock()) + self.faults.token_time_shift
        times = {"iat": now, "nbf": now, "exp": now + TOKEN_TTL_SECONDS}
        sid = secrets.token_hex(8)
        access = {
            **times,
            "iss": self.issuer,
            "scope": grant.scope,
            "client_id": grant.client_id,
            "urn:esia:sid": sid,
            "urn:esia:sbj_id": int(grant.oid),
        }
        subject: dict[str, Any] = {
            "urn:esia:sbj:typ": "P",
            "urn:esia:sbj:oid": int(grant.oid),
            "urn:esia:sbj:lvl": "PR" if chosen.trusted else "P",
        }
        if chosen.trusted:  # ЕСИА sends is_tru only for a confirmed account
            subject["urn:esia:sbj:is_tru"] = True
        identity = {
            **times,
            "iss": self.issuer,
            "aud": self.faults.token_audience or grant.client_id,
            "sub": grant.oid,
            "auth_time": now,
            "amr": "PWD",
            "urn:esia:sid": sid,
            "urn:esia:sbj": subject,
        }
        return self._sign(access), self._sign(identity)

    def _sign(self, claims: dict[str, Any]) -> str:
        if self.faults.token_alg_none:
            header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
            payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
            return f"{header.decode()}.{payload.decode()}."
        key = self.faults.token_signing_key or self.token_key
        return jwt.encode(claims, key, algorithm="RS256", headers={"sbt": "access"})

    # --- /rs/prns/{oid} ------------------------------------------------------------------------

    def _person(self, request: Request, oid: str) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _json_error(401, "invalid_token", None, "нужен заголовок Authorization: Bearer")
        try:
            claims = jwt.decode(
                auth[7:],
                self.token_key.public_key(),
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_exp": False, "require": ["exp", "urn:esia:sbj_id", "scope"]},
            )
        except jwt.PyJWTError:
            return _json_error(401, "invalid_token", None, "маркер доступа недействителен")
        if int(claims["exp"]) < self.clock():
            return _json_error(401, "invalid_token", None, "срок действия маркера истёк")
        scopes = str(claims["scope"]).split(" ")
        if str(claims["urn:esia:sbj_id"]) != oid or "fullname" not in scopes:
            return _json_error(403, "insufficient_scope", None, "нет доступа к этим данным")
        chosen = persona(oid)
        if chosen is None:
            return _json_error(404, "not_found", None)
        record = _person_record(chosen, scopes)
        for key, value in self.faults.person_overrides.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        return Response(json.dumps(record, ensure_ascii=False), mimetype="application/json")

    # --- logout --------------------------------------------------------------------------------

    def _logout(self, request: Request) -> Response:
        target = request.args.get("redirect_url", "")
        allowed_origins = {_origin(uri) for uri in self.redirect_uris}
        if (
            request.args.get("client_id") != self.client_id
            or _origin(target) not in allowed_origins
        ):
            return _error_page("007023", "адрес возврата после выхода не зарегистрирован")
        return Response(status=302, headers={"Location": target})


def _person_record(chosen: Persona, scopes: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "trusted": chosen.trusted,
        "status": "REGISTERED",
        "updatedOn": 1700000000,
        "eTag": secrets.token_hex(8),
    }
    if "fullname" in scopes:
        record.update(
            firstName=chosen.first_name, lastName=chosen.last_name, middleName=chosen.middle_name
        )
    if "birthdate" in scopes:
        record["birthDate"] = chosen.birth_date
    if "gender" in scopes:
        record["gender"] = chosen.gender
    if "snils" in scopes:
        record["snils"] = chosen.snils
    return record


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


@dataclass(frozen=True)
class _Back:
    """A redirect back to the (already allow-listed) redirect_uri."""

    redirect_uri: str
    state: str

    def redirect(self, params: dict[str, str]) -> Response:
        separator = "&" if "?" in self.redirect_uri else "?"
        location = self.redirect_uri + separator + urllib.parse.urlencode(params)
        return Response(status=302, headers={"Location": location})

    def error(self, error: str, code: str) -> Response:
        description = f"ESIA-{code}: {_MESSAGES.get(code, 'Ошибка')}"
        return self.redirect(
            {"error": error, "error_description": description, "state": self.state}
        )


def _json_error(status: int, error: str, code: str | None, detail: str = "") -> Response:
    description = f"ESIA-{code}: {_MESSAGES.get(code, '')}" if code else ""
    if detail:
        description = f"{description} ({detail})" if description else detail
    body = {"error": error, "error_description": description}
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;"
    "color:#1f2937}h1{font-size:1.5rem}.persona{display:block;width:100%;text-align:left;"
    "margin:.5rem 0;padding:.75rem 1rem;border:1px solid #0d4cd3;border-radius:.5rem;"
    "background:#fff;cursor:pointer;font-size:1rem}.persona:hover{background:#eef3ff}"
    ".note{color:#6b7280;font-size:.875rem}.code{font-family:monospace}"
)


def _page(title: str, text: str, status: int, body_html: str = "") -> Response:
    page = (
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f' — эмулятор ЕСИА</title><meta name="viewport" content="width=device-width">'
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p>{body_html}</body></html>"
    )
    return Response(page, status=status, mimetype="text/html")


def _error_page(code: str, detail: str) -> Response:
    return _page(
        "Ошибка запроса к ЕСИА",
        f"ESIA-{code}: {_MESSAGES[code]} ({detail}).",
        400,
        f'<p class="code">ESIA-{code}</p>',
    )


def _login_page(request_id: str) -> Response:
    buttons = "".join(
        f'<button class="persona" type="submit" name="oid" value="{p.oid}">'
        f"<strong>{html.escape(f'{p.last_name} {p.first_name} {p.middle_name}')}</strong><br>"
        f'<span class="note">{html.escape(p.description)}</span></button>'
        for p in PERSONAS
    )
    form = (
        f'<form method="post" action="/idp/login"><input type="hidden" name="request_id" '
        f'value="{html.escape(request_id)}">{buttons}'
        '<button class="persona" type="submit" name="oid" value="">Отмена — вернуться на сайт'
        "</button></form>"
        '<p class="note">Это локальный эмулятор Госуслуг для разработки: пароль не нужен.</p>'
    )
    return _page(
        "Вход через Госуслуги",
        "Выберите тестового пользователя, под которым войти в портал НМО.",
        200,
        form,
    )


class EmulatorServer:
    """The emulator on a socket; `port` is the bound port (ask for 0 to get a free one)."""

    def __init__(self, host: str, port: int, app: EsiaEmulator):
        from nmo_cli.devserver import QuietHandler

        self.app = app
        self._server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
        self.host = host
        self.port: int = self._server.server_port
        app.issuer = f"{self.url}/"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def faults(self) -> EmulatorFaults:
        return self.app.faults

    def serve_forever(self) -> None:
        # A short poll so that shutdown() returns promptly (tests start and stop it often).
        self._server.serve_forever(poll_interval=0.1)

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def make_emulator_server(
    host: str,
    port: int,
    files: LocalEsiaFiles,
    redirect_uris: list[str],
    clock: Callable[[], float] | None = None,
) -> EmulatorServer:
    return EmulatorServer(host, port, EsiaEmulator(files, redirect_uris, clock=clock))


__all__ = [
    "EmulatorFaults",
    "EmulatorServer",
    "EsiaEmulator",
    "make_emulator_server",
]
