"""The local ЕСИА emulator: a small threaded HTTP server enforcing the protocol of esia.md.

It checks what real ЕСИА checks (parameters, timestamp window, client, redirect allow-list,
certificate hash, the GOST signature over the exact string, single-use codes bound to
client/redirect/scope, form-only token endpoint, Bearer-only person endpoint), so every local
run and test exercises the real protocol offline. It is an independent party: the signed
string, GOST signatures and tokens are built here from ЕСИА's documentation, never with the
portal's client code, so a mistake in the client fails a test. Tokens carry oids as JSON
numbers and are signed RS256 or GOST3410_2012_256 (`token_alg`, a per-system setting at ЕСИА).
`faults` lets tests make it misbehave.
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
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from . import gost, jws
from .files import CLIENT_ID, LocalEsiaFiles
from .personas import PERSONAS, People, Persona, PersonInvalid, person_from_fields

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
    token_signing_key: Any = None  # sign with another RSA (or gost.SigningKey) key: wrong signature
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
        people: People | None = None,
        token_alg: str = jws.RS256,
    ):
        if token_alg not in jws.ALGORITHMS:
            raise ValueError(f"token_alg must be one of {jws.ALGORITHMS}")
        self.client_id = client_id
        self.redirect_uris = set(redirect_uris)
        cert = gost.certificate_der(files.client_cert.read_bytes())
        self.cert_hash = gost.certificate_hash(cert)
        self.client_public_key = gost.certificate_public_key(cert)
        rsa_key = serialization.load_pem_private_key(files.token_key.read_bytes(), password=None)
        assert isinstance(rsa_key, rsa.RSAPrivateKey)
        self.token_keys = jws.TokenKeys(
            rsa_key, gost.private_key_from_pem(files.token_gost_key.read_bytes())
        )
        self.token_alg = token_alg  # ЕСИА's per-system setting; tests and the settings page set it
        self.people = people or People()
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
                Rule("/rs/prns/<oid>/ctts", endpoint="contacts", methods=["GET"]),
                Rule("/rs/prns/<oid>/ctts/<cid>", endpoint="contact", methods=["GET"]),
                Rule("/idp/ext/Logout", endpoint="logout", methods=["GET"]),
                Rule("/emulator/system", endpoint="system", methods=["GET", "POST"]),
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
            p["client_certificate_hash"], p["timestamp"], p["client_secret"], _signed_string(p)
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
        return _login_page(request_id, self.people.added(), self.token_alg)

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
        if not gost.verify(self.client_public_key, message.encode("utf-8"), signature):
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
        oid = request.form.get("oid", "")
        if oid == "custom":  # a person defined on the page: kept, so /rs/prns can answer for them
            try:
                fields = {k: v for k, v in request.form.items() if k not in ("oid", "request_id")}
                fields.setdefault("trusted", "false")  # an unticked checkbox is simply absent
                chosen: Persona | None = self.people.add(person_from_fields(fields))
            except PersonInvalid as exc:
                with self._lock:  # the login page stays usable: fix the field and send again
                    self._pending[request_id] = pending
                return _page("Тестовый человек не создан", str(exc), 400)
        else:
            chosen = self.people.get(request.form.get("oid_typed", "") if oid == "typed" else oid)
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
            _signed_string(f, f["code"]),
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
        """Shaped like ЕСИА's published examples: oids are JSON numbers, the access token's
        scope names the person (`fullname?oid=…`), `urn:esia:sbj` carries is_tru only for a
        confirmed account."""
        chosen = self.people.get(grant.oid)
        assert chosen is not None
        oid = int(grant.oid)
        now = int(self.clock()) + self.faults.token_time_shift
        times = {"nbf": now, "iat": now, "exp": now + TOKEN_TTL_SECONDS}
        sid = str(uuid.uuid4())
        scope = " ".join(
            name if name == "openid" else f"{name}?oid={oid}" for name in grant.scope.split(" ")
        )
        access = {
            **times,
            "scope": scope,
            "iss": self.issuer,
            "urn:esia:sid": sid,
            "urn:esia:sbj_id": oid,
            "client_id": grant.client_id,
        }
        subject: dict[str, Any] = {
            "urn:esia:sbj:typ": "P",
            "urn:esia:sbj:oid": oid,
            "urn:esia:sbj:nam": f"OID.{oid}",
            "urn:esia:sbj:lvl": "PR" if chosen.trusted else "P",
        }
        if chosen.trusted:  # ЕСИА sends is_tru only for a confirmed account
            subject["urn:esia:sbj:is_tru"] = True
        identity = {
            **times,
            "aud": self.faults.token_audience or grant.client_id,
            "sub": oid,
            "amr": "PWD",
            "urn:esia:amd": "PWD",
            "auth_time": now,
            "iss": self.issuer,
            "urn:esia:sid": sid,
            "urn:esia:sbj": subject,
        }
        return self._sign(access, "access"), self._sign(identity, "id")

    def _sign(self, claims: dict[str, Any], kind: str) -> str:
        if self.faults.token_alg_none:
            header = jws.b64url(b'{"alg":"none","typ":"JWT"}')
            return f"{header}.{jws.b64url(json.dumps(claims).encode())}."
        key = self.faults.token_signing_key
        if isinstance(key, rsa.RSAPrivateKey):
            return jws.encode(claims, alg=jws.RS256, kind=kind, sign=lambda data: key.sign(
                data, padding.PKCS1v15(), hashes.SHA256()))  # fmt: skip
        if isinstance(key, gost.SigningKey):
            return jws.encode(claims, alg=jws.GOST, kind=kind, sign=key.sign)
        alg = self.token_alg
        return jws.encode(
            claims, alg=alg, kind=kind, sign=lambda data: self.token_keys.sign(alg, data)
        )

    # --- /rs/prns/{oid} ------------------------------------------------------------------------

    def _bearer(self, request: Request, oid: str, needs: set[str]) -> list[str] | Response:
        """The access token's scopes, or the refusal ЕСИА gives (401 bad token, 403 another
        person or none of the scopes the resource needs)."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return _json_error(401, "invalid_token", None, "нужен заголовок Authorization: Bearer")
        claims = jws.decode(auth[7:], self.token_keys)
        if (
            claims is None
            or claims.get("iss") != self.issuer
            or not all(k in claims for k in ("exp", "urn:esia:sbj_id", "scope"))
        ):
            return _json_error(401, "invalid_token", None, "маркер доступа недействителен")
        if int(claims["exp"]) < self.clock():
            return _json_error(401, "invalid_token", None, "срок действия маркера истёк")
        # ЕСИА's scopes name the person: `fullname?oid=1000299654`.
        scopes = [item.split("?", 1)[0] for item in str(claims["scope"]).split(" ")]
        if str(claims["urn:esia:sbj_id"]) != oid or not needs & set(scopes):
            return _json_error(403, "insufficient_scope", None, "нет доступа к этим данным")
        return scopes

    def _person(self, request: Request, oid: str) -> Response:
        scopes = self._bearer(request, oid, {"fullname"})
        if isinstance(scopes, Response):
            return scopes
        chosen = self.people.get(oid)
        if chosen is None:
            return _json_error(404, "not_found", None)
        record = _person_record(chosen, scopes)
        for key, value in self.faults.person_overrides.items():
            if value is None:
                record.pop(key, None)
            else:
                record[key] = value
        return Response(json.dumps(record, ensure_ascii=False), mimetype="application/json")

    # --- /rs/prns/{oid}/ctts: contacts, as ЕСИА's methodology describes the collection ----------

    def _contact_elements(self, oid: str, scopes: list[str]) -> list[dict[str, Any]] | None:
        chosen = self.people.get(oid)
        if chosen is None:
            return None
        elements = []
        if "email" in scopes and chosen.email:
            elements.append(_contact(oid, 1, "EML", chosen.email))
        if "mobile" in scopes and chosen.mobile:
            elements.append(_contact(oid, 2, "MBT", chosen.mobile))
        return elements

    def _contacts(self, request: Request, oid: str) -> Response:
        """A collection: `elements` are links to each contact, or the contacts themselves with
        `?embed=(elements)`."""
        scopes = self._bearer(request, oid, {"email", "mobile", "contacts"})
        if isinstance(scopes, Response):
            return scopes
        elements = self._contact_elements(oid, scopes)
        if elements is None:
            return _json_error(404, "not_found", None)
        embed = request.args.get("embed", "") == "(elements)"
        base = request.host_url.rstrip("/")
        body = {
            "stateFacts": ["hasSize"],
            "size": len(elements),
            "eTag": secrets.token_hex(20).upper(),
            "elements": elements
            if embed
            else [f"{base}/rs/prns/{oid}/ctts/{e['id']}" for e in elements],
        }
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")

    def _contact(self, request: Request, oid: str, cid: str) -> Response:
        scopes = self._bearer(request, oid, {"email", "mobile", "contacts"})
        if isinstance(scopes, Response):
            return scopes
        found = [e for e in self._contact_elements(oid, scopes) or [] if str(e["id"]) == cid]
        if not found:
            return _json_error(404, "not_found", None)
        return Response(json.dumps(found[0], ensure_ascii=False), mimetype="application/json")

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

    # --- the system's settings (ЕСИА's technology portal, reduced to what tests switch) ---------

    def _system(self, request: Request) -> Response:
        if request.method == "POST":
            alg = request.form.get("token_alg", "")
            if alg not in jws.ALGORITHMS:
                return _page("Настройки не изменены", "Неизвестный алгоритм подписи маркеров.", 400)
            self.token_alg = alg
        options = "".join(
            f'<label><input type="radio" name="token_alg" value="{alg}"'
            f"{' checked' if alg == self.token_alg else ''}> {alg}</label><br>"
            for alg in jws.ALGORITHMS
        )
        form = (
            f'<form method="post" action="/emulator/system">{options}'
            '<button class="persona" type="submit">Сохранить</button></form>'
        )
        return _page(
            "Настройки системы-клиента",
            f"Маркеры для {self.client_id} подписываются алгоритмом {self.token_alg}.",
            200,
            form,
        )


