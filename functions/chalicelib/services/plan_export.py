"""The learning plan as files: XLSX (every cycle's plan and projection) and one `.ics` with the
planned events still ahead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import registrations_repo
from ..db.models import Specialist
from ..errors import InvalidInput
from . import plan
from .event_calendars import calendar_file
from .spreadsheet import XLSX_TYPE

ICS = "text/calendar; charset=utf-8"


def export(person: Specialist, fmt: str | None) -> tuple[bytes, str, str]:
    if fmt == "xlsx":
        return _xlsx(plan.plan_view(person)), XLSX_TYPE, "plan-nmo.xlsx"
    if fmt == "ics":
        ids = plan.planned_events(person)
        events = registrations_repo.events_by_id(ids) if ids else {}
        published = [e for i in ids if (e := events.get(i)) is not None and e.status == "published"]
        body = calendar_file("План обучения НМО: мероприятия", published)
        return body.encode("utf-8"), ICS, "plan-nmo.ics"
    raise InvalidInput("Формат выгрузки плана: xlsx или ics.", field="format")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _xlsx(view: dict[str, Any]) -> bytes:
    from .spreadsheet import add_table, new_workbook, workbook_bytes

    book = new_workbook()
    add_table(
        book,
        "План",
        [
            ("Специальность", 30, "text"),
            ("Вид", 14, "text"),
            ("Название", 60, "text"),
            ("ЗЕТ (часы)", 11, "number"),
            ("Начало", 12, "date"),
            ("Окончание", 12, "date"),
            ("Пройдено", 10, "text"),
            ("Предупреждения", 60, "text"),
        ],
        [
            [
                cycle["specialty_name"],
                item["kind_name"],
                item["title"],
                item["hours"],
                _date(item["starts_on"]),
                _date(item["ends_on"]),
                "да" if item["done"] else "нет",
                " ".join(w["text"] for w in item["warnings"]),
            ]
            for cycle in view["cycles"]
            for item in cycle["items"]
        ],
    )
    add_table(
        book,
        "Прогноз",
        [
            ("Специальность", 30, "text"),
            ("Документ действует до", 14, "date"),
            ("Требуется, ч", 12, "number"),
            ("Засчитано, ч", 12, "number"),
            ("В плане ДПП ПК, ч", 14, "number"),
            ("В плане прочее, ч", 14, "number"),
            ("С планом, ч", 12, "number"),
            ("Не покрыто, ч", 12, "number"),
            ("Итог", 70, "text"),
        ],
        [
            [
                cycle["specialty_name"],
                _date(cycle["expires"]),
                cycle["required"]["total"],
                cycle["earned"]["total"],
                cycle["planned"]["dpp_pk"],
                cycle["planned"]["other"],
                cycle["projected"]["total"],
                cycle["uncovered"]["total"],
                cycle["summary"],
            ]
            for cycle in view["cycles"]
        ],
    )
    return workbook_bytes(book)
