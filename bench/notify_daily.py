"""Benchmark: the daily notifications job costs what is due, not the size of the region.

Run: `.venv/bin/python bench/notify_daily.py [--sizes 3000,30000,300000 --events 200]`

For each size, a region (in-process, on the embedded store's moto: a Query reads only its
partition, as in DynamoDB) of that many specialists with admission dates spread
over five years — so their documents expire on every day of five years — each with the four
dated reminders the cabinet writes (window, 6/3/1 months), a confirmed address, and `--events`
published events spread over the coming months with 20 participants each. The population's rows
are synthetic and written straight into moto's backend (300k people are 1.5 million items; through
the API that would take hours and measure nothing of the job): everyone has their four reminder
rows under their own days' keys; the profile and address are written for those due today, the
only ones the job may read). Then `run_daily` runs for one day
with a counting mailer, and prints: people, notifications due (sent), DynamoDB calls and calls
per notification, seconds, and beside it a bare loop of the same Queries on the day's keys
(`reminders[today]`, events starting tomorrow) — the floor any design pays. Calls per notification
of each phase (documents, tomorrow's events) stay flat while the population grows a hundredfold
(the total per notice moves only with the mix of the two); no Scan is ever made.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter
from typing import Any

from _local import in_process_moto

in_process_moto(
    embedded_store=True,
    NMO_SESSION_KEY="bench-session-key-0123456789abcdef",
    NMO_MAIL_TRANSPORT="off",
)

TODAY = dt.date(2026, 12, 1)


class CountingMailer:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: Any) -> str:
        self.sent += 1
        return str(self.sent)


def _put_direct(items: list[Any]) -> None:
    """Rows placed straight into moto's tables: no HTTP, no botocore, no per-item checks —
    the stored shape is the model's own `serialize()`, as a PutItem would store it."""
    from chalicelib.settings import get_settings
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from nmo_cli import moto_query_index

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().region]
    touched = set()
    for item in items:
        table = backend.get_table(type(item).Meta.table_name)
        attrs = item.serialize()
        hash_value = DynamoType(attrs[table.hash_key_attr])
        if table.range_key_attr is None:
            table.items[hash_value] = Item(hash_value, None, attrs)
        else:
            range_value = DynamoType(attrs[table.range_key_attr])
            table.items[hash_value][range_value] = Item(hash_value, range_value, attrs)
        touched.add(table)
    for table in touched:  # written past the store's key-ordered partitions: rebuilt on next Query
        moto_query_index.forget(table)


def _region(people: int, events: int) -> None:
    from chalicelib.db.models import (
        CatalogElement,
        Contact,
        EventDay,
        Registration,
        Reminder,
        Specialist,
        SpecialtyRecord,
    )
    from chalicelib.services.reminders import reminders_of

    rng = random.Random(people)
    now = dt.datetime.now(dt.UTC)
    first = dt.date(2021, 12, 1)  # documents expiring from 2026-12-01 over five years
    batch: list[Any] = []
    for n in range(people):
        oid = f"{1_100_000_000 + n}"
        admitted = first + dt.timedelta(days=rng.randrange(0, 5 * 365))
        person = Specialist(
            oid,
            specialties=[SpecialtyRecord(code="76", admitted_on=admitted.isoformat())],
            roles=["specialist"],
        )
        due = reminders_of(person)
        if any(r.due_on == TODAY.isoformat() for r in due):
            # Someone the job will read: the whole profile and a confirmed address.
            person.last_name, person.first_name = "Тестов", "Тест"
            person.created_at = person.updated_at = now
            batch.append(person)
            batch.append(Contact(oid, email=f"p{n}@example.ru", email_status="active"))
            batch.extend(due)
        else:
            # Everyone else exists for the job only as rows under other days' keys (it must
            # never read them); their profiles would be ballast in moto's memory.
            batch.extend(
                Reminder(
                    r.due_on, r.reminder_id, oid=oid, kind=r.kind, specialty="76", expires=r.expires
                )
                for r in due
            )
        if len(batch) > 5000:
            _put_direct(batch)
            batch = []
    for e in range(events):
        day = TODAY + dt.timedelta(days=1 + e % 120)
        event_id = f"ev-bench-{e}"
        starts = f"{day.isoformat()}T10:00:00+03:00"
        batch.append(
            CatalogElement(
                event_id,
                kind="event",
                status="published",
                sort_key=f"{day.isoformat()}#{event_id}",
                title=f"Мероприятие {e}",
                specialties=["76"],
                hours=6,
                starts_on=day.isoformat(),
                ends_on=day.isoformat(),
                days=[EventDay(date=day.isoformat(), starts_at=starts, ends_at=starts, hours=6)],
                format="in_person",
                city="Казань",
                address="ул. Бутлерова, 49",
                organizer_id="org-bench",
                created_key=f"{now.isoformat()}#{event_id}",
                created_at=now,
                updated_at=now,
            )
        )
        for r in range(20):
            oid = f"{1_100_000_000 + rng.randrange(people)}"
            # A participant of an event is someone the job reads: give them an address.
            batch.append(Contact(oid, email=f"{oid}@example.ru", email_status="active"))
            batch.append(
                Registration(
                    event_id,
                    oid,
                    registration_id=f"r-{e}-{r}",
                    status="confirmed",
                    specialty="76",
                    registered_key=f"{now.isoformat()}#{event_id}",
                    registered_at=now,
                    updated_at=now,
                    event_title=f"Мероприятие {e}",
                    event_starts_at=starts,
                )
            )
    _put_direct(batch)


