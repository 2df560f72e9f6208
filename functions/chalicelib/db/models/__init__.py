"""Every table of the portal, defined once. Infra templates and tests are checked against these."""

from __future__ import annotations

from .applications import Application
from .base import PortalModel
from .catalog import CatalogElement, CatalogVersion, EventDay, SpecialtyListing
from .credits import ConfirmationCode, CreditRecord, CreditTotal, PendingCredit
from .dashboard import DashboardCounter, StaffMember
from .housekeeping import AttemptCounter, AuditEntry, LoginState
from .notifications import Contact, Notification, Reminder
from .people import Organization, SnilsOwner, Specialist, SpecialtyRecord
from .registrations import EventSeats, Registration

ALL_MODELS: tuple[type[PortalModel], ...] = (
    Specialist,
    SnilsOwner,
    Organization,
    CatalogElement,
    SpecialtyListing,
    CatalogVersion,
    Registration,
    EventSeats,
    CreditRecord,
    ConfirmationCode,
    PendingCredit,
    CreditTotal,
    LoginState,
    AttemptCounter,
    AuditEntry,
    Application,
    Contact,
    Notification,
    Reminder,
    DashboardCounter,
    StaffMember,
)

__all__ = [
    "ALL_MODELS",
    "Application",
    "AttemptCounter",
    "AuditEntry",
    "CatalogElement",
    "CatalogVersion",
    "ConfirmationCode",
    "Contact",
    "CreditRecord",
    "CreditTotal",
    "DashboardCounter",
    "EventDay",
    "EventSeats",
    "LoginState",
    "Notification",
    "Organization",
    "PendingCredit",
    "PortalModel",
    "Registration",
    "Reminder",
    "SnilsOwner",
    "Specialist",
    "SpecialtyListing",
    "SpecialtyRecord",
    "StaffMember",
]
