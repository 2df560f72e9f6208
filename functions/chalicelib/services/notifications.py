"""Sending one notification, once: `notify(...)` is the API other areas call (issue 17's
applications too). A kind is registered in domain/notifications.py with its two templates.

Order of work, per notification:
1. claim its deterministic key with a conditional put (a rerun, a retried Lambda, a duplicated
   stream record stops here: sent nothing twice);
2. skip (kept in the feed) when the kind is switched off or there is no usable address;
3. send with retry and backoff; a final failure stays in the retry index for the daily job and
   counts in the `NotificationFailures` metric.
Addresses, names and subjects never reach the logs: only kind and status.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..db import notifications_repo
from ..db.models import Contact, Notification
from ..domain.dates import utcnow
from ..domain.notifications import CONFIRMATION_KIND, OPTIONAL_KINDS, notification_id, wants
from ..mail.mailer import Mailer, SendFailed, get_mailer
from ..mail.message import Attachment, Outgoing, build
from ..mail.render import render
from ..observability import emf_line
from ..settings import get_settings
from . import mail_tokens

log = logging.getLogger(__name__)

SEND_ATTEMPTS = 3
BACKOFF_SECONDS = (0.5, 2.0)  # between attempts inside one run
RETRY_LATER = dt.timedelta(hours=1)  # after the last attempt: the next job run tries again
MAX_ATTEMPTS_IN_TOTAL = 8

SENT = "sent"
SKIPPED = "skipped"
FAILED = "failed"
DUPLICATE = "duplicate"
DRY_RUN = "dry_run"


@dataclass
class Delivery:
    """How notifications fared, for the job's report and the benchmark."""

    counts: dict[str, int]

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1


def new_delivery() -> Delivery:
    return Delivery({})


def unsubscribe_url(oid: str, kind_name: str) -> str:
    token = mail_tokens.sign(mail_tokens.UNSUBSCRIBE, [oid, kind_name])
    return f"{get_settings().public_url}/api/notifications/unsubscribe?token={token}"


def _absolute(link: str) -> str:
    return link if link.startswith("http") else get_settings().public_url + link


def _base_context(kind_name: str, oid: str, link: str, link_label: str) -> dict[str, Any]:
    public = get_settings().public_url
    return {
        "greeting": "Здравствуйте!",
        "link": _absolute(link),
        "link_label": link_label,
        "preferences_url": f"{public}/cabinet/#notifications",
        # Not in the address confirmation: it goes to an address not yet proven the person's,
        # and is never subject to preferences.
        "unsubscribe_url": unsubscribe_url(oid, kind_name) if kind_name in OPTIONAL_KINDS else "",
    }


def notify(
    oid: str,
    kind_name: str,
    *,
    subject: str,
    day: dt.date | str,
    context: dict[str, Any],
    link: str = "/cabinet/",
    link_label: str = "Открыть личный кабинет",
    attachments: tuple[Attachment, ...] = (),
    contact: Contact | None = None,
    to: str | None = None,
    mailer: Mailer | None = None,
    sleep: Callable[[float], None] = time.sleep,
    dry_run: bool = False,
) -> str:
    """Notify one person of one thing, at most once per (kind, subject, day). `contact` may be
    passed when the caller already read it (a job step's BatchGetItem); `to` overrides the
    address for the confirmation mail of a not yet confirmed one. Returns the outcome."""
    key = notification_id(kind_name, subject, day)
    full = {**_base_context(kind_name, oid, link, link_label), **context}
    rendered = render(kind_name, full)
    if dry_run:
        return DRY_RUN
    item = Notification(
        oid,
        key,
        kind=kind_name,
        title=rendered.subject,
        text=_feed_text(rendered.text),
        link=link,
        status="claimed",
        context=json.dumps(
            {
                "context": context,
                "link": link,
                "link_label": link_label,
                # Kept so that a retry sends the same message (the day-before .ics included).
                "attachments": [_saved_attachment(a) for a in attachments],
            },
            ensure_ascii=False,
        ),
        created_at=utcnow(),
    )
    if not notifications_repo.claim(item):
        return DUPLICATE
    if contact is None and to is None:
        contact = notifications_repo.get_contact(oid)
    address = to or _usable_address(contact, kind_name)
    if address is None:
        notifications_repo.mark(item, SKIPPED)
        return SKIPPED
    outgoing = Outgoing(
        to=address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        key=f"{oid}#{key}",
        unsubscribe_url=None if to else full["unsubscribe_url"],
        attachments=attachments,
    )
    return _deliver(item, outgoing, mailer or get_mailer(), sleep)


