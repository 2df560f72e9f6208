"""After the event: the organizer's participant list (JSON, CSV, XLSX — names, never СНИЛС) and
attendance minutes per day, which issue a confirmation code to everyone over the threshold."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from ..db import audit_repo, registrations_repo
from ..db.models import CatalogElement, Registration, Specialist
from ..domain.catalog import PUBLIC_STATUSES
from ..domain.dates import parse_iso_date, ru_date, utcnow
from ..domain.events import code_expires_on, day_is_over, earns_code, required_minutes, rules
from ..domain.specialties import specialty_name
from ..errors import Conflict, InvalidInput
from .organizer_events import own_event
from .spreadsheet import XLSX_TYPE, csv_safe

STATUS_NAMES = {
    "confirmed": "подтверждена",
    "waitlisted": "лист ожидания",
    "cancelled": "отменена участником",
    "event_cancelled": "мероприятие отменено",
}


def _ordered(regs: list[Registration]) -> list[tuple[Registration, int | None]]:
    """Confirmed first, then the line in ticket order with its 1-based position, then the rest."""
    confirmed = sorted((r for r in regs if r.status == "confirmed"), key=lambda r: r.registered_key)
    waiting = sorted((r for r in regs if r.status == "waitlisted"), key=lambda r: r.wait_seq or 0)
    rest = sorted(
        (r for r in regs if r.status not in ("confirmed", "waitlisted")),
        key=lambda r: r.registered_key,
    )
    rows: list[tuple[Registration, int | None]] = [(r, None) for r in confirmed]
    rows += [(r, i + 1) for i, r in enumerate(waiting)]
    rows += [(r, None) for r in rest]
    return rows


def _participant(reg: Registration, position: int | None, event: CatalogElement) -> dict[str, Any]:
    attendance = registrations_repo.as_dict(reg.attendance)
    codes = registrations_repo.as_dict(reg.codes)
    status = "event_cancelled" if event.status == "cancelled" else reg.status
    return {
        "registration_id": reg.registration_id,
        "full_name": reg.full_name,
        "specialty": {"code": reg.specialty, "name": specialty_name(reg.specialty)},
        "status": status,
        "position": position,
        "registered_at": reg.registered_at,
        "days": [
            {
                "day": d.date,
                "minutes": int(attendance[d.date]) if d.date in attendance else None,
                "code_issued": d.date in codes,
                "code_expires_on": code_expires_on(d.date) if d.date in codes else None,
            }
            for d in event.days
        ],
    }


def _table(event: CatalogElement, rows: list[dict[str, Any]]) -> list[list[Any]]:
    header = ["№", "Код записи", "ФИО", "Специальность", "Статус", "Место в очереди"]
    for d in event.days:
        header += [f"{ru_date(d.date)}: минут", f"{ru_date(d.date)}: код выдан"]
    table: list[list[Any]] = [header]
    for i, row in enumerate(rows, start=1):
        line = [
            i,
            row["registration_id"],
            row["full_name"],
            row["specialty"]["name"],
            STATUS_NAMES.get(row["status"], row["status"]),
            row["position"] or "",
        ]
        for day in row["days"]:
            line += [
                "" if day["minutes"] is None else day["minutes"],
                "да" if day["code_issued"] else "",
            ]
        table.append(line)
    return table


def participants(person: Specialist, event_id: str, fmt: str) -> tuple[Any, str, str]:
    """(body, content type, file name) of the event's participant list in `fmt`."""
    event = own_event(person, event_id)
    regs = list(registrations_repo.iter_for_event(event_id))
    rows = [_participant(r, pos, event) for r, pos in _ordered(regs)]
    if fmt == "json":
        return {"event_id": event_id, "title": event.title, "items": rows}, "json", ""
    table = _table(event, rows)
    name = f"participants-{event_id}"
    if fmt == "csv":
        out = io.StringIO()
        # Semicolons and a BOM: what Russian-locale Excel opens correctly by double-click.
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerows([[csv_safe(v) for v in line] for line in table])
        return "\ufeff" + out.getvalue(), "text/csv; charset=utf-8", name + ".csv"
    from .spreadsheet import add_table, new_workbook, workbook_bytes

    book = new_workbook()
    kinds = ["number", "text", "text", "text", "text", "number"] + ["number", "text"] * len(
        event.days
    )
    widths = [5, 20, 36, 28, 20, 10] + [12, 10] * len(event.days)
    add_table(
        book,
        "Участники",
        list(zip(table[0], widths, kinds, strict=True)),
        table[1:],
    )
    return (
        workbook_bytes(book),
        XLSX_TYPE,
        name + ".xlsx",
    )


