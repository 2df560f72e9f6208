"""Every table of the portal, defined once. Infra templates and tests are checked against these."""

from __future__ import annotations

from .base import PortalModel
from .catalog import CatalogElement, EventDay, SpecialtyListing
from .credits import ConfirmationCode, CreditRecord, PendingCredit
from .housekeeping import AttemptCounter, AuditEntry, LoginState
from .people import Organization, SnilsOwner, Specialist, SpecialtyRecord
from .registrations import Registration

ALL_MODELS: tuple[type[PortalModel], ...] = (
    Specialist,
    SnilsOwner,
    Organization,
    CatalogElement,
    SpecialtyListing,
    Registration,
    CreditRecord,
    ConfirmationCode,
    PendingCredit,
    LoginState,
    AttemptCounter,
    AuditEntry,
)

__all__ = [
    "ALL_MODELS",
    "AttemptCounter",
    "AuditEntry",
    "CatalogElement",
    "ConfirmationCode",
    "CreditRecord",
    "EventDay",
    "LoginState",
    "Organization",
    "PendingCredit",
    "PortalModel",
    "Registration",
    "SnilsOwner",
    "Specialist",
    "SpecialtyListing",
    "SpecialtyRecord",
]
