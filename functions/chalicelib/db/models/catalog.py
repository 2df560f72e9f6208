"""Catalog elements (ДПП ПК programs, ИОМ, events) and the per-specialty listing of published ones."""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import PortalModel


class EventDay(MapAttribute):  # type: ignore[type-arg]
    """One accredited day of an event (a multi-day congress is one accredited element per day)."""

    date = UnicodeAttribute()  # ISO date
    starts_at = UnicodeAttribute()  # ISO datetime with offset
    ends_at = UnicodeAttribute()
    hours = NumberAttribute()


class ByStatusIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)  # starts_on#element_id


class ByOrganizerIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    class Meta:
        index_name = "by-organizer"
        projection = AllProjection()

    organizer_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)  # created_at ISO#element_id


class CatalogElement(PortalModel):
    """A program, module or event. An event's seat counters live in its `EventSeats` item
    (models/registrations): registrations never rewrite this one."""

    table = "catalog"

    class Meta(PortalModel.Meta):
        # Changes feed the notifications (services/change_notices.py).
        stream_view_type = "NEW_AND_OLD_IMAGES"

    element_id = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()  # dpp_pk | iom | event
    status = UnicodeAttribute()  # draft | on_review | published | rejected | cancelled | finished
    sort_key = UnicodeAttribute()  # starts_on#element_id (or 9999-12-31#id for undated programs)
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")  # safe Markdown subset
    program = UnicodeAttribute(default="")
    specialties = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    hours = NumberAttribute()  # total ЗЕТ
    starts_on = UnicodeAttribute(null=True)
    ends_on = UnicodeAttribute(null=True)
    days = ListAttribute(of=EventDay, default=list)  # type: ignore[arg-type]
    format = UnicodeAttribute(null=True)  # in_person | online
    city = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)
    url = UnicodeAttribute(null=True)
    contact = UnicodeAttribute(null=True)
    organizer_id = UnicodeAttribute()
    created_key = UnicodeAttribute()
    organizer_name = UnicodeAttribute(default="")
    external_id = UnicodeAttribute(null=True)  # provider's own code (imports are idempotent on it)
    capacity = NumberAttribute(null=True)
    rejection_reason = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    published_at = UTCDateTimeAttribute(null=True)
    version = NumberAttribute(default=0)

    by_status = ByStatusIndex()
    by_organizer = ByOrganizerIndex()


class SpecialtyListing(PortalModel):
    """A published element as listed under one specialty (one item per specialty it is accredited
    for), so `GET /api/catalog/elements?specialty=` is one Query, never a scan."""

    table = "catalog-by-specialty"

    class Meta(PortalModel.Meta):
        pass

    specialty = UnicodeAttribute(hash_key=True)
    sort_key = UnicodeAttribute(range_key=True)  # starts_on#element_id
    element_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    hours = NumberAttribute()
    starts_on = UnicodeAttribute(null=True)
    ends_on = UnicodeAttribute(null=True)
    format = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    organizer_name = UnicodeAttribute(default="")


class CatalogVersion(PortalModel):
    """A counter bumped by every change to the published catalog, in the change's own transaction:
    whoever keeps a copy of the catalog (the local site refresher) learns of a change with one
    GetItem instead of re-reading every published element."""

    table = "catalog-version"

    class Meta(PortalModel.Meta):
        # Starts the site rebuild after moderation (infra/publishing.yaml); keys only, because
        # the trigger reads the counter itself with a consistent GetItem.
        stream_view_type = "KEYS_ONLY"

    name = UnicodeAttribute(hash_key=True)  # `published`
    version = NumberAttribute(default=0)