def _signed_string(params: Any, code: str = "") -> str:
    """What client_secret signs, by ЕСИА's documentation: client_id + scope + scope_org +
    timestamp + state + redirect_uri (+ code at v3/te); scope_org empty for a person's login."""
    scope_org = params.get("scope_org") or ""
    return (
        params["client_id"] + params["scope"] + scope_org + params["timestamp"]
        + params["state"] + params["redirect_uri"] + code
    )  # fmt: skip


def _contact(oid: str, number: int, kind: str, value: str) -> dict[str, Any]:
    return {
        "stateFacts": ["Identifiable"],
        "id": int(oid[-6:]) * 10 + number if oid.isdigit() else number,
        "type": kind,
        "vrfStu": "VERIFIED",
        "value": value,
        "eTag": secrets.token_hex(20).upper(),
    }


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


def _persona_button(p: Persona) -> str:
    return (
        f'<button class="persona" type="submit" name="oid" value="{html.escape(p.oid)}">'
        f"<strong>{html.escape(f'{p.last_name} {p.first_name} {p.middle_name}'.strip())}</strong>"
        f'<br><span class="note">{html.escape(p.description)}</span></button>'
    )


_CUSTOM_PERSON = (
    "<h2>Другой тестовый человек</h2>"
    '<p class="note">Войти любым человеком: те же данные (СНИЛС) — тот же oid при каждом входе.'
    "</p>"
    '<label>Фамилия <input name="last_name" autocomplete="off"></label><br>'
    '<label>Имя <input name="first_name" autocomplete="off"></label><br>'
    '<label>Отчество <input name="middle_name" autocomplete="off"></label><br>'
    '<label>СНИЛС <input name="snils" placeholder="112-233-445 95" autocomplete="off"></label><br>'
    '<label>Дата рождения <input name="birth_date" type="date"></label><br>'
    '<label>Пол <select name="gender"><option value="F">женский</option>'
    '<option value="M">мужской</option></select></label><br>'
    '<label><input type="checkbox" name="trusted" value="true" checked> '
    "Учётная запись подтверждена</label><br>"
    '<button class="persona" type="submit" name="oid" value="custom">Войти этим человеком</button>'
)
_FILE_PEOPLE_SHOWN = 30


