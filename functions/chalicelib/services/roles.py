"""Granting and revoking roles (organizer, moderator, admin, analyst, employer) by ЕСИА oid, audited.

A person may get a role before their first login: the Specialist item is then created with the oid
and roles only, and the login fills in the rest. Each change is one transaction with its audit
entry (db/people_repo.save_roles), guarded by the item's version so a concurrent login or another
grant is never overwritten. The `nmo roles` command is a thin shell over these functions.
"""

from __future__ import annotations

from typing import Any

from ..db import audit_repo, people_repo
from ..db.models import Specialist
from ..domain.identifiers import normalize_inn
from ..errors import Conflict, InvalidInput, NotFound
from . import contacts

ROLES = {
    "specialist": "специалист",
    "organizer": "организатор",
    "moderator": "модератор",
    "admin": "администратор",
    "analyst": "аналитик министерства",
    "employer": "работодатель",
}
# Roles that act for one organization (Specialist.organization_id).
ORGANIZATION_ROLES = ("organizer", "employer")
_ATTEMPTS = 5


def organization_id_for_inn(inn: str) -> str:
    """The one id an organisation gets from its ИНН (demo data and providers' imports agree)."""
    return f"org-{normalize_inn(inn, kind='organization')}"


def _check_oid(oid: str) -> str:
    oid = (oid or "").strip()
    if not oid.isascii() or not oid.isdigit() or len(oid) > 20:
        raise InvalidInput("oid ЕСИА — число (до 20 цифр).", field="oid")
    return oid


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput("Роль: " + ", ".join(ROLES) + ".", field="role")
    return role


def _snapshot(person: Specialist | None) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"roles": list(person.roles or []), "organization_id": person.organization_id}


def _apply(
    oid: str, change: Any, *, actor: str, action: str
) -> bool:  # change(person|None) -> (roles, org) or None when nothing to do
    for _ in range(_ATTEMPTS):
        person = people_repo.get_specialist(oid)
        wanted = change(person)
        if wanted is None:
            return False
        roles, org_id = wanted
        after = {"roles": roles, "organization_id": org_id}
        entry = audit_repo.new_entry(f"person#{oid}", actor, action, _snapshot(person), after)
        if people_repo.save_roles(oid, person, roles, org_id, entry):
            # Moderators are listed for the daily review digest (issue 16).
            contacts.note_role(oid, roles)
            return True
        # someone changed the person meanwhile: read again
    raise Conflict("Учётную запись одновременно меняют: повторите команду.", field="oid")


def grant_role(
    oid: str, role: str, *, organization_id: str | None = None, actor: str = "admin-cli"
) -> bool:
    """Give a role (an organizer belongs to an organisation). False when it was already there."""
    oid, role = _check_oid(oid), _check_role(role)
    if organization_id is not None and people_repo.get_organization(organization_id) is None:
        raise NotFound(f"Организация {organization_id} не найдена.", field="organization")

    def change(person: Specialist | None) -> tuple[list[str], str | None] | None:
        roles = [str(r) for r in person.roles or []] if person else []
        org_id = organization_id or (person.organization_id if person else None)
        if role in ORGANIZATION_ROLES and not org_id:
            raise InvalidInput(
                f"Роли «{ROLES[role]}» нужна организация: укажите --organization.",
                field="organization",
            )
        if role in roles and (person is None or org_id == person.organization_id):
            return None
        if "specialist" not in roles:
            roles.insert(0, "specialist")
        if role not in roles:
            roles.append(role)
        return roles, org_id

    return _apply(oid, change, actor=actor, action=f"role.grant.{role}")


def revoke_role(oid: str, role: str, *, actor: str = "admin-cli") -> bool:
    """Take a role away. False when the person did not have it."""
    oid, role = _check_oid(oid), _check_role(role)
    if role == "specialist":
        raise InvalidInput("Роль «специалист» есть у каждого, кто входит через ЕСИА.", field="role")

    def change(person: Specialist | None) -> tuple[list[str], str | None] | None:
        if person is None or role not in (person.roles or []):
            return None
        roles = [str(r) for r in person.roles if r != role]
        keeps_org = any(r in ORGANIZATION_ROLES for r in roles)
        org_id = person.organization_id if keeps_org else None
        return roles, org_id

    return _apply(oid, change, actor=actor, action=f"role.revoke.{role}")
