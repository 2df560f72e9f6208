"""Secrets come from a parameter/secret store by name in the cloud, from env values locally."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import boto3
import pytest
from chalicelib import secret_store as secrets
from chalicelib.errors import NotLoggedIn
from chalicelib.services import sessions
from chalicelib.settings import reset_settings
from moto import mock_aws

from tests.people import login_headers, make_person

STORED_KEY = "stored-session-key-" + "k" * 40


@pytest.fixture
def store(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process moto for the parameter/secret stores, no plain session key in env."""
    monkeypatch.delenv("NMO_SESSION_KEY", raising=False)
    reset_settings()
    secrets.forget()
    with mock_aws():
        yield
    secrets.forget()
    reset_settings()


@pytest.fixture
def store_and_tables(dynamodb: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The same, plus the portal's tables (for logging people in)."""
    monkeypatch.delenv("NMO_SESSION_KEY", raising=False)
    reset_settings()
    secrets.forget()
    yield
    secrets.forget()
    reset_settings()


def _cookie(headers: dict[str, str]) -> str:
    """The session cookie's value, as the route hands it to the service."""
    return headers["Cookie"].split("=", 1)[1]


def _use_reference(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    reset_settings()


def test_login_works_with_the_session_key_from_parameter_store(store_and_tables, monkeypatch):
    boto3.client("ssm").put_parameter(
        Name="/nmo/test/session-key", Value=STORED_KEY, Type="SecureString"
    )
    _use_reference(monkeypatch, "NMO_SESSION_KEY_PARAM", "/nmo/test/session-key")
    person = make_person("oid-ssm")
    headers = login_headers(person)

    assert sessions.current_person(_cookie(headers)).oid == "oid-ssm"
    assert secrets.session_key() == STORED_KEY


def test_a_cookie_signed_with_another_key_is_refused(store_and_tables, monkeypatch):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/nmo/test/session-key", Value=STORED_KEY, Type="SecureString")
    _use_reference(monkeypatch, "NMO_SESSION_KEY_PARAM", "/nmo/test/session-key")
    headers = login_headers(make_person("oid-rotated"))

    # The key is rotated in the store; a new process (cold start) reads the new key.
    ssm.put_parameter(Name="/nmo/test/session-key", Value="another-key-" + "x" * 40, Overwrite=True)
    secrets.forget()
    with pytest.raises(NotLoggedIn):
        sessions.current_person(_cookie(headers))


def test_session_key_can_come_from_secrets_manager_by_arn(store_and_tables, monkeypatch):
    arn = boto3.client("secretsmanager").create_secret(
        Name="nmo/test/session-key", SecretString=STORED_KEY
    )["ARN"]
    _use_reference(monkeypatch, "NMO_SESSION_KEY_PARAM", arn)
    headers = login_headers(make_person("oid-sm"))

    assert sessions.current_person(_cookie(headers)).oid == "oid-sm"


def test_stored_secret_is_read_once_per_process(store, monkeypatch):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/nmo/test/session-key", Value=STORED_KEY, Type="SecureString")
    _use_reference(monkeypatch, "NMO_SESSION_KEY_PARAM", "/nmo/test/session-key")
    assert secrets.session_key() == STORED_KEY

    ssm.delete_parameter(Name="/nmo/test/session-key")
    reset_settings()  # even re-read settings keep the fetched value: no store call per request
    assert secrets.session_key() == STORED_KEY


def test_plain_env_value_wins_for_local_runs(store, monkeypatch):
    monkeypatch.setenv("NMO_SESSION_KEY", "local-session-key-0123456789")
    _use_reference(monkeypatch, "NMO_SESSION_KEY_PARAM", "/nmo/test/absent")

    assert secrets.session_key() == "local-session-key-0123456789"


def test_a_missing_parameter_fails_naming_the_parameter(store, monkeypatch):
    _use_reference(monkeypatch, "NMO_SESSION_KEY_PARAM", "/nmo/test/absent")

    with pytest.raises(secrets.SecretUnavailable, match="/nmo/test/absent"):
        secrets.session_key()


def test_no_session_key_at_all_refuses_to_sign(store_and_tables):
    with pytest.raises(RuntimeError, match="NMO_SESSION_KEY"):
        login_headers(make_person("oid-nokey"))


def test_esia_signer_token_and_key_come_from_the_store(store, monkeypatch):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/nmo/test/esia-signer-token", Value="tok-123", Type="SecureString")
    pem = "-----BEGIN PRIVATE KEY-----\nMEYCAQAwHwYIKoUDBwEBBgEwEwYHKoUDAgIjAQYIKoUDBwEBAgIEIA==\n-----END PRIVATE KEY-----"
    ssm.put_parameter(Name="/nmo/test/esia-key", Value=pem, Type="SecureString")
    monkeypatch.delenv("NMO_ESIA_SIGNER_TOKEN", raising=False)
    monkeypatch.delenv("NMO_ESIA_KEY_FILE", raising=False)
    monkeypatch.setenv("NMO_ESIA_SIGNER_TOKEN_PARAM", "/nmo/test/esia-signer-token")
    _use_reference(monkeypatch, "NMO_ESIA_KEY_PARAM", "/nmo/test/esia-key")

    assert secrets.esia_signer_token() == "tok-123"
    path = secrets.esia_key_file()
    with open(path, encoding="ascii") as handle:
        assert handle.read().strip() == pem
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    secrets.forget()
    assert not os.path.exists(path)


def test_stores_are_reached_at_configured_endpoints(monkeypatch):
    """A Russian cloud exposes SSM-/Secrets-Manager-compatible APIs at its own addresses."""
    monkeypatch.setenv("NMO_SSM_ENDPOINT", "https://ssm.example.ru")
    monkeypatch.setenv("NMO_SECRETSMANAGER_ENDPOINT", "https://lockbox.example.ru")
    reset_settings()
    try:
        from chalicelib.settings import get_settings

        settings = get_settings()
        assert secrets._client("ssm", settings).meta.endpoint_url == "https://ssm.example.ru"
        assert (
            secrets._client("secretsmanager", settings).meta.endpoint_url
            == "https://lockbox.example.ru"
        )
    finally:
        reset_settings()


@mock_aws
def test_an_empty_stored_secret_is_refused(monkeypatch):
    monkeypatch.setenv("NMO_SESSION_KEY_PARAM", "/nmo/test/empty")
    monkeypatch.delenv("NMO_SESSION_KEY", raising=False)
    reset_settings()
    secrets.forget()
    boto3.client("ssm").put_parameter(Name="/nmo/test/empty", Value=" ", Type="SecureString")
    try:
        with pytest.raises(secrets.SecretUnavailable) as caught:
            secrets.session_key()
        assert "empty" in str(caught.value)
    finally:
        reset_settings()
        secrets.forget()
