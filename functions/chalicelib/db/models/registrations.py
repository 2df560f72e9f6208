"""Registrations for events: by event (organizer's list), by person (cabinet), the waiting list;
and each event's seats — the counters every registration moves."""

from __future__ import annotations

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection

from .base import PortalModel


class ByPersonIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    class Meta:
        index_name = "by-person"
        projection = AllProjection()

    oid = UnicodeAttribute(hash_key=True)
    registered_key = UnicodeAttribute(range_key=True)  # registered_at ISO#event_id


class WaitlistIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Sparse: only waitlisted registrations carry `wait_seq`, so the head of the line is one
    Query with Limit=1 and a position is a COUNT of the tickets ahead."""

    class Meta:
        index_name = "waitlist"
        projection = KeysOnlyProjection()

    event_id = UnicodeAttribute(hash_key=True)
    wait_seq = NumberAttribute(range_key=True)


class Registration(PortalModel):
    """One person's place at one event. Keyed (event_id, oid), so a person can hold at most one
    registration per event whatever the number of clicks."""

    table = "registrations"

    class Meta(PortalModel.Meta):
        # Changes feed the notifications (services/change_notices.py).
        stream_view_type = "NEW_AND_OLD_IMAGES"

    event_id = UnicodeAttribute(hash_key=True)
    oid = UnicodeAttribute(range_key=True)
    registration_id = UnicodeAttribute()  # opaque id shown to organizers (not the oid)
    status = UnicodeAttribute()  # confirmed | waitlisted | cancelled | event_cancelled
    specialty = UnicodeAttribute(null=True)
    wait_seq = NumberAttribute(null=True)
    registered_key = UnicodeAttribute()
    registered_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    # Denormalised for the organizer's list (no per-row lookups); the person's own data.
    full_name = UnicodeAttribute(default="")
    attendance = MapAttribute(default=dict)  # type: ignore[var-annotated]  # day ISO → minutes
    # day ISO → confirmation code issued for it (a code per person, day and specialty, once).
    codes = MapAttribute(default=dict)  # type: ignore[var-annotated]
    # Denormalised for the cabinet list (one Query shows titles and dates).
    event_title = UnicodeAttribute(default="")
    event_starts_at = UnicodeAttribute(null=True)
    promoted_at = UTCDateTimeAttribute(null=True)
    cancelled_at = UTCDateTimeAttribute(null=True)

    by_person = ByPersonIndex()
    waitlist = WaitlistIndex()


class EventSeats(PortalModel):
    """An event's seats and waiting list: the one item a registration, a cancel or a promotion
    writes besides the person's own (db/registrations_repo, whose transactions' conditions are on
    it). It also carries copies of the event's `status` and `capacity` — the facts those
    conditions need — written in the same transaction as every write of the event
    (catalog_repo.save_element), so they never disagree with it.

    Kept apart from the catalog item on purpose: that item is large, streamed (notifications)
    and projected into two indexes, and DynamoDB charges a write by the size of the whole item
    and again for each index it changes. A registration rewrites only this small item, and the
    catalog changes only when its content does."""

    table = "event-seats"

    class Meta(PortalModel.Meta):
        pass

    element_id = UnicodeAttribute(hash_key=True)  # the event's id
    status = UnicodeAttribute(null=True)  # the event's status (copy)
    capacity = NumberAttribute(null=True)  # the event's capacity (copy)
    seats_taken = NumberAttribute(default=0)
    waitlist_seq = NumberAttribute(default=0)  # tickets handed out to the waiting list so far
    waitlist_length = NumberAttribute(default=0)
    # Position in line from counters (registrations_repo.position): people promoted so far, tickets
    # handed out but not yet in line, tickets that left the line (or were never used).
    waitlist_promoted = NumberAttribute(default=0)
    waitlist_pending = NumberAttribute(default=0)
    waitlist_left = NumberSetAttribute(null=True)
    # Seats released by cancels so far, and how many of those releases a promotion has already
    # answered: a canceller whose release is answered stops (services.registration.fill_free_seats).
    seats_released = NumberAttribute(default=0)
    releases_answered = NumberAttribute(default=0)
