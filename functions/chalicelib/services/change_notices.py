"""Notifications that follow a change, sent right after it and outside the request that made
it: DynamoDB stream records of NOTICE_TABLES (new and old images)
are read here — by a Lambda on the streams in the cloud, by a poller of the embedded store's
streams in `make run` (nmo_cli/change_feed.py). The request itself does no extra call and the
registration transactions are untouched; a stream delivers a record at least once, and the
notification's conditional claim makes a repeat send nothing.

What a change means is read from the images only:
- registration `waitlisted` → `confirmed`: promoted from the waiting list;
- registration active → `event_cancelled`: the event was cancelled;
- a new day in a registration's `codes`: a confirmation code was issued;
- event `on_review` → `published` / `rejected`: the organizer's decision mail;
- a published event whose days, place or link changed: everyone registered is told;
- a new credit record with source `provider_import`: a credit arrived from a provider;
- an application's status moved (filed, taken, decided, appealed): the applicant is told.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from ..db import notifications_repo, registrations_repo
from ..domain.dates import ru_date, today_msk
from ..domain.numbers import plain_number
from . import notifications

log = logging.getLogger(__name__)

# The tables whose streams carry change notices (each model declares its stream).
NOTICE_TABLES = ("registrations", "catalog", "credits", "applications")
_ACTIVE = ("confirmed", "waitlisted")
# Fields of a published event whose change a registered person must hear about.
_WATCHED = ("days", "address", "city", "url", "format", "starts_on")
_deserializer = TypeDeserializer()


class _Image(Mapping[str, Any]):
    """A stream image whose attributes are turned into plain values when first read: most
    records change nothing anyone is told about (every registration moves the event's counters,
    twice, with the event's full old and new images), and the checks read a few attributes."""

    def __init__(self, raw: dict[str, Any] | None) -> None:
        self._raw = raw or {}
        self._plain: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._plain:
            self._plain[name] = _deserializer.deserialize(self._raw[name])
        return self._plain[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def table_of(event_source_arn: str) -> str:
    """`arn:…:table/nmo-pilot-registrations/stream/…` → `registrations` (logical name)."""
    from ..settings import get_settings

    name = event_source_arn.split(":table/", 1)[-1].split("/", 1)[0]
    return name.removeprefix(get_settings().table_prefix)


def handle_records(records: Iterable[dict[str, Any]], *, today: dt.date | None = None) -> int:
    """Stream records as Lambda gets them (`Records` of a DynamoDB stream event) or as the
    local poller reads them. Returns the number of notifications sent."""
    sent = 0
    day = today or today_msk()
    for record in records:
        change = record.get("dynamodb") or {}
        table = record.get("table") or table_of(str(record.get("eventSourceARN", "")))
        old, new = _Image(change.get("OldImage")), _Image(change.get("NewImage"))
        try:
            for outcome in _dispatch(table, old, new, day):
                sent += int(outcome == notifications.SENT)
        except Exception:
            # One bad record must not block the shard: logged (no personal data) and skipped;
            # the notification, if claimed, sits in the retry index.
            log.exception("change notice failed for a %s record", table)
    return sent


def _dispatch(
    table: str, old: Mapping[str, Any], new: Mapping[str, Any], day: dt.date
) -> list[str]:
    if not new:
        return []
    if table == "registrations":
        return _registration(old, new, day)
    if table == "catalog" and new.get("kind") == "event":
        return _event(old, new, day)
    if table == "credits" and not old and new.get("source") == "provider_import":
        return [_credit(new, day)]
    if table == "applications" and old.get("status") != new.get("status"):
        return [_application_step(new, day)]
    return []


def _starts(event: Mapping[str, Any]) -> str:
    days = event.get("days") or []
    if days:
        first = str(days[0].get("starts_at", ""))
        return f"{ru_date(first[:10])} в {first[11:16]}"
    return ru_date(event.get("starts_on"))


def _registration(old: Mapping[str, Any], new: Mapping[str, Any], day: dt.date) -> list[str]:
    oid, event_id = str(new["oid"]), str(new["event_id"])
    title = str(new.get("event_title") or "")
    starts = new.get("event_starts_at") or ""
    starts_text = f"{ru_date(str(starts)[:10])} в {str(starts)[11:16]}" if starts else ""
    out = []
    if old.get("status") == "waitlisted" and new.get("status") == "confirmed":
        out.append(
            notifications.notify(
                oid,
                "promoted",
                subject=event_id,
                day=day,
                context={"title": title, "starts": starts_text},
                link="/cabinet/#registrations",
            )
        )
    if old.get("status") in _ACTIVE and new.get("status") == "event_cancelled":
        out.append(
            notifications.notify(
                oid,
                "event_changed",
                subject=f"{event_id}#cancelled",
                day=day,
                context={"title": title, "cancelled": True, "starts": starts_text, "where": ""},
                link="/cabinet/#registrations",
            )
        )
    new_codes = set((new.get("codes") or {}).keys()) - set((old.get("codes") or {}).keys())
    for code_day in sorted(new_codes):
        out.append(
            notifications.notify(
                oid,
                "code_issued",
                subject=f"{event_id}#{code_day}",
                day=code_day,
                context={"title": title, "day": ru_date(code_day), "hours": "6"},
                link="/cabinet/#codes",
                link_label="Ввести код в кабинете",
            )
        )
    return out


def _event(old: Mapping[str, Any], new: Mapping[str, Any], day: dt.date) -> list[str]:
    event_id, title = str(new["element_id"]), str(new.get("title") or "")
    before, after = old.get("status"), new.get("status")
    if before == "on_review" and after in ("published", "rejected") and new.get("created_by"):
        published = after == "published"
        return [
            notifications.notify(
                str(new["created_by"]),
                "event_decision",
                subject=f"{event_id}#v{int(new.get('version') or 0)}",
                day=day,
                context={
                    "title": title,
                    "published": published,
                    "reason": str(new.get("rejection_reason") or ""),
                },
                link=f"/catalog/e/{event_id}/" if published else "/organizer/",
                link_label="Страница мероприятия" if published else "Открыть мероприятие",
            )
        ]
    if before == after == "published" and any(old.get(f) != new.get(f) for f in _WATCHED):
        out = []
        context = {
            "title": title,
            "cancelled": False,
            "starts": _starts(new),
            "where": _where(new),
        }
        for reg in registrations_repo.iter_for_event(event_id):
            if reg.status in _ACTIVE:
                out.append(
                    notifications.notify(
                        reg.oid,
                        "event_changed",
                        subject=f"{event_id}#v{int(new.get('version') or 0)}",
                        day=day,
                        context=context,
                        link=f"/catalog/e/{event_id}/",
                        link_label="Страница мероприятия",
                    )
                )
        return out
    return []


def _where(event: Mapping[str, Any]) -> str:
    if event.get("format") == "online":
        return f"Онлайн: {event.get('url') or ''}".strip()
    return "Место: " + ", ".join(str(p) for p in (event.get("city"), event.get("address")) if p)


def _credit(new: Mapping[str, Any], day: dt.date) -> str:
    record_id = str(new["record_id"])
    return notifications.notify(
        str(new["oid"]),
        "credit_arrived",
        subject=record_id.replace("#", "-"),
        day=day,
        context={
            "title": str(new.get("title") or ""),
            "hours": plain_number(new.get("hours") or 0),
            "completed_on": ru_date(str(new.get("completed_on") or "")),
        },
        link="/cabinet/#credits",
    )


__all__ = ["handle_records", "notifications_repo"]


def _application_step(new: Mapping[str, Any], day: dt.date) -> str:
    from ..domain import applications

    status = str(new["status"])
    reason = new.get("final_reason") if status.startswith("final_") else new.get("decision_reason")
    return notifications.notify(
        str(new["oid"]),
        "application_step",
        subject=f"{new['application_id']}#{status}",
        day=day,
        context={
            "title": str(new.get("title") or ""),
            "filed_on": ru_date(str(new.get("filed_on") or "")),
            "status": applications.STATUSES.get(status, status),
            "reason": str(reason or "") if status in ("rejected", "final_rejected") else "",
            "can_appeal": status == "rejected",
            "accepted": status in applications.ACCEPTED_STATUSES,
        },
        link="/cabinet/applications/",
        link_label="Открыть «Мои заявки»",
    )
