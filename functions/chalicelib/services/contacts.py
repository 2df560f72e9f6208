"""Where a person's mail goes and what they want: the address from ЕСИА, a new one used only
after its confirmation link is clicked (once), preferences per kind, one-click unsubscribe,
and addresses disabled by bounce or complaint reports."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

from ..db import notifications_repo
from ..db.models import Specialist
from ..domain.dates import utcnow
from ..domain.notifications import (
    KINDS,
    OPTIONAL_KINDS,
    kind,
    mask_email,
    normalise_email,
    wants,
)
from ..errors import Gone, InvalidInput
from . import mail_tokens, notifications

log = logging.getLogger(__name__)

CONFIRM_VALID = dt.timedelta(hours=48)


def _roles_kinds(person: Specialist) -> list[str]:
    roles = set(person.roles or [])
    audiences = {"specialist"}
    if "organizer" in roles:
        audiences.add("organizer")
    if "moderator" in roles:
        audiences.add("moderator")
    return [k for k in OPTIONAL_KINDS if KINDS[k].audience in audiences]


def settings_view(person: Specialist) -> dict[str, Any]:
    """`GET /api/me/notifications/preferences`: the address (masked) and each kind on or off."""
    contact = notifications_repo.get_contact(person.oid)
    prefs = notifications_repo.preferences_of(contact)
    email = contact.email if contact else None
    return {
        "email": email,
        "email_masked": mask_email(email) if email else None,
        "email_source": contact.email_source if contact else None,
        "email_status": contact.email_status if contact and email else None,
        "pending_email": contact.pending_email if contact else None,
        "kinds": [
            {"kind": k, "label": KINDS[k].label, "enabled": wants(k, prefs)}
            for k in _roles_kinds(person)
        ],
    }


def update_preferences(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    """`PUT …/preferences {kinds: {kind: bool}}`: 400 naming the first unknown kind or value."""
    given = body.get("kinds")
    if not isinstance(given, dict):
        raise InvalidInput("Ожидается объект kinds: {вид: true|false}.", field="kinds")
    allowed = set(_roles_kinds(person))
    for name, value in given.items():
        if name not in allowed:
            raise InvalidInput(f"Неизвестный вид уведомлений: {name}.", field=f"kinds.{name}")
        if not isinstance(value, bool):
            raise InvalidInput("Значение должно быть true или false.", field=f"kinds.{name}")
    contact = notifications_repo.get_contact(person.oid)
    current = notifications_repo.preferences_of(contact)
    notifications_repo.set_preferences(person.oid, {**current, **given})
    return settings_view(person)


def request_email_change(person: Specialist, body: dict[str, Any]) -> dict[str, Any]:
    """`PUT /api/me/email {email}`: the new address waits for its confirmation link; the old
    one stays in use until then. The link goes to the new address only."""
    email = normalise_email(body.get("email"))
    nonce = secrets.token_urlsafe(16)
    now = utcnow()
    notifications_repo.set_pending_email(person.oid, email, nonce, now + CONFIRM_VALID)
    token = mail_tokens.sign(mail_tokens.CONFIRM_EMAIL, [person.oid, nonce])
    link = f"/api/notifications/email/confirm?token={token}"
    notifications.notify(
        person.oid,
        "email_confirm",
        subject=nonce,
        day=now.date(),
        context={"valid_hours": int(CONFIRM_VALID.total_seconds() // 3600)},
        link=link,
        link_label="Подтвердить адрес",
        to=email,
    )
    return {**settings_view(person), "confirmation_sent_to": mask_email(email)}


def confirm_email(token: object) -> str:
    """The link in the confirmation mail: 400 for a tampered token, 410 for a used, replaced or
    expired one; the address comes into use exactly once."""
    values = mail_tokens.verify(mail_tokens.CONFIRM_EMAIL, token, 2)
    if values is None:
        raise InvalidInput("Ссылка подтверждения повреждена.", field="token")
    oid, nonce = values
    email = notifications_repo.confirm_pending_email(oid, nonce, utcnow())
    if email is None:
        raise Gone(
            "Ссылка подтверждения уже использована или устарела. Укажите адрес в кабинете снова.",
            field="token",
            code="link_used",
        )
    return email


def unsubscribe(token: object) -> dict[str, Any]:
    """One-click unsubscribe (RFC 8058): the signed token names the person and the kind."""
    values = mail_tokens.verify(mail_tokens.UNSUBSCRIBE, token, 2)
    if values is None:
        raise InvalidInput("Ссылка отписки повреждена.", field="token")
    oid, kind_name = values
    try:
        label = kind(kind_name).label
    except ValueError as exc:
        raise InvalidInput("Ссылка отписки повреждена.", field="token") from exc
    notifications_repo.set_preference(oid, kind_name, False)
    return {"kind": kind_name, "label": label, "enabled": False}


def adopt_esia_email(oid: str, contacts: list[dict[str, Any]]) -> bool:
    """At login: the verified e-mail ЕСИА holds becomes the address, if none is set yet."""
    for item in contacts:
        if item.get("type") == "EML" and item.get("vrfStu") == "VERIFIED":
            try:
                email = normalise_email(item.get("value"))
            except InvalidInput:
                log.warning("ЕСИА contact e-mail unreadable; ignored")
                continue
            return notifications_repo.set_esia_email(oid, email)
    return False


def note_role(oid: str, roles: list[str]) -> None:
    """Moderators get the daily digest: the sparse `digest` index lists them."""
    notifications_repo.set_digest(oid, "moderator" if "moderator" in roles else None)


def handle_ses_event(message: dict[str, Any]) -> int:
    """An SES notification (via SNS): a permanent bounce or a complaint disables the address
    for every person using it. Returns how many were disabled."""
    kind_of = message.get("notificationType") or message.get("eventType")
    if kind_of == "Bounce":
        bounce = message.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return 0  # soft bounces are retried by SES itself
        recipients = [r.get("emailAddress") for r in bounce.get("bouncedRecipients") or []]
        status = "bounced"
    elif kind_of == "Complaint":
        complaint = message.get("complaint") or {}
        recipients = [r.get("emailAddress") for r in complaint.get("complainedRecipients") or []]
        status = "complained"
    else:
        return 0
    disabled = 0
    for raw in recipients[:50]:
        try:
            email = normalise_email(raw)
        except InvalidInput:
            continue
        for oid in notifications_repo.owners_of_email(email):
            disabled += int(notifications_repo.disable_email(oid, email, status))
    log.info("ses event %s disabled %d address(es)", kind_of, disabled)
    return disabled
