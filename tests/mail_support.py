"""Fixtures for notification tests: a real local SMTP server (the one `make run` starts) that
the portal sends to over SMTP, and the contact of a person with a confirmed address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def mailbox(dynamodb: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from chalicelib.settings import reset_settings
    from nmo_cli.mail_catcher import MailCatcher

    catcher = MailCatcher()
    catcher.start()
    monkeypatch.setenv("NMO_MAIL_TRANSPORT", "smtp")
    monkeypatch.setenv("NMO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("NMO_SMTP_PORT", str(catcher.smtp_port))
    monkeypatch.setenv("NMO_MAIL_FROM", "noreply@nmo.example.ru")
    reset_settings()
    try:
        yield catcher.box
    finally:
        catcher.shutdown()
        reset_settings()


def give_address(oid: str, email: str) -> None:
    from chalicelib.db import notifications_repo

    assert notifications_repo.set_esia_email(oid, email)
