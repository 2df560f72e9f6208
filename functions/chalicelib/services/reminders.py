"""The daily job: who needs a reminder today, found by Queries on a day's key, never a Scan.

- documents: `reminders[today]` (written when specialties change) → the window opens, 6/3/1
  months before expiry; sent only while something is missing, with what (domain/cycles.py's
  sentence) and two suggestions (services/plan.py's);
- events tomorrow: the by-status index, `published`, sort key starting with tomorrow's date →
  each event's registrations (one partition), with the .ics;
- attendance: events of the last weeks whose day was yesterday → their organizer;
- moderators: the review queue (one Query), and when not empty, the sparse digest index;
- retries of failed sends (the sparse retry index).
Work grows with what is due, not with the number of people.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..db import notifications_repo, people_repo, registrations_repo
from ..db.connection import ensure_bound
from ..db.models import CatalogElement, Reminder, Specialist
from ..domain.cycles import missing_phrase, standing_of, summary_sentence
from ..domain.dates import ru_date, today_msk, utcnow
from ..domain.notifications import REMINDER_WINDOW, reminder_days
from ..domain.numbers import plain_number
from ..domain.specialties import specialty_name
from ..mail.mailer import Mailer
from ..mail.message import Attachment
from . import credits, event_calendars, notifications, plan

log = logging.getLogger(__name__)

ATTENDANCE_LOOKBACK_DAYS = 31  # an event's days lie within this of its first (event_rules.json)
SUGGESTIONS_IN_MAIL = 2
_MONTHS = {6: "6 месяцев", 3: "3 месяца", 1: "1 месяц"}


@dataclass
class DailyReport:
    day: dt.date
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, outcome: str) -> None:
        key = f"{kind}:{outcome}"
        self.counts[key] = self.counts.get(key, 0) + 1


# --- writing the dated reminders -----------------------------------------------------------------


def reminders_of(person: Specialist) -> list[Reminder]:
    """The dated reminders a person's current specialties call for (cycles from domain/cycles)."""
    items = []
    for cycle in credits.person_cycles(person):
        window = cycle.rule_set.portfolio_window_months
        for kind, day in reminder_days(cycle.expires, window):
            items.append(
                Reminder(
                    day.isoformat(),
                    f"{person.oid}#{kind}#{cycle.specialty}#{cycle.expires.isoformat()}",
                    oid=person.oid,
                    kind=kind,
                    specialty=cycle.specialty,
                    expires=cycle.expires.isoformat(),
                )
            )
    return items


def reschedule(before: Specialist | None, after: Specialist) -> None:
    """After a person's specialties changed: drop reminders of the old cycles, write the new."""
    old = reminders_of(before) if before is not None else []
    notifications_repo.replace_reminders(old, reminders_of(after))


# --- the job -----------------------------------------------------------------------------------


def run_daily(
    today: dt.date | None = None, *, dry_run: bool = False, mailer: Mailer | None = None
) -> DailyReport:
    today = today or today_msk()
    report = DailyReport(today)
    ensure_bound()
    _documents(today, report, dry_run, mailer)
    _events_tomorrow(today, report, dry_run, mailer)
    _attendance(today, report, dry_run, mailer)
    _digest(today, report, dry_run, mailer)
    if not dry_run:
        retried = notifications.retry_failed(utcnow(), mailer=mailer)
        for outcome, n in retried.counts.items():
            report.counts[f"retry:{outcome}"] = report.counts.get(f"retry:{outcome}", 0) + n
    log.info("daily notifications for %s: %s", today.isoformat(), report.counts)
    return report


def _send(report: DailyReport, kind: str, dry_run: bool, mailer: Mailer | None, **kw: Any) -> None:
    outcome = notifications.notify(kind_name=kind, dry_run=dry_run, mailer=mailer, **kw)
    report.add(kind, outcome)


