"""The regional dashboard's storage: counters kept on write, and employers' staff lists."""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection

from .base import PortalModel


class DashboardCounter(PortalModel):
    """One counter cell. Keys (db/dashboard_repo.py builds them):

    - `scope = "region"`, `cell = "<YYYY-MM>#<specialty>"`: the ministry's heat map;
    - `scope = "org#<org_id>"`, same cells: one employer's staff who share their data;
    - `scope = "by-org"`, `cell = "<YYYY-MM>#<org_id>"`: all specialties of an employer in a
      month (the ministry's bar per organization);
    - `scope = "person#<oid>"`, `cell = "contribution"`: what this person's cycles add to the
      cells now (`contribution`, with `version`), so the next change moves exactly that.

    Besides the keys, an item holds number attributes whose names are data (domain/dashboard.py
    `Contribution.amounts`): `met`, and per (expiry, window, behind-from) dates the count of
    unmet cycles and their missing hours. They are moved by ADD (top-level attributes, so the
    first write creates the item) in the same transaction as the change, and read raw.
    """

    table = "dashboard-counters"

    class Meta(PortalModel.Meta):
        pass

    scope = UnicodeAttribute(hash_key=True)
    cell = UnicodeAttribute(range_key=True)
    updated_at = UTCDateTimeAttribute(null=True)
    contribution = JSONAttribute(null=True)  # person items only
    version = NumberAttribute(null=True)  # person items only


class StaffBySnilsIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    """Which organizations list a СНИЛС: read when a person's counters move."""

    class Meta:
        index_name = "by-snils"
        projection = KeysOnlyProjection()

    snils = UnicodeAttribute(hash_key=True)
    org_id = UnicodeAttribute(range_key=True)


class StaffMember(PortalModel):
    """One line of an employer's staff list, keyed by СНИЛС (digits): the person may not be on
    the portal yet. The name is the employer's own, shown only to that employer."""

    table = "staff"

    class Meta(PortalModel.Meta):
        pass

    org_id = UnicodeAttribute(hash_key=True)
    snils = UnicodeAttribute(range_key=True)
    full_name = UnicodeAttribute(default="")
    position = UnicodeAttribute(null=True)
    added_at = UTCDateTimeAttribute()

    by_snils = StaffBySnilsIndex()
