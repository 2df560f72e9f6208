"""Notifications: where a person's mail goes (contacts), what was sent (the feed and the
never-twice keys), and who is due a dated reminder on which day (reminders)."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from .base import PortalModel


class ByEmailIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Bounce and complaint reports name an address, not a person."""

    class Meta:
        index_name = "by-email"
        projection = KeysOnlyProjection()

    email = UnicodeAttribute(hash_key=True)


class DigestIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Sparse: only moderators carry `digest`, so the daily digest finds them with one Query."""

    class Meta:
        index_name = "digest"
        projection = KeysOnlyProjection()

    digest = UnicodeAttribute(hash_key=True)  # the role, `moderator`
    oid = UnicodeAttribute(range_key=True)


class Contact(PortalModel):
    """A person's mail address and preferences. Kept apart from `specialists` so that changing
    an address never races the profile's version."""

    table = "contacts"

    class Meta(PortalModel.Meta):
        pass

    oid = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute(null=True)  # confirmed address in use (lower-cased domain)
    email_source = UnicodeAttribute(null=True)  # esia | person
    # `active`, or `bounced` / `complained` (SES reports): nothing is sent until it changes.
    email_status = UnicodeAttribute(default="active")
    # A new address waits here until its confirmation link is clicked (single use).
    pending_email = UnicodeAttribute(null=True)
    pending_nonce = UnicodeAttribute(null=True)
    pending_expires_at = UTCDateTimeAttribute(null=True)
    preferences = MapAttribute(default=dict)  # type: ignore[var-annotated]  # kind → bool
    digest = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)

    by_email = ByEmailIndex()
    digest_index = DigestIndex()


class RetryIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Sparse: only failed sends carry `retry`, so the daily job retries them with one Query."""

    class Meta:
        index_name = "retry"
        projection = KeysOnlyProjection()

    retry = UnicodeAttribute(hash_key=True)  # `due`
    retry_at = UnicodeAttribute(range_key=True)  # ISO time of the next attempt


class Notification(PortalModel):
    """One notification to one person, keyed so that it can exist only once: the id is
    `date#kind#subject` (the day it is about, the kind, e.g. an event id). Written with
    `attribute_not_exists` before anything is sent; the cabinet's feed is a Query of it."""

    table = "notifications"

    class Meta(PortalModel.Meta):
        pass

    oid = UnicodeAttribute(hash_key=True)
    notification_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    text = UnicodeAttribute(default="")
    link = UnicodeAttribute(default="/cabinet/")
    # claimed → sent | skipped (no address, switched off) | failed (retried later)
    status = UnicodeAttribute(default="claimed")
    attempts = NumberAttribute(default=0)
    context = UnicodeAttribute(default="{}")  # JSON the templates are rendered from (retries)
    retry = UnicodeAttribute(null=True)
    retry_at = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    read = BooleanAttribute(default=False)

    retry_index = RetryIndex()


class Reminder(PortalModel):
    """A dated reminder due on a day: the daily job reads the day's partition with one Query,
    whatever the number of people. Rewritten when a person's specialties change."""

    table = "reminders"

    class Meta(PortalModel.Meta):
        pass

    due_on = UnicodeAttribute(hash_key=True)  # ISO date
    reminder_id = UnicodeAttribute(range_key=True)  # oid#kind#specialty#expires
    oid = UnicodeAttribute()
    kind = UnicodeAttribute()  # portfolio_window | expiry_6m | expiry_3m | expiry_1m
    specialty = UnicodeAttribute()
    expires = UnicodeAttribute()  # ISO date the document expires
