"""Applications («заявления»): a person's dispute of a missing or wrong record, with documents."""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from .base import PortalModel


class ByApplicantIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    class Meta:
        index_name = "by-applicant"
        projection = AllProjection()

    oid = UnicodeAttribute(hash_key=True)
    filed_key = UnicodeAttribute(range_key=True)  # filed_at ISO#application_id


class ByReviewerIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    class Meta:
        index_name = "by-reviewer"
        projection = AllProjection()

    reviewer = UnicodeAttribute(hash_key=True)  # org#<org_id> | moderators
    filed_key = UnicodeAttribute(range_key=True)


class ByStatusIndex(GlobalSecondaryIndex):  # type: ignore[type-arg]
    class Meta:
        index_name = "by-status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    filed_key = UnicodeAttribute(range_key=True)


class Application(PortalModel):
    """One application and its current state (domain/applications.py). The id is derived from
    the person and the form's request id, so a double click on «Подать» files one application.

    `documents` is a list of at most five {id, name, content_type, size} (the objects live in
    the documents bucket under `applications/<id>/<document id>`); `claim` is what the person
    says (domain Claim.view()); the steps with who and when are in the audit table under
    `application#<id>`.
    """

    table = "applications"

    class Meta(PortalModel.Meta):
        # Each step is told to the applicant from this stream (services/change_notices.py).
        stream_view_type = "NEW_AND_OLD_IMAGES"

    application_id = UnicodeAttribute(hash_key=True)
    oid = UnicodeAttribute()
    applicant_name = UnicodeAttribute(default="")  # shown to the reviewer; never a СНИЛС
    kind = UnicodeAttribute()  # missing_event | missing_programme | record_error
    status = UnicodeAttribute()
    reviewer = UnicodeAttribute()  # routed at filing; escalation is computed (effective_reviewer)
    organization_id = UnicodeAttribute(null=True)  # the routed organization, for filters
    title = UnicodeAttribute(default="")  # what it is about, for lists
    claim = JSONAttribute()
    documents = JSONAttribute(default=list)
    filed_at = UTCDateTimeAttribute()
    filed_on = UnicodeAttribute()  # Moscow date of filing (working days count from it)
    filed_key = UnicodeAttribute()
    decision_reason = UnicodeAttribute(null=True)
    appeal_comment = UnicodeAttribute(null=True)
    final_reason = UnicodeAttribute(null=True)
    credit_record_id = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute()
    version = NumberAttribute(default=0)

    by_applicant = ByApplicantIndex()
    by_reviewer = ByReviewerIndex()
    by_status = ByStatusIndex()
