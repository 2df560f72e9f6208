"""Shared fixtures: in-process moto for storage, the Chalice test client, settings per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))

# Fake credentials before anything builds a client: nothing in the tests may reach AWS.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
os.environ.pop("AWS_PROFILE", None)

# The ЕСИА emulator fixtures (esia, esia_clock, esia_files) for the auth tests.
pytest_plugins = ["tests.esia_support", "tests.dynamodb_actions", "tests.transaction_cap"]

# No test may depend on timing: on a loaded 2-core machine a property that does I/O (moto, an
# emulator) can take longer than Hypothesis's default 200 ms deadline without being wrong.
settings.register_profile("portal", deadline=None, print_blob=True)
settings.load_profile("portal")


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.db import connection
    from chalicelib.settings import reset_settings

    monkeypatch.setenv("NMO_TABLE_PREFIX", "nmo-test-")
    monkeypatch.setenv("NMO_SESSION_KEY", "test-session-key-0123456789abcdef")
    monkeypatch.delenv("NMO_DYNAMODB_ENDPOINT", raising=False)
    reset_settings()
    connection.unbind()
    yield
    reset_settings()
    connection.unbind()


@pytest.fixture
def dynamodb(settings_env: None) -> Iterator[None]:
    """Fresh tables in in-process moto. Not for concurrency tests: moto is not atomic under
    threads (measured.md); those use the serialised embedded server instead."""
    from chalicelib.db.connection import create_tables
    from moto import mock_aws

    with mock_aws():
        create_tables()
        yield


@pytest.fixture
def client(dynamodb: None) -> Iterator[object]:
    from app import app
    from chalice.test import Client

    with Client(app) as c:
        yield c


@pytest.fixture
def embedded_tables(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fresh tables on the serialised embedded DynamoDB (an in-process server): for tests that
    race threads against the store, which in-process moto cannot do atomically."""
    from chalicelib.db import connection
    from chalicelib.settings import reset_settings
    from nmo_cli.embedded_dynamodb import EmbeddedDynamoDB

    db = EmbeddedDynamoDB(port=0, data_dir=None)
    db.start()
    monkeypatch.setenv("NMO_DYNAMODB_ENDPOINT", db.url)
    reset_settings()
    connection.unbind()
    connection.create_tables()
    try:
        yield
    finally:
        connection.unbind()
        reset_settings()
        db.stop()