def _documents(today: dt.date, report: DailyReport, dry_run: bool, mailer: Mailer | None) -> None:
    by_person: dict[str, list[Reminder]] = defaultdict(list)
    for item in notifications_repo.reminders_due(today):
        by_person[item.oid].append(item)
    contacts = notifications_repo.contacts(by_person)
    for oid, due in by_person.items():
        person = people_repo.get_specialist(oid)
        if person is None:
            continue
        cycles = {c.specialty: c for c in credits.person_cycles(person)}
        tallies = credits.tallies_of(
            list(cycles.values()), credits.current_totals(person, list(cycles.values()))
        )
        for item in due:
            cycle = cycles.get(item.specialty)
            if cycle is None or cycle.expires.isoformat() != item.expires:
                continue  # specialties changed since: a stale reminder
            now = standing_of(cycle, tallies[cycle.specialty])
            if now.met:
                report.add(item.kind, "met")
                continue
            suggested = plan.suggestions(person, {"specialty": cycle.specialty}, today)["items"]
            context = {
                "specialty_name": specialty_name(cycle.specialty),
                "expires": ru_date(cycle.expires),
                "missing": missing_phrase(cycle, now),
                "summary": summary_sentence(cycle, now, "window_open", today),
                "suggestions": suggested[:SUGGESTIONS_IN_MAIL],
                "months_phrase": _MONTHS.get(_months_of(item.kind), ""),
            }
            kind = "portfolio_window" if item.kind == REMINDER_WINDOW else "expiry_reminder"
            _send(
                report,
                kind,
                dry_run,
                mailer,
                oid=oid,
                subject=f"{cycle.specialty}#{item.kind}",
                day=today,
                context=context,
                link="/cabinet/#plan",
                link_label="Открыть план обучения",
                contact=contacts.get(oid),
            )


def _months_of(reminder_kind: str) -> int:
    try:
        return int(reminder_kind.removeprefix("expiry_").removesuffix("m"))
    except ValueError:
        return 0


def _events_starting(
    day: dt.date, statuses: Iterable[str], since: dt.date | None = None
) -> list[CatalogElement]:
    low = f"{(since or day).isoformat()}#"
    high = f"{day.isoformat()}#\uffff"
    found: list[CatalogElement] = []
    for status in statuses:
        found += list(
            CatalogElement.by_status.query(
                status,
                CatalogElement.sort_key.between(low, high),
                filter_condition=CatalogElement.kind == "event",
            )
        )
    return found


def _starts_text(event: CatalogElement) -> str:
    if not event.days:
        return ru_date(event.starts_on)
    first = event.days[0].starts_at
    return f"{ru_date(first[:10])} в {first[11:16]}"


def _where(event: CatalogElement) -> str:
    if event.format == "online":
        return f"Онлайн: {event.url}" if event.url else "Онлайн."
    return f"Место: {', '.join(p for p in (event.city, event.address) if p)}."


def _events_tomorrow(
    today: dt.date, report: DailyReport, dry_run: bool, mailer: Mailer | None
) -> None:
    tomorrow = today + dt.timedelta(days=1)
    for event in _events_starting(tomorrow, ["published"]):
        ics = event_calendars.calendar_file(event.title, [event]).encode("utf-8")
        regs = [
            r
            for r in registrations_repo.iter_for_event(event.element_id)
            if r.status == "confirmed"
        ]
        contacts = notifications_repo.contacts(r.oid for r in regs)
        for reg in regs:
            _send(
                report,
                "event_tomorrow",
                dry_run,
                mailer,
                oid=reg.oid,
                subject=event.element_id,
                day=tomorrow,
                context={
                    "title": event.title,
                    "starts": _starts_text(event),
                    "where": _where(event),
                },
                link=f"/catalog/e/{event.element_id}/",
                link_label="Страница мероприятия",
                attachments=(Attachment("event.ics", "text/calendar", ics),),
                contact=contacts.get(reg.oid),
            )


def _attendance(today: dt.date, report: DailyReport, dry_run: bool, mailer: Mailer | None) -> None:
    yesterday = today - dt.timedelta(days=1)
    since = yesterday - dt.timedelta(days=ATTENDANCE_LOOKBACK_DAYS)
    for event in _events_starting(yesterday, ["published", "finished"], since):
        if not event.created_by or yesterday.isoformat() not in {d.date for d in event.days or []}:
            continue
        _send(
            report,
            "attendance_due",
            dry_run,
            mailer,
            oid=event.created_by,
            subject=event.element_id,
            day=yesterday,
            context={"title": event.title, "day": ru_date(yesterday)},
            link=f"/organizer/#event-{event.element_id}",
            link_label="Внести посещаемость",
        )


def _digest(today: dt.date, report: DailyReport, dry_run: bool, mailer: Mailer | None) -> None:
    queue = list(
        CatalogElement.by_status.query(
            "on_review", filter_condition=CatalogElement.kind == "event", limit=50
        )
    )
    if not queue:
        return
    events = [
        {"title": e.title, "organizer": e.organizer_name, "starts": ru_date(e.starts_on)}
        for e in queue
    ]
    for oid in notifications_repo.digest_recipients("moderator"):
        _send(
            report,
            "review_digest",
            dry_run,
            mailer,
            oid=oid,
            subject="queue",
            day=today,
            context={"count": len(events), "events": events},
            link="/moderation/",
            link_label="Открыть очередь",
        )


__all__ = ["DailyReport", "plain_number", "reminders_of", "reschedule", "run_daily"]
