"""A stage that talks to a real ЕСИА runs only on settings it was given: each missing one is
named in Russian (API, `nmo serve --esia external`, `make deploy`), the redirect URI and the
issuer allow-list are settings of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from chalicelib.esia.configuration import EsiaNotConfigured, missing_settings, require_complete
from chalicelib.settings import reset_settings

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = {
    "NMO_ESIA_BASE_URL": "https://esia-portal1.test.gosuslugi.ru",
    "NMO_ESIA_CLIENT_ID": "NMO76",
    "NMO_ESIA_CERT_FILE": "/opt/nmo/esia-client.cert.pem",
    "NMO_ESIA_TOKEN_CERTS": "/opt/nmo/esia-rsa.pem:/opt/nmo/esia-gost.pem",
    "NMO_ESIA_ISSUERS": "https://esia-portal1.test.gosuslugi.ru/",
    "NMO_ESIA_SIGNER": "remote",
    "NMO_ESIA_SIGNER_URL": "https://signer.example.ru/sign",
    "NMO_PUBLIC_URL": "https://nmo.example.ru",
}


def test_a_complete_configuration_passes_and_each_gap_is_named() -> None:
    require_complete(COMPLETE)
    for name in ("NMO_ESIA_BASE_URL", "NMO_ESIA_CLIENT_ID", "NMO_ESIA_CERT_FILE",
                 "NMO_ESIA_TOKEN_CERTS", "NMO_ESIA_ISSUERS", "NMO_ESIA_SIGNER_URL"):  # fmt: skip
        env = {k: v for k, v in COMPLETE.items() if k != name}
        assert [n for n, _ in missing_settings(env)] == [name]
    with pytest.raises(EsiaNotConfigured) as err:
        require_complete({})
    message = str(err.value)
    assert message.startswith("Вход через Госуслуги не настроен")
    for name in ("NMO_ESIA_BASE_URL", "NMO_ESIA_CLIENT_ID", "NMO_ESIA_CERT_FILE",
                 "NMO_ESIA_TOKEN_CERTS", "NMO_ESIA_ISSUERS", "NMO_ESIA_KEY_FILE",
                 "NMO_ESIA_REDIRECT_URI"):  # fmt: skip
        assert name in message


def test_a_deployed_stage_without_esia_settings_refuses_requests_naming_them(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("NMO_ESIA_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("NMO_STAGE", "pilot")
    monkeypatch.setenv("NMO_ESIA_BASE_URL", "https://esia-portal1.test.gosuslugi.ru")
    reset_settings()
    response = client.http.get("/api/auth/esia/login")
    assert response.status_code == 503
    error = response.json_body["error"]
    assert error["code"] == "esia_not_configured"
    assert "NMO_ESIA_CLIENT_ID" in error["message"] and "NMO_ESIA_ISSUERS" in error["message"]
    assert "NMO_ESIA_BASE_URL" not in error["message"]
    assert "127.0.0.1" not in str(response.headers.get("Location", ""))
    for key, value in COMPLETE.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    assert client.http.get("/api/catalog/elements").status_code == 200


def test_the_redirect_uri_is_its_own_setting(
    client: Any, esia: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.esia_support import Browser, query_of

    default = query_of(Browser(client).start())["redirect_uri"]
    assert default == "http://127.0.0.1:8000/api/auth/esia/callback"
    other = "http://127.0.0.1:8000/api/auth/esia/callback?via=proxy"
    monkeypatch.setenv("NMO_ESIA_REDIRECT_URI", other)
    reset_settings()
    authorize = Browser(client).start()
    assert query_of(authorize)["redirect_uri"] == other
    # ЕСИА (the emulator) knows only the registered one: a stray setting is refused there
    from tests.esia_support import http_request

    status, _, page = http_request(authorize)
    assert status == 400 and "ESIA-007023" in page
    assert urllib.parse.quote(other, safe="") in authorize


def test_nmo_serve_with_an_external_esia_refuses_to_start_naming_what_is_missing(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NMO_")}
    env["PYTHONPATH"] = str(ROOT / "functions")
    result = subprocess.run(
        [sys.executable, "-m", "nmo_cli.cli", "serve", "--esia", "external", "--port", "0",
         "--var", str(tmp_path / "var"), "--no-seed", "--no-build"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "не заданы настройки ЕСИА" in result.stderr
    for name in ("NMO_ESIA_BASE_URL", "NMO_ESIA_CLIENT_ID", "NMO_ESIA_TOKEN_CERTS"):
        assert name in result.stderr
    assert not (tmp_path / "var" / "esia").exists()  # the emulator was not started instead


def test_make_deploy_refuses_a_stage_without_esia_settings() -> None:
    sys.path.insert(0, str(ROOT / "infra"))
    import deploy

    config = deploy.load_stage("pilot")
    with pytest.raises(deploy.DeployError) as err:
        deploy.check_esia_settings(config)
    for name in ("NMO_ESIA_CLIENT_ID", "NMO_ESIA_CERT_FILE", "NMO_ESIA_TOKEN_CERTS",
                 "NMO_ESIA_ISSUERS"):  # fmt: skip
        assert name in str(err.value)
    complete = deploy.StageConfig(
        **{
            **config.__dict__,
            "environment": COMPLETE,
            "esia_signer_url": COMPLETE["NMO_ESIA_SIGNER_URL"],
        }
    )
    deploy.check_esia_settings(complete)
