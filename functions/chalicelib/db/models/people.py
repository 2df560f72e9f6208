"""People and organisations: specialists (by ЕСИА oid), the СНИЛС uniqueness table, organisations."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)

from .base import PortalModel


class SpecialtyRecord(MapAttribute):  # type: ignore[type-arg]
    """One specialty of a person with the document that admits them to practice in it."""

    code = UnicodeAttribute()
    # The 5-year cycle starts from the issue date of the admitting document.
    admitted_on = UnicodeAttribute()  # ISO date
    document_kind = UnicodeAttribute(default="accreditation")  # accreditation | certificate
    document_number = UnicodeAttribute(null=True)
    rule_set = UnicodeAttribute(null=True)  # explicit rule set id, else chosen by expiry date
    pace = UnicodeAttribute(null=True)  # optional planning pace id (reference/rule_sets.json)


class Specialist(PortalModel):
    """A person who logged in through ЕСИА (or was created by an admin for a role)."""

    table = "specialists"

    class Meta(PortalModel.Meta):
        pass

    oid = UnicodeAttribute(hash_key=True)
    snils = UnicodeAttribute(null=True)  # digits only
    last_name = UnicodeAttribute(default="")
    first_name = UnicodeAttribute(default="")
    middle_name = UnicodeAttribute(null=True)
    birth_date = UnicodeAttribute(null=True)  # ISO date
    gender = UnicodeAttribute(null=True)
    education_level = UnicodeAttribute(null=True)  # higher | secondary | pharmaceutical
    specialties = ListAttribute(of=SpecialtyRecord, default=list)  # type: ignore[arg-type]
    roles = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    organization_id = UnicodeAttribute(null=True)  # for organizers and employers
    consent_egisz = BooleanAttribute(default=False)
    consent_changed_at = UTCDateTimeAttribute(null=True)
    # Whether an employer that lists this person's СНИЛС sees their status (not their ledger);
    # on by default, switched in the cabinet (services/sharing.py), audited.
    shares_with_employer = BooleanAttribute(default=True)
    sharing_changed_at = UTCDateTimeAttribute(null=True)
    # Active browser sessions (ids); logout removes one, so a stolen old cookie dies with it.
    session_ids = ListAttribute(of=UnicodeAttribute, default=list)  # type: ignore[arg-type]
    trusted = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute(default=0)


class SnilsOwner(PortalModel):
    """СНИЛС → oid. Written in the same transaction as the specialist, with
    `attribute_not_exists`, so one СНИЛС can never belong to two accounts."""

    table = "snils-owners"

    class Meta(PortalModel.Meta):
        pass

    snils = UnicodeAttribute(hash_key=True)
    oid = UnicodeAttribute()


class Organization(PortalModel):
    """An organizer: a university, hospital or professional society."""

    table = "organizations"

    class Meta(PortalModel.Meta):
        pass

    org_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    inn = UnicodeAttribute(null=True)  # 10 digits
    city = UnicodeAttribute(null=True)
    contact = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
