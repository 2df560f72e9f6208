"""One outgoing message, built so that no field can add a header: every header value goes
through `header_text` (line breaks become spaces) and the standard library's strict policy,
which refuses CR/LF in a header value even if something slipped past."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from ..domain.dates import utcnow
from ..domain.notifications import header_text


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. text/calendar
    data: bytes


@dataclass(frozen=True)
class Outgoing:
    to: str  # a checked address (domain.notifications.normalise_email)
    subject: str
    text: str
    html: str
    key: str  # the notification's never-twice key: the Message-ID is derived from it
    unsubscribe_url: str | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


def message_id(key: str, domain: str) -> str:
    """The same notification always gets the same Message-ID, so a resend after a crash between
    the send and its bookkeeping is recognised as the same message by mail clients."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


# Lines up to RFC 5322's hard limit: folding at 78 made the standard library split a Cyrillic
# subject into encoded words with the space between them, which readers drop («отклонено:Школа»).
POLICY = SMTP.clone(max_line_length=998)


def build(outgoing: Outgoing, *, sender: str, sender_name: str, domain: str) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    local, _, host = sender.partition("@")
    msg["From"] = Address(display_name=header_text(sender_name), username=local, domain=host)
    to_local, _, to_host = outgoing.to.partition("@")
    msg["To"] = Address(username=to_local, domain=to_host)
    msg["Subject"] = header_text(outgoing.subject) or "Портал НМО"
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id(outgoing.key, domain)
    msg["Auto-Submitted"] = "auto-generated"
    if outgoing.unsubscribe_url:
        # RFC 8058: a one-click POST to this URL unsubscribes, with no login and no page.
        msg["List-Unsubscribe"] = f"<{header_text(outgoing.unsubscribe_url, 2000)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(outgoing.text, subtype="plain", charset="utf-8")
    msg.add_alternative(outgoing.html, subtype="html", charset="utf-8")
    for item in outgoing.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        msg.add_attachment(
            item.data, maintype=maintype, subtype=subtype, filename=header_text(item.filename, 100)
        )
    return msg
