"""Catalog vocabulary: kinds of elements, formats, statuses, identifiers of elements."""

from __future__ import annotations

import base64
import hashlib
import secrets

KINDS = {
    "dpp_pk": "ДПП повышения квалификации",
    "iom": "Интерактивный образовательный модуль",
    "event": "Образовательное мероприятие",
}
KINDS_SHORT = {"dpp_pk": "ДПП ПК", "iom": "ИОМ", "event": "Мероприятие"}
# The kinds a cycle's hours are counted in (domain/rules.py, domain/cycles.py): ДПП ПК apart from
# the others.
DPP_PK = "dpp_pk"
OTHER_KINDS = ("iom", "event")
CREDIT_KINDS = (DPP_PK, *OTHER_KINDS)
FORMATS = {"in_person": "очно", "online": "онлайн"}
STATUSES = {
    "draft": "черновик",
    "on_review": "на рассмотрении",
    "published": "опубликовано",
    "rejected": "отклонено",
    "cancelled": "отменено",
    "finished": "завершено",
}
# What the public sees: published elements and events that have finished (their pages stay and
# say so). An event's own page and calendar also answer for a cancelled one (it says so).
PUBLIC_STATUSES = frozenset({"published", "finished"})
EVENT_PAGE_STATUSES = PUBLIC_STATUSES | {"cancelled"}
_ID_PREFIX = {"dpp_pk": "pk", "iom": "iom", "event": "ev"}
# Undated programs (always open) sort after every dated element.
UNDATED = "9999-12-31"


def _b32(raw: bytes, length: int) -> str:
    return base64.b32encode(raw).decode("ascii").lower().rstrip("=")[:length]


def new_element_id(kind: str) -> str:
    """A fresh id for an element entered in the portal (stable URL: /catalog/e/<id>/)."""
    return f"{_ID_PREFIX[kind]}-{_b32(secrets.token_bytes(10), 12)}"


def imported_element_id(kind: str, provider_key: str, external_id: str) -> str:
    """The same provider row always maps to the same element: re-imports are idempotent."""
    digest = hashlib.sha256(f"{kind}\x1f{provider_key}\x1f{external_id}".encode()).digest()
    return f"{_ID_PREFIX[kind]}-{_b32(digest, 12)}"


def catalog_sort_key(starts_on: str | None, element_id: str) -> str:
    return f"{starts_on or UNDATED}#{element_id}"
