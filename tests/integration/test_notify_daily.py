"""The daily job: the dated reminders while something is missing, the day before an event with
its .ics, the organizer's attendance reminder, the moderators' digest — each once, nothing in a
dry run, and DynamoDB calls that follow what is due, not how many people there are."""

from __future__ import annotations

import datetime as dt

import pytest
from chalicelib.db import connection, notifications_repo
from chalicelib.domain.specialties import specialty_name
from chalicelib.services import reminders
from chalicelib.services.contacts import note_role

from tests.events_support import event_body, moderator, organizer, post, published_event
from tests.mail_support import give_address
from tests.people import login_headers, make_person

ADMITTED = "2022-06-01"  # expires 2027-06-01; the window opens 2026-06-01


def _doctor(oid: str = "3001", email: str = "doctor@example.ru"):
    person = make_person(oid, specialties=[("76", ADMITTED)])
    reminders.reschedule(None, person)
    give_address(oid, email)
    return person


def test_reminders_are_written_for_the_window_and_6_3_1_months_before_expiry(dynamodb):
    _doctor()
    due = {
        day: [r.kind for r in notifications_repo.reminders_due(dt.date.fromisoformat(day))]
        for day in ("2026-06-01", "2026-12-01", "2027-03-01", "2027-05-01")
    }
    assert due == {
        "2026-06-01": ["portfolio_window"],
        "2026-12-01": ["expiry_6m"],
        "2027-03-01": ["expiry_3m"],
        "2027-05-01": ["expiry_1m"],
    }


def test_the_window_opening_is_mailed_once_with_what_is_missing(mailbox):
    _doctor()
    day = dt.date(2026, 6, 1)
    report = reminders.run_daily(day)
    assert report.counts == {"portfolio_window:sent": 1}
    [mail] = mailbox.messages()
    assert mail.subject == f"Открылось окно подачи портфолио: {specialty_name('76')}"
    assert "до 01.06.2027" in mail.text
    assert "Не хватает 72 ч ДПП ПК и ещё 72 ч" in mail.text
    assert reminders.run_daily(day).counts == {"portfolio_window:duplicate": 1}
    assert len(mailbox.messages()) == 1


def test_a_dry_run_counts_but_sends_and_stores_nothing(mailbox):
    _doctor()
    report = reminders.run_daily(dt.date(2026, 12, 1), dry_run=True)
    assert report.counts == {"expiry_reminder:dry_run": 1}
    assert mailbox.messages() == []
    assert notifications_repo.feed("3001") == []
    # The real run afterwards still sends it.
    assert reminders.run_daily(dt.date(2026, 12, 1)).counts == {"expiry_reminder:sent": 1}
    assert "осталось 6 месяцев" in mailbox.messages()[0].text


def test_a_cycle_that_is_met_gets_no_reminder(mailbox, monkeypatch):
    from chalicelib.domain import cycles

    _doctor()
    # Everything earned: 144 h of ДПП ПК, as domain/cycles.py counts it.
    monkeypatch.setattr(
        reminders, "standing_of", lambda cycle, tally: cycles.standing(cycle.rule_set, 144, 0)
    )
    assert reminders.run_daily(dt.date(2027, 3, 1)).counts == {"expiry_3m:met": 1}
    assert mailbox.messages() == []


def test_the_day_before_an_event_every_confirmed_participant_gets_the_ics(client, mailbox):
    org, mod = organizer(), moderator()
    event_id = published_event(client, org, mod)
    me = login_headers(make_person("3002", specialties=[("76", ADMITTED)]))
    give_address("3002", "participant@example.ru")
    assert post(client, f"/api/events/{event_id}/registrations", {}, me).status_code == 201
    first_day = dt.date.fromisoformat(event_body()["days"][0]["starts_at"][:10])
    report = reminders.run_daily(first_day - dt.timedelta(days=1))
    assert report.counts.get("event_tomorrow:sent") == 1
    [mail] = [m for m in mailbox.messages() if m.to == ["participant@example.ru"]]
    assert mail.subject.startswith("Завтра: Школа кардиолога")
    assert mail.attachments == ["event.ics"]
    assert "Казань" in mail.text


