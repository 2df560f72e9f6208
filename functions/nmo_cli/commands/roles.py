"""`nmo roles grant|revoke OID ROLE [--organization ORG]`: roles by ЕСИА oid, audited."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from chalicelib.services.roles import ROLES


def _grant(args: argparse.Namespace) -> int:
    from chalicelib.errors import DomainError
    from chalicelib.services.roles import grant_role

    try:
        changed = grant_role(args.oid, args.role, organization_id=args.organization)
    except DomainError as exc:
        print(f"Ошибка: {exc.message}", file=sys.stderr)
        return 2
    role = ROLES[args.role]
    print(f"роль «{role}» выдана {args.oid}" if changed else f"у {args.oid} уже есть роль «{role}»")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from chalicelib.errors import DomainError
    from chalicelib.services.roles import revoke_role

    try:
        changed = revoke_role(args.oid, args.role)
    except DomainError as exc:
        print(f"Ошибка: {exc.message}", file=sys.stderr)
        return 2
    role = ROLES[args.role]
    print(f"роль «{role}» снята с {args.oid}" if changed else f"у {args.oid} нет роли «{role}»")
    return 0


def register(subparsers: Any) -> None:
    roles = subparsers.add_parser("roles", help="роли пользователей (по oid ЕСИА)")
    sub = roles.add_subparsers(dest="roles_command", required=True)
    grant = sub.add_parser("grant", help="выдать роль (запись в журнал аудита)")
    grant.add_argument("oid", help="oid пользователя в ЕСИА")
    grant.add_argument("role", choices=sorted(ROLES), help="роль")
    grant.add_argument("--organization", help="id организации (для ролей organizer и employer)")
    grant.set_defaults(func=_grant)
    revoke = sub.add_parser("revoke", help="снять роль (запись в журнал аудита)")
    revoke.add_argument("oid", help="oid пользователя в ЕСИА")
    revoke.add_argument("role", choices=sorted(ROLES), help="роль")
    revoke.set_defaults(func=_revoke)