def _saved_attachment(attachment: Attachment) -> dict[str, str]:
    return {
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "data": base64.b64encode(attachment.data).decode("ascii"),
    }


def _restored_attachment(saved: dict[str, str]) -> Attachment:
    return Attachment(saved["filename"], saved["content_type"], base64.b64decode(saved["data"]))


def _usable_address(contact: Contact | None, kind_name: str) -> str | None:
    if contact is None or not contact.email or contact.email_status != "active":
        return None
    prefs = notifications_repo.preferences_of(contact)
    return str(contact.email) if wants(kind_name, prefs) else None


def _feed_text(text: str) -> str:
    """The feed shows the message's body, without greeting and footer."""
    body = text.split("\n\n", 1)[-1]
    return body.split("\n--\n", 1)[0].strip()[:2000]


def _deliver(item: Notification, outgoing: Outgoing, mailer: Mailer, sleep: Any) -> str:
    settings = get_settings()
    domain = settings.mail_from.rpartition("@")[2] or "nmo.local"
    message = build(
        outgoing, sender=settings.mail_from, sender_name=settings.mail_from_name, domain=domain
    )
    for attempt in range(SEND_ATTEMPTS):
        try:
            mailer.send(message)
        except SendFailed as exc:
            log.warning(
                "notification send failed (kind=%s attempt=%d): %s", item.kind, attempt + 1, exc
            )
            if attempt + 1 < SEND_ATTEMPTS:
                sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
            continue
        notifications_repo.mark(item, SENT)
        return SENT
    exhausted = int(item.attempts or 0) + 1 >= MAX_ATTEMPTS_IN_TOTAL
    notifications_repo.mark(item, FAILED, retry_at=None if exhausted else utcnow() + RETRY_LATER)
    _metric({"NotificationFailures": 1})
    return FAILED


def _metric(metrics: dict[str, int]) -> None:
    # EMF on stdout, like the API's metrics: CloudWatch turns it into a metric, no API call.
    sys.stdout.write(emf_line(metrics, os.environ.get("NMO_STAGE", "local")) + "\n")
    sys.stdout.flush()


def retry_failed(
    now: dt.datetime, *, mailer: Mailer | None = None, sleep: Any = time.sleep
) -> Delivery:
    """Send again what failed before and is due (the sparse retry index: one Query)."""
    delivery = new_delivery()
    for oid, key in notifications_repo.due_retries(now):
        item = notifications_repo.get_notification(oid, key)
        if item is None or item.status != FAILED:
            continue
        saved = json.loads(item.context or "{}")
        full = {
            **_base_context(
                item.kind, oid, saved.get("link", "/cabinet/"), saved.get("link_label", "")
            ),
            **saved.get("context", {}),
        }
        address = _usable_address(notifications_repo.get_contact(oid), item.kind)
        if address is None:
            notifications_repo.mark(item, SKIPPED)
            delivery.add(SKIPPED)
            continue
        rendered = render(item.kind, full)
        outgoing = Outgoing(
            to=address,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            key=f"{oid}#{key}",
            unsubscribe_url=full["unsubscribe_url"],
            attachments=tuple(_restored_attachment(a) for a in saved.get("attachments", [])),
        )
        delivery.add(_deliver(item, outgoing, mailer or get_mailer(), sleep))
    return delivery


def feed_view(oid: str) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": n.notification_id,
                "kind": n.kind,
                "title": n.title,
                "text": n.text,
                "link": n.link,
                "status": n.status,
                "created_at": n.created_at.isoformat() if n.created_at else None,
            }
            for n in notifications_repo.feed(oid)
            # The address confirmation carries its one-use link: only the mailbox may see it.
            if n.kind != CONFIRMATION_KIND
        ]
    }