def test_the_day_after_an_event_day_the_organizer_is_asked_for_attendance(client, mailbox):
    org, mod = organizer(), moderator()
    give_address("org-1", "organizer@example.ru")
    event_id = published_event(client, org, mod)
    second_day = dt.date.fromisoformat(event_body()["days"][1]["starts_at"][:10])
    report = reminders.run_daily(second_day + dt.timedelta(days=1))
    assert report.counts.get("attendance_due:sent") == 1
    mail = next(m for m in mailbox.messages() if m.subject.startswith("Внесите посещаемость"))
    assert mail.to == ["organizer@example.ru"]
    assert any(f"event-{event_id}" in u for u in mail.links)


def test_moderators_get_a_digest_only_when_the_queue_is_not_empty(client, mailbox):
    org = organizer()
    moderator("mod-9")
    note_role("mod-9", ["specialist", "moderator"])
    give_address("mod-9", "moderator@example.ru")
    today = dt.date(2026, 12, 5)
    assert reminders.run_daily(today).counts == {}
    event_id = post(client, "/api/organizer/events", event_body(), org).json_body["id"]
    post(client, f"/api/organizer/events/{event_id}/submit", {}, org)
    assert reminders.run_daily(today).counts == {"review_digest:sent": 1}
    [mail] = mailbox.messages()
    assert mail.subject == "На рассмотрении: 1 мероприятие"
    assert "Школа кардиолога" in mail.text


def _seed_population(count: int, start: int) -> None:
    """People whose reminders fall on other days: the job must not read them."""
    from chalicelib.db.models import Reminder

    connection.ensure_bound()
    with Reminder.batch_write() as batch:
        for n in range(count):
            batch.save(
                Reminder(
                    (dt.date(2027, 1, 1) + dt.timedelta(days=n % 300)).isoformat(),
                    f"p{start + n}#expiry_6m#76#2027-07-01",
                    oid=f"p{start + n}",
                    kind="expiry_6m",
                    specialty="76",
                    expires="2027-07-01",
                )
            )


@pytest.mark.parametrize("population", [50, 600])
def test_the_jobs_calls_do_not_grow_with_the_population(mailbox, population):
    _doctor()
    _seed_population(population, 0)
    connection.call_counter.clear()
    reminders.run_daily(dt.date(2026, 12, 1))
    calls = sum(connection.call_counter.values())
    # The same due notification costs the same, whatever the population (no Scan).
    assert "Scan" not in connection.call_counter
    assert calls <= 16, dict(connection.call_counter)


class _Mailer:
    def __init__(self, failing: bool) -> None:
        self.failing = failing
        self.sent = 0

    def send(self, message):
        from chalicelib.mail.mailer import SendFailed

        if self.failing:
            raise SendFailed("451 try later")
        self.sent += 1
        return "id"


def test_the_next_run_retries_what_failed_and_sends_it_once(dynamodb, monkeypatch):
    from chalicelib.services import notifications

    _doctor()
    monkeypatch.setattr(notifications, "RETRY_LATER", dt.timedelta(seconds=-1))
    monkeypatch.setattr(notifications, "BACKOFF_SECONDS", (0.0, 0.0))
    day = dt.date(2026, 12, 1)
    assert reminders.run_daily(day, mailer=_Mailer(failing=True)).counts == {
        "expiry_reminder:failed": 1,
        "retry:failed": 1,
    }
    working = _Mailer(failing=False)
    report = reminders.run_daily(day, mailer=working)
    assert report.counts == {"expiry_reminder:duplicate": 1, "retry:sent": 1}
    assert working.sent == 1
    assert reminders.run_daily(day, mailer=working).counts == {"expiry_reminder:duplicate": 1}
    assert working.sent == 1
