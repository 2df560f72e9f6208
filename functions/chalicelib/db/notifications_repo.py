"""Storage of notifications and contacts: the never-twice claim, the feed, the retry list, the
address and its confirmation, the day's reminders. Keys are built here and in
domain/notifications.py only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from ..domain.dates import utcnow
from .connection import ensure_bound
from .models import Contact, Notification, Reminder

RETRY_DUE = "due"


def _condition_failed(err: Exception) -> bool:
    cause = getattr(err, "cause_response_code", None)
    return cause == "ConditionalCheckFailedException"


# --- contacts ----------------------------------------------------------------------------------


def get_contact(oid: str) -> Contact | None:
    ensure_bound()
    try:
        return Contact.get(oid, consistent_read=True)
    except DoesNotExist:
        return None


def contacts(oids: Iterable[str]) -> dict[str, Contact]:
    """BatchGetItem, 100 keys a call: the recipients of one job step."""
    ensure_bound()
    keys = sorted(set(oids))
    return {c.oid: c for c in Contact.batch_get(keys)} if keys else {}


def set_esia_email(oid: str, email: str) -> bool:
    """The address ЕСИА holds (verified there), used unless the person chose another: written
    only when the contact has no address yet. False when one exists."""
    ensure_bound()
    now = utcnow()
    try:
        Contact(oid).update(
            actions=[
                Contact.email.set(email),
                Contact.email_source.set("esia"),
                Contact.email_status.set("active"),
                Contact.updated_at.set(now),
            ],
            condition=Contact.email.does_not_exist(),
        )
    except UpdateError as err:
        if _condition_failed(err):
            return False
        raise
    return True


def set_pending_email(oid: str, email: str, nonce: str, expires_at: dt.datetime) -> None:
    ensure_bound()
    Contact(oid).update(
        actions=[
            Contact.pending_email.set(email),
            Contact.pending_nonce.set(nonce),
            Contact.pending_expires_at.set(expires_at),
            Contact.updated_at.set(utcnow()),
        ]
    )


def confirm_pending_email(oid: str, nonce: str, now: dt.datetime) -> str | None:
    """Move the pending address into use if this nonce is the pending one and unexpired: one
    conditional update, so a link works once even when clicked twice at the same moment.
    Returns the address, or None when the link is used, replaced or expired."""
    ensure_bound()
    contact = get_contact(oid)
    if contact is None or contact.pending_nonce != nonce or not contact.pending_email:
        return None
    try:
        contact.update(
            actions=[
                Contact.email.set(contact.pending_email),
                Contact.email_source.set("person"),
                Contact.email_status.set("active"),
                Contact.pending_email.remove(),
                Contact.pending_nonce.remove(),
                Contact.pending_expires_at.remove(),
                Contact.updated_at.set(now),
            ],
            condition=(Contact.pending_nonce == nonce) & (Contact.pending_expires_at > now),
        )
    except UpdateError as err:
        if _condition_failed(err):
            return None
        raise
    return str(contact.email)


def set_preferences(oid: str, preferences: dict[str, bool]) -> None:
    ensure_bound()
    Contact(oid).update(
        actions=[Contact.preferences.set(preferences), Contact.updated_at.set(utcnow())]
    )


def set_preference(oid: str, kind: str, value: bool) -> None:
    """One kind switched, without reading (the one-click unsubscribe)."""
    ensure_bound()
    try:
        Contact(oid).update(
            actions=[Contact.preferences[kind].set(value), Contact.updated_at.set(utcnow())],
            condition=Contact.preferences.exists(),
        )
    except UpdateError as err:
        if not _condition_failed(err):
            raise
        Contact(oid).update(
            actions=[Contact.preferences.set({kind: value}), Contact.updated_at.set(utcnow())]
        )


def set_digest(oid: str, role: str | None) -> None:
    ensure_bound()
    action = Contact.digest.set(role) if role else Contact.digest.remove()
    Contact(oid).update(actions=[action, Contact.updated_at.set(utcnow())])


def digest_recipients(role: str) -> list[str]:
    ensure_bound()
    return [c.oid for c in Contact.digest_index.query(role)]


def owners_of_email(email: str) -> list[str]:
    ensure_bound()
    return [c.oid for c in Contact.by_email.query(email)]


def disable_email(oid: str, email: str, status: str) -> bool:
    """Stop sending to an address that bounced or complained, only if it is still the one in
    use (a person who has since changed it keeps the new one)."""
    ensure_bound()
    try:
        Contact(oid).update(
            actions=[Contact.email_status.set(status), Contact.updated_at.set(utcnow())],
            condition=Contact.email == email,
        )
    except UpdateError as err:
        if _condition_failed(err):
            return False
        raise
    return True


# --- notifications -----------------------------------------------------------------------------


def claim(item: Notification) -> bool:
    """Write the notification before anything is sent, only if its key is new: the one guard
    that makes a rerun, a retried Lambda or a duplicated stream record send nothing twice."""
    ensure_bound()
    try:
        item.save(condition=Notification.notification_id.does_not_exist())
    except PutError as err:
        if _condition_failed(err):
            return False
        raise
    return True


def get_notification(oid: str, notification_id: str) -> Notification | None:
    ensure_bound()
    try:
        return Notification.get(oid, notification_id, consistent_read=True)
    except DoesNotExist:
        return None


def mark(item: Notification, status: str, *, retry_at: dt.datetime | None = None) -> None:
    """Record the outcome; a failure stays in the sparse retry index until it succeeds."""
    actions: list[Any] = [
        Notification.status.set(status),
        Notification.attempts.add(1),
    ]
    if status == "sent":
        actions.append(Notification.sent_at.set(utcnow()))
    if retry_at is not None:
        actions += [
            Notification.retry.set(RETRY_DUE),
            Notification.retry_at.set(retry_at.isoformat()),
        ]
    else:
        actions += [Notification.retry.remove(), Notification.retry_at.remove()]
    item.update(actions=actions)


def feed(oid: str, *, limit: int = 50) -> list[Notification]:
    """The cabinet's feed: one Query, newest day first."""
    ensure_bound()
    return list(Notification.query(oid, scan_index_forward=False, limit=limit))


def due_retries(now: dt.datetime, *, limit: int = 500) -> list[tuple[str, str]]:
    ensure_bound()
    return [
        (n.oid, n.notification_id)
        for n in Notification.retry_index.query(
            RETRY_DUE, Notification.retry_at <= now.isoformat(), limit=limit
        )
    ]


# --- reminders ---------------------------------------------------------------------------------


def reminders_due(day: dt.date) -> Iterator[Reminder]:
    """Everyone with a dated reminder today: one Query of the day's partition (paged)."""
    ensure_bound()
    return iter(Reminder.query(day.isoformat()))


def replace_reminders(old: Iterable[Reminder], new: Iterable[Reminder]) -> None:
    """A person's dated reminders after their specialties changed: BatchWriteItem (25 a call)."""
    ensure_bound()
    new = list(new)
    keep = {(r.due_on, r.reminder_id) for r in new}
    with Reminder.batch_write() as batch:
        for item in old:
            if (item.due_on, item.reminder_id) not in keep:
                batch.delete(item)
        for item in new:
            batch.save(item)


def preferences_of(contact: Contact | None) -> dict[str, bool]:
    """The stored choices as a plain dict (PynamoDB returns a raw MapAttribute)."""
    if contact is None or contact.preferences is None:
        return {}
    raw = contact.preferences
    data = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    return {str(k): bool(v) for k, v in data.items()}
