"""The core of notifications: sent once over real SMTP, with one-click unsubscribe headers,
retried with backoff, skipped when switched off or without an address."""

from __future__ import annotations

import datetime as dt

from chalicelib.db import notifications_repo
from chalicelib.services import notifications

from tests.mail_support import give_address


def _notify(oid: str = "1001", **kw):
    params = {
        "subject": "ev-1",
        "day": dt.date(2026, 12, 2),
        "context": {"title": "Кардиология сегодня", "starts": "02.12.2026 в 10:00"},
    }
    params.update(kw)
    return notifications.notify(oid, "promoted", **params)


def test_a_notification_arrives_once_over_smtp_however_often_it_is_sent(mailbox):
    give_address("1001", "doctor@example.ru")
    assert _notify() == notifications.SENT
    assert _notify() == notifications.DUPLICATE
    messages = mailbox.messages()
    assert len(messages) == 1
    mail = messages[0]
    assert mail.to == ["doctor@example.ru"]
    assert mail.subject == "Освободилось место: Кардиология сегодня"
    assert "переведены из листа ожидания" in mail.text
    assert "<p>" in mail.html


def test_every_message_carries_rfc8058_one_click_unsubscribe(mailbox):
    give_address("1001", "doctor@example.ru")
    _notify()
    headers = mailbox.messages()[0].headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"]
    assert url.startswith("<http") and "/api/notifications/unsubscribe?token=" in url
    assert "doctor" not in url  # no personal data in the URL


def test_a_kind_switched_off_is_kept_in_the_feed_but_not_mailed(mailbox):
    give_address("1001", "doctor@example.ru")
    notifications_repo.set_preference("1001", "promoted", False)
    assert _notify() == notifications.SKIPPED
    assert mailbox.messages() == []
    feed = notifications.feed_view("1001")["items"]
    assert [i["status"] for i in feed] == ["skipped"]
    assert feed[0]["title"].startswith("Освободилось место")


def test_without_an_address_nothing_is_sent(mailbox):
    assert _notify() == notifications.SKIPPED
    assert mailbox.messages() == []


class FlakyMailer:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent = 0
        self.messages: list = []

    def send(self, message):
        from chalicelib.mail.mailer import SendFailed

        if self.failures > 0:
            self.failures -= 1
            raise SendFailed("421 try later")
        self.sent += 1
        self.messages.append(message)
        return "id"


def test_a_failed_send_is_retried_with_backoff_then_by_the_next_run(dynamodb, capsys):
    give_address("1001", "doctor@example.ru")
    waits: list[float] = []
    down = FlakyMailer(failures=3)
    assert _notify(mailer=down, sleep=waits.append) == notifications.FAILED
    assert waits == list(notifications.BACKOFF_SECONDS)
    assert '"NotificationFailures": 1' in capsys.readouterr().out
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    up = FlakyMailer(failures=0)
    assert notifications.retry_failed(later, mailer=up, sleep=waits.append).counts == {"sent": 1}
    assert up.sent == 1
    # Nothing is due any more: a second sweep sends nothing.
    assert notifications.retry_failed(later, mailer=up).counts == {}
    assert up.sent == 1


def test_the_ses_transport_sends_the_raw_message_with_our_headers(dynamodb, monkeypatch):
    import boto3
    from chalicelib.mail.mailer import get_mailer
    from chalicelib.settings import reset_settings
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    monkeypatch.setenv("NMO_MAIL_TRANSPORT", "ses")
    monkeypatch.setenv("NMO_MAIL_FROM", "noreply@nmo.example.ru")
    reset_settings()
    boto3.client("sesv2", region_name="eu-central-1").create_email_identity(
        EmailIdentity="nmo.example.ru"
    )
    give_address("1001", "doctor@example.ru")
    assert type(get_mailer()).__name__ == "SesMailer"
    assert _notify() == notifications.SENT
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages
    [raw] = [m for m in sent if "doctor@example.ru" in str(getattr(m, "destinations", ""))]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw.raw_data.encode()


def test_a_retried_message_keeps_its_attachment(dynamodb):
    from chalicelib.mail.message import Attachment

    give_address("1001", "doctor@example.ru")
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    attachment = Attachment("event.ics", "text/calendar", ics)
    down = FlakyMailer(failures=3)
    assert _notify(mailer=down, sleep=lambda _: None, attachments=(attachment,)) == "failed"
    up = FlakyMailer(failures=0)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert notifications.retry_failed(later, mailer=up).counts == {"sent": 1}
    [message] = up.messages
    [part] = [p for p in message.iter_attachments() if p.get_filename() == "event.ics"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_payload(decode=True) == ics