def _parse_records(body: dict[str, Any], event: CatalogElement) -> list[tuple[str, str, int]]:
    records = body.get("records")
    limit = rules()["attendance_records_per_request"]
    if not isinstance(records, list) or not records:
        raise InvalidInput("Передайте список посещаемости (records).", field="records")
    if len(records) > limit:
        raise InvalidInput(f"Не больше {limit} строк посещаемости за раз.", field="records")
    days = {d.date: d for d in event.days}
    now = utcnow()
    seen: set[tuple[str, str]] = set()
    parsed = []
    for i, raw in enumerate(records):
        if not isinstance(raw, dict):
            raise InvalidInput("Строка посещаемости: ожидается объект.", field=f"records[{i}]")
        reg_id = raw.get("registration_id")
        if not isinstance(reg_id, str) or not reg_id or len(reg_id) > 64:
            raise InvalidInput("Укажите код записи.", field=f"records[{i}].registration_id")
        day = parse_iso_date(raw.get("day"), field=f"records[{i}].day", label="День").isoformat()
        if day not in days:
            raise InvalidInput("Такого дня нет в программе мероприятия.", field=f"records[{i}].day")
        if not day_is_over(days[day].ends_at, now):
            raise InvalidInput(
                f"День {ru_date(day)} ещё не закончился: посещаемость вносится после него.",
                field=f"records[{i}].day",
            )
        length = dt.datetime.fromisoformat(days[day].ends_at) - dt.datetime.fromisoformat(
            days[day].starts_at
        )
        most = int(length.total_seconds() // 60)
        minutes = raw.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= most:
            raise InvalidInput(
                f"Минуты присутствия — целое число от 0 до {most}.",
                field=f"records[{i}].minutes",
            )
        if (reg_id, day) in seen:
            raise InvalidInput(
                "Эта запись на этот день уже есть выше в списке.", field=f"records[{i}]"
            )
        seen.add((reg_id, day))
        parsed.append((reg_id, day, minutes))
    return parsed


def record_attendance(person: Specialist, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Store minutes per registration and day; issue a code to each attendee over the threshold,
    once per person, day and specialty (re-posting issues nothing new)."""
    event = own_event(person, event_id)
    if event.status not in PUBLIC_STATUSES:
        raise Conflict(
            "Посещаемость вносится только для проведённого опубликованного мероприятия.",
            code="not_published",
        )
    records = _parse_records(body, event)
    by_id = {r.registration_id: r for r in registrations_repo.iter_for_event(event_id)}
    for i, (reg_id, _day, _minutes) in enumerate(records):
        reg = by_id.get(reg_id)
        if reg is None or reg.status != "confirmed":
            raise InvalidInput(
                "Нет такой подтверждённой записи на это мероприятие.",
                field=f"records[{i}].registration_id",
            )
    hours = {d.date: float(d.hours) for d in event.days}
    results = []
    issued = 0
    for reg_id, day, minutes in records:
        reg = by_id[reg_id]
        over = earns_code(minutes, hours[day])
        code_fields = (
            {
                "event_id": event_id,
                "day": day,
                "specialty": reg.specialty,
                "hours": hours[day],
                "title": event.title,
                "issued_to": reg.oid,
                "expires_on": code_expires_on(day),
            }
            if over
            else None
        )
        audit = audit_repo.new_entry(
            f"event#{event_id}",
            person.oid,
            "code_issued",
            before={"registration": reg_id, "day": day, "code": None},
            after={"registration": reg_id, "day": day, "code": "issued"},
        )
        item = registrations_repo.record_attendance(reg, day, minutes, code_fields, audit)
        if item is not None:
            issued += 1
            reg.codes = {**registrations_repo.as_dict(reg.codes), day: item.code}
        results.append(
            {
                "registration_id": reg_id,
                "day": day,
                "minutes": minutes,
                "required_minutes": required_minutes(hours[day]),
                "code_issued": day in registrations_repo.as_dict(reg.codes),
            }
        )
    return {"issued": issued, "items": results}
