"""Credit records (the ledger of a person's ЗЕТ), confirmation codes, and provider rows waiting
for a person's first login."""

from __future__ import annotations

from pynamodb.attributes import (
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import PortalModel


class CreditRecord(PortalModel):
    """One credited element. record_id sorts by completion date (`YYYY-MM-DD#<id>`), so the
    cabinet's first page is one Query."""

    table = "credits"

    class Meta(PortalModel.Meta):
        # Changes feed the notifications (services/change_notices.py).
        stream_view_type = "NEW_AND_OLD_IMAGES"

    oid = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # dpp_pk | iom | event
    title = UnicodeAttribute()
    hours = NumberAttribute()
    completed_on = UnicodeAttribute()
    specialty = UnicodeAttribute()  # the cycle it is allocated to (domain/cycles.allocate)
    # Every specialty the element was accredited for that the person could count it in; empty on
    # records written before allocation existed (then only `specialty`).
    eligible_specialties = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    placed_by = UnicodeAttribute(null=True)  # "person" once they moved it to another cycle
    source = UnicodeAttribute()  # provider_import | code | correction
    document = UnicodeAttribute(null=True)  # удостоверение number, code, …
    element_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class CodesByHolderIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    class Meta:
        index_name = "by-holder"
        projection = AllProjection()

    issued_to = UnicodeAttribute(hash_key=True)
    issued_key = UnicodeAttribute(range_key=True)  # issued_at ISO#code


class ConfirmationCode(PortalModel):
    """An individual confirmation code: single use, bound to an event day and a specialty."""

    table = "codes"

    class Meta(PortalModel.Meta):
        pass

    code = UnicodeAttribute(hash_key=True)  # normalised, without separators
    event_id = UnicodeAttribute()
    day = UnicodeAttribute()  # ISO date
    specialty = UnicodeAttribute()
    hours = NumberAttribute()
    title = UnicodeAttribute()
    issued_to = UnicodeAttribute(null=True)  # oid of the attendee; None for codes handed on paper
    issued_key = UnicodeAttribute(null=True)
    issued_at = UTCDateTimeAttribute()
    expires_on = UnicodeAttribute()  # ISO date, last day it can be redeemed
    redeemed_at = UTCDateTimeAttribute(null=True)
    redeemed_by = UnicodeAttribute(null=True)
    record_id = UnicodeAttribute(null=True)

    by_holder = CodesByHolderIndex()


class PendingCredit(PortalModel):
    """A provider's completion row for a СНИЛС that has not logged in yet; applied at first login."""

    table = "pending-credits"

    class Meta(PortalModel.Meta):
        pass

    snils = UnicodeAttribute(hash_key=True)
    record_id = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    hours = NumberAttribute()
    completed_on = UnicodeAttribute()
    specialty = UnicodeAttribute()
    # Every specialty the element is accredited for; the one credited is chosen at first login
    # among the person's own specialties.
    candidate_specialties = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    document = UnicodeAttribute(null=True)
    element_id = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()


class CreditTotal(PortalModel):
    """Per-person aggregates and plan, so the cabinet's cycles and plan cost one Query whatever
    the record count.

    Items of one person (hash `oid`):
    - `bucket = "plan#<specialty>#<element id>"`: an element in the person's individual learning
      plan for that cycle, with a copy of what the plan shows (title, kind, hours, dates,
      accredited specialties) and `done_record` once its credit arrived;
    - `bucket = "cycle#<specialty>#<cycle start>#<year:02d>"`: hours of one cycle year by kind,
      bumped (ADD) in the same transaction as each credit write;
    - `bucket = "summary"`: `basis` (fingerprint of the cycle boundaries the buckets were computed
      for) and `seq` (bumped by every credit write). Credit writes require the basis they computed
      against; a rebuild after specialties change requires `seq` unchanged. Either side losing the
      race retries, so no credit is ever missed or counted twice.
    """

    table = "credit-totals"

    class Meta(PortalModel.Meta):
        pass

    oid = UnicodeAttribute(hash_key=True)
    bucket = UnicodeAttribute(range_key=True)
    dpp_pk = NumberAttribute(null=True)
    iom = NumberAttribute(null=True)
    event = NumberAttribute(null=True)
    records = NumberAttribute(null=True)
    basis = UnicodeAttribute(null=True)
    seq = NumberAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    # plan items only
    element_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    title = UnicodeAttribute(null=True)
    hours = NumberAttribute(null=True)
    starts_on = UnicodeAttribute(null=True)
    ends_on = UnicodeAttribute(null=True)
    element_specialties = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]
    days = ListAttribute(of=UnicodeAttribute, null=True)  # type: ignore[arg-type]  # event dates
    done_record = UnicodeAttribute(null=True)
    added_at = UTCDateTimeAttribute(null=True)
