"""Configuration is read on first use, never at import, and every endpoint is overridable."""

from __future__ import annotations

import importlib

import pytest


def test_settings_are_read_on_first_use_not_at_import(monkeypatch):
    import app  # noqa: F401 - importing the app must not freeze configuration
    from chalicelib import settings

    importlib.reload(settings)
    monkeypatch.setenv("NMO_TABLE_PREFIX", "region-77-")
    monkeypatch.setenv("NMO_DYNAMODB_ENDPOINT", "https://docapi.example.ru/ru-central1/db")
    monkeypatch.setenv("NMO_S3_ENDPOINT", "https://storage.example.ru")
    monkeypatch.setenv("NMO_ESIA_BASE_URL", "https://esia-portal1.test.gosuslugi.ru/")
    settings.reset_settings()
    current = settings.get_settings()
    assert current.table_prefix == "region-77-"
    assert current.dynamodb_endpoint == "https://docapi.example.ru/ru-central1/db"
    assert current.s3_endpoint == "https://storage.example.ru"
    assert current.esia_base_url == "https://esia-portal1.test.gosuslugi.ru"
    settings.reset_settings()


def test_models_are_bound_to_the_configured_prefix_and_endpoint(monkeypatch):
    from chalicelib.db import connection
    from chalicelib.db.models import Specialist
    from chalicelib.settings import reset_settings

    monkeypatch.setenv("NMO_TABLE_PREFIX", "pilot-")
    monkeypatch.setenv("NMO_DYNAMODB_ENDPOINT", "http://127.0.0.1:1")
    reset_settings()
    connection.unbind()
    try:
        connection.ensure_bound()
        assert Specialist.Meta.table_name == "pilot-specialists"
        assert Specialist.Meta.host == "http://127.0.0.1:1"
    finally:
        reset_settings()
        connection.unbind()


def test_only_plain_http_localhost_relaxes_secure_cookies(monkeypatch):
    from chalicelib.settings import Settings

    assert Settings(public_url="http://127.0.0.1:8000").is_local_http
    assert not Settings(public_url="https://nmo.example.ru").is_local_http
    assert not Settings(public_url="http://nmo.example.ru").is_local_http


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000", True),
        ("http://[::1]:8000", True),
        ("http://localhost.evil.example", False),
        ("http://127.0.0.1.nip.io", False),
        ("http://localhost@evil.example", False),
        ("https://localhost", False),
        ("http://127.0.0.1:99999", False),
    ],
)
def test_only_the_loopback_host_itself_is_local_http(url: str, local: bool) -> None:
    from chalicelib.settings import Settings

    assert Settings(public_url=url).is_local_http is local
