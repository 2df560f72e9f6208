"""Short-lived items (login states, attempt counters) and the audit log."""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from .base import PortalModel


class LoginState(PortalModel):
    """An ЕСИА `state` issued to one browser: single use, expires in minutes."""

    table = "login-states"
    ttl_attribute = "expires_at"

    class Meta(PortalModel.Meta):
        pass

    state = UnicodeAttribute(hash_key=True)
    browser_binding = UnicodeAttribute()  # hash of the nonce in the browser's short-lived cookie
    next_path = UnicodeAttribute(default="/")
    created_at = UTCDateTimeAttribute()
    # DynamoDB's TTL deletes lazily (up to days later), so code also checks the time itself.
    expires_at = TTLAttribute()


class AttemptCounter(PortalModel):
    """Counts attempts in a time window (wrong confirmation codes, logins) for 429s."""

    table = "attempts"
    ttl_attribute = "expires_at"

    class Meta(PortalModel.Meta):
        pass

    key = UnicodeAttribute(hash_key=True)  # purpose#subject#window
    attempts = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class AuditEntry(PortalModel):
    """Who changed what, when, from → to. Subject is e.g. `person#<oid>` or `event#<id>`."""

    table = "audit"

    class Meta(PortalModel.Meta):
        pass

    subject = UnicodeAttribute(hash_key=True)
    entry_id = UnicodeAttribute(range_key=True)  # ISO timestamp#random, sorts by time
    actor = UnicodeAttribute()  # oid, `system`, `admin-cli`, …
    action = UnicodeAttribute()
    before = JSONAttribute(null=True)
    after = JSONAttribute(null=True)
    at = UTCDateTimeAttribute()