def _login_page(request_id: str, added: list[Persona], token_alg: str) -> Response:
    buttons = "".join(_persona_button(p) for p in PERSONAS)
    if added:
        buttons += "<h2>Люди из файла и созданные здесь</h2>" + "".join(
            _persona_button(p) for p in added[:_FILE_PEOPLE_SHOWN]
        )
        if len(added) > _FILE_PEOPLE_SHOWN:
            buttons += (
                f'<p class="note">Ещё {len(added) - _FILE_PEOPLE_SHOWN} — по oid: '
                '<input name="oid_typed" inputmode="numeric"> '
                '<button type="submit" name="oid" value="typed">Войти</button></p>'
            )
    form = (
        f'<form method="post" action="/idp/login"><input type="hidden" name="request_id" '
        f'value="{html.escape(request_id)}">{buttons}'
        '<button class="persona" type="submit" name="oid" value="">Отмена — вернуться на сайт'
        f"</button>{_CUSTOM_PERSON}</form>"
        '<p class="note">Это локальный эмулятор Госуслуг для разработки: пароль не нужен. '
        f"Маркеры подписываются {html.escape(token_alg)} "
        '(<a href="/emulator/system">настройки системы</a>).</p>'
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
    *,
    people: People | None = None,
    token_alg: str = jws.RS256,
) -> EmulatorServer:
    return EmulatorServer(
        host,
        port,
        EsiaEmulator(files, redirect_uris, clock=clock, people=people, token_alg=token_alg),
    )


__all__ = [
    "EmulatorFaults",
    "EmulatorServer",
    "EsiaEmulator",
    "make_emulator_server",
]