def _bare_loop(day: dt.date) -> tuple[int, float]:
    """The floor: the day's Queries alone, every page read, nothing else."""
    from chalicelib.db.models import CatalogElement, Reminder

    started = time.perf_counter()
    rows = len(list(Reminder.query(day.isoformat())))
    tomorrow = (day + dt.timedelta(days=1)).isoformat()
    rows += len(
        list(
            CatalogElement.by_status.query(
                "published", CatalogElement.sort_key.between(f"{tomorrow}#", f"{tomorrow}#\uffff")
            )
        )
    )
    return rows, time.perf_counter() - started


PHASES = ("_documents", "_events_tomorrow", "_attendance", "_digest")


def _per_phase() -> dict[str, list[int]]:
    """Wrap the job's phases to count each one's notices and DynamoDB calls: a reminder about a
    document reads the person's standing, a reminder about tomorrow's event only its list, so
    one figure per notice would move with the mix, not with the population."""
    from chalicelib.db import connection
    from chalicelib.services import reminders

    seen: dict[str, list[int]] = {name: [0, 0] for name in PHASES}
    for name in PHASES:
        stock = getattr(reminders, name)

        def counted(
            today: Any, report: Any, *args: Any, _stock: Any = stock, _n: str = name
        ) -> Any:
            notices, calls = sum(report.counts.values()), sum(connection.call_counter.values())
            try:
                return _stock(today, report, *args)
            finally:
                seen[_n][0] += sum(report.counts.values()) - notices
                seen[_n][1] += sum(connection.call_counter.values()) - calls

        setattr(reminders, name, counted)
    return seen


def run(sizes: list[int], events: int) -> None:
    from chalicelib.db import connection
    from chalicelib.services.reminders import run_daily
    from moto import mock_aws

    phases = _per_phase()
    print(
        f"{'people':>8} {'rows due':>8} {'notices':>7} {'sent':>5} {'calls':>6} "
        f"{'calls/notice':>12} {'documents':>13} {'events':>11} {'seconds':>8} {'s/notice':>8} "
        f"{'bare Query s':>12} {'Scan':>4} {'seed s':>6}"
    )
    print(f"{'':>50} {'notices/calls':>13} {'notices/calls':>11}")
    print("-" * 128)
    for size in sizes:
        with mock_aws():
            connection.unbind()
            connection.create_tables()
            seeded = time.perf_counter()
            _region(size, events)
            _bare_loop(TODAY)  # the store orders each table's keys on its first Query: not timed
            seeded = time.perf_counter() - seeded
            rows, bare = _bare_loop(TODAY)
            mailer = CountingMailer()
            connection.call_counter.clear()
            for counts in phases.values():
                counts[:] = [0, 0]
            started = time.perf_counter()
            report = run_daily(TODAY, mailer=mailer)
            seconds = time.perf_counter() - started
            calls = Counter(connection.call_counter)
            sent = sum(n for k, n in report.counts.items() if k.endswith(":sent"))
            # Every outcome is work the job did: sent, skipped (switched off), met (no mail).
            notices = sum(report.counts.values())
            total = sum(calls.values())
            documents = "{}/{}".format(*phases["_documents"])
            tomorrow = "{}/{}".format(*phases["_events_tomorrow"])
            print(
                f"{size:>8} {rows:>8} {notices:>7} {sent:>5} {total:>6} "
                f"{total / max(notices, 1):>12.1f} {documents:>13} {tomorrow:>11} {seconds:>8.2f} "
                f"{seconds / max(notices, 1):>8.3f} {bare:>12.3f} "
                f"{calls.get('Scan', 0):>4} {seeded:>6.0f}"
            )
            connection.unbind()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,30000,300000")
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    run([int(s) for s in args.sizes.split(",")], args.events)


if __name__ == "__main__":
    main()
