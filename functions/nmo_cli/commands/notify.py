"""`nmo notify run [--today DATE] [--dry-run]`: the daily notifications job by hand (the cloud
runs it on a schedule, `make run` on a timer); `nmo notify reindex`: rewrite every person's dated
reminders (an admin batch over all people, e.g. after importing profiles)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any


def register(sub: Any) -> None:
    notify = sub.add_parser("notify", help="уведомления и напоминания")
    commands = notify.add_subparsers(dest="notify_command", required=True)
    run = commands.add_parser("run", help="разослать сегодняшние напоминания и сводки")
    run.add_argument("--today", default=None, help="дата ГГГГ-ММ-ДД вместо сегодняшней (МСК)")
    run.add_argument("--dry-run", action="store_true", help="только посчитать, ничего не слать")
    run.set_defaults(func=run_job)
    reindex = commands.add_parser("reindex", help="пересчитать даты напоминаний всех людей")
    reindex.set_defaults(func=run_reindex)


def run_job(args: argparse.Namespace) -> int:
    from chalicelib.services.reminders import run_daily

    today = None
    if args.today:
        try:
            today = dt.date.fromisoformat(args.today)
        except ValueError:
            print("nmo: --today: ожидается дата ГГГГ-ММ-ДД", file=sys.stderr)
            return 2
    report = run_daily(today, dry_run=args.dry_run)
    label = " (без отправки)" if args.dry_run else ""
    print(f"Уведомления за {report.day.isoformat()}{label}:")
    for key, count in sorted(report.counts.items()):
        print(f"  {key}: {count}")
    if not report.counts:
        print("  ничего не причитается")
    return 0


def run_reindex(args: argparse.Namespace) -> int:
    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import Specialist
    from chalicelib.services.reminders import reschedule

    ensure_bound()
    count = 0
    for person in Specialist.scan():  # an admin batch, never a request path
        if person.specialties:
            reschedule(None, person)
            count += 1
    print(f"Напоминания пересчитаны для {count} человек.")
    return 0
