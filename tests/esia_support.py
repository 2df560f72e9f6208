"""Test support for the ЕСИА login: the emulator in-process on an ephemeral port, and a small
cookie-keeping "browser" that walks the flow through the Chalice test client and the emulator."""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

PUBLIC_URL = "http://127.0.0.1:8000"
CALLBACK = f"{PUBLIC_URL}/api/auth/esia/callback"
DOCTOR, NURSE, UNCONFIRMED, DECLINER = "1000000001", "1000000002", "1000000003", "1000000004"


class Clock:
    """The emulator's injectable clock: real time plus an offset tests can move."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="session")
def esia_files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from nmo_cli.esia_emulator import prepare_local_esia

    return prepare_local_esia(tmp_path_factory.mktemp("esia"))


@pytest.fixture
def esia_clock() -> Clock:
    return Clock()


@pytest.fixture
def esia(
    esia_files: Any, esia_clock: Clock, dynamodb: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The emulator on 127.0.0.1:0 and the API configured for it (storage: in-process moto)."""
    from chalicelib.settings import reset_settings
    from nmo_cli.esia_emulator import emulator_env, make_emulator_server

    server = make_emulator_server("127.0.0.1", 0, esia_files, [CALLBACK], clock=esia_clock)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for key, value in emulator_env(esia_files, server.url).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NMO_PUBLIC_URL", PUBLIC_URL)
    # Generous: a loaded 2-core CI machine may take seconds to sign; the timeout test sets its
    # own short one against a response the emulator holds back on purpose.
    monkeypatch.setenv("NMO_ESIA_TIMEOUT_SECONDS", "30")
    reset_settings()
    try:
        yield server
    finally:
        if server.faults.token_hold is not None:
            server.faults.token_hold.set()
        server.shutdown()
        thread.join(5)
        reset_settings()


def set_cookie_values(headers: dict[str, Any]) -> list[str]:
    value = headers.get("Set-Cookie") or headers.get("set-cookie") or []
    return [value] if isinstance(value, str) else list(value)


def http_request(
    url: str, method: str = "GET", body: str | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One request without following redirects (the browser's job is done by the test)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        conn.close()


@dataclass
class Browser:
    """Keeps cookies like a browser and walks portal → ЕСИА → portal."""

    client: Any
    cookies: dict[str, str] = field(default_factory=dict)

    def _remember(self, headers: dict[str, Any]) -> None:
        for item in set_cookie_values(headers):
            name, _, rest = item.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in item or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def get(self, path: str, headers: dict[str, str] | None = None) -> Any:
        response = self.client.http.get(path, headers={**self.cookie_header(), **(headers or {})})
        self._remember(response.headers)
        return response

    def post(self, path: str, headers: dict[str, str] | None = None, body: str = "") -> Any:
        response = self.client.http.post(
            path, headers={**self.cookie_header(), **(headers or {})}, body=body
        )
        self._remember(response.headers)
        return response

    def start(self, next_path: str | None = None) -> str:
        """Click «Войти через Госуслуги»: the URL of ЕСИА's v2/ac the portal redirects to."""
        query = "" if next_path is None else "?" + urllib.parse.urlencode({"next": next_path})
        response = self.get(f"/api/auth/esia/login{query}")
        assert response.status_code == 302, response.body
        return str(response.headers["Location"])

    @staticmethod
    def choose_persona(authorize_url: str, oid: str) -> str:
        """At ЕСИА: open the login page, pick a persona; the URL ЕСИА sends the browser back to."""
        status, _, page = http_request(authorize_url)
        assert status == 200, page
        request_id = re.search(r'name="request_id" value="([^"]+)"', page)
        assert request_id, page
        esia_origin = authorize_url.split("/aas/", 1)[0]
        form = urllib.parse.urlencode({"request_id": request_id.group(1), "oid": oid})
        status, headers, body = http_request(
            f"{esia_origin}/idp/login",
            "POST",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302, body
        return headers["Location"]

    @staticmethod
    def define_person(authorize_url: str, person: dict[str, str]) -> str:
        """At ЕСИА: fill in «Другой тестовый человек»; the URL ЕСИА sends the browser back to."""
        status, _, page = http_request(authorize_url)
        assert status == 200, page
        request_id = re.search(r'name="request_id" value="([^"]+)"', page)
        assert request_id, page
        esia_origin = authorize_url.split("/aas/", 1)[0]
        form = urllib.parse.urlencode(
            {"request_id": request_id.group(1), "oid": "custom", **person}
        )
        status, headers, body = http_request(
            f"{esia_origin}/idp/login",
            "POST",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 302, body
        return headers["Location"]

    def back_from_esia(self, callback_url: str) -> Any:
        assert callback_url.startswith(PUBLIC_URL), callback_url
        return self.get(callback_url[len(PUBLIC_URL) :])

    def login(self, oid: str = DOCTOR, next_path: str | None = None) -> Any:
        """The whole flow; the callback's response."""
        return self.back_from_esia(self.choose_persona(self.start(next_path), oid))


def person_fields(n: int, *, trusted: bool = True) -> dict[str, str]:
    """The emulator form's fields for the n-th distinct test person (a valid СНИЛС each)."""
    from tests.people import valid_snils

    snils = valid_snils(500_000 + n)
    return {
        "last_name": "Тестова",
        "first_name": "Мария",
        "middle_name": f"Номер{n}",
        "snils": f"{snils[:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:]}",
        "birth_date": "1985-06-01",
        "gender": "F",
        **({"trusted": "true"} if trusted else {}),
    }


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
