"""The one small sending interface and its two transports, chosen by configuration.

- `SesMailer`: Amazon SES v2 `SendEmail` with the raw message (our own headers, List-Unsubscribe
  included). Yandex Cloud Postbox is SES-compatible: the same class with `NMO_SES_ENDPOINT`.
- `SmtpMailer`: any SMTP server (the local stack's catcher, a relay).
A transport raises `SendFailed` for anything worth retrying; the caller retries with backoff.
"""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage
from typing import Any, Protocol

from ..settings import Settings, get_settings


class SendFailed(Exception):
    """The transport did not accept the message (retried later)."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Send one built message; returns the transport's message id."""
        ...


class SesMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Any = None
        self._lock = threading.Lock()

    def _ses(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.client(
                    "sesv2",
                    region_name=self._settings.ses_region or self._settings.region,
                    endpoint_url=self._settings.ses_endpoint,
                )
            return self._client

    def send(self, message: EmailMessage) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        params: dict[str, Any] = {
            "FromEmailAddress": self._settings.mail_from,
            "Destination": {"ToAddresses": [str(message["To"])]},
            "Content": {"Raw": {"Data": message.as_bytes()}},
        }
        if self._settings.ses_configuration_set:
            # The configuration set routes bounces and complaints to the SNS topic we read.
            params["ConfigurationSetName"] = self._settings.ses_configuration_set
        try:
            answer = self._ses().send_email(**params)
        except (ClientError, BotoCoreError) as exc:
            raise SendFailed(type(exc).__name__) from exc
        return str(answer.get("MessageId", ""))


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, message: EmailMessage) -> str:
        s = self._settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(type(exc).__name__) from exc
        return str(message["Message-ID"])


class NoMailer:
    """Configured off: nothing leaves (the feed still shows every notification)."""

    def send(self, message: EmailMessage) -> str:
        raise SendFailed("mail transport is off")


_lock = threading.Lock()
_current: tuple[Settings, Mailer] | None = None


def get_mailer() -> Mailer:
    """The configured transport (`NMO_MAIL_TRANSPORT`: ses, smtp or off), made on first use."""
    global _current
    settings = get_settings()
    with _lock:
        if _current is None or _current[0] is not settings:
            transport = settings.mail_transport
            mailer: Mailer
            if transport == "ses":
                mailer = SesMailer(settings)
            elif transport == "smtp":
                mailer = SmtpMailer(settings)
            else:
                mailer = NoMailer()
            _current = (settings, mailer)
        return _current[1]
