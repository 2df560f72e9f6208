"""The whole credit record as a file: CSV (Excel-friendly), JSON, XLSX. Only ever for its owner.

CSV is UTF-8 with a BOM and `;` between fields: Excel with Russian regional settings opens such a
file correctly with a double click (a comma-separated file lands in one column there). Cells that
a spreadsheet would run as a formula (=, +, -, @ at the start) are prefixed with an apostrophe:
titles come from organizers and providers, so they are not trusted.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from ..db.models import Specialist
from ..domain.dates import today_msk
from ..domain.identifiers import IdentifierError, mask_snils
from ..domain.text import full_name
from ..errors import InvalidInput
from ..jsontext import dumps
from . import credits
from .spreadsheet import XLSX_TYPE, csv_safe

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": XLSX_TYPE,
}
COLUMNS = (
    ("completed_on", "Дата завершения"),
    ("kind_name", "Вид"),
    ("title", "Название"),
    ("hours", "ЗЕТ (часы)"),
    ("specialty", "Код специальности"),
    ("specialty_name", "Специальность"),
    ("source_name", "Источник"),
    ("document", "Документ"),
    ("id", "Идентификатор записи"),
)


def _full_name(person: Specialist) -> str:
    return full_name(person.last_name, person.first_name, person.middle_name)


def export(person: Specialist, fmt: str | None) -> tuple[bytes, str, str]:
    """(body, content type, file name) of the person's record in a format."""
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise InvalidInput("Формат выгрузки: csv, json или xlsx.", field="format")
    rows = credits.all_credits(person)
    stamp = today_msk().isoformat()
    filename = f"nmo-zachet-{stamp}.{fmt}"
    if fmt == "json":
        return _json(person, rows), FORMATS[fmt], filename
    if fmt == "xlsx":
        return _xlsx(person, rows), FORMATS[fmt], filename
    return _csv(rows), FORMATS[fmt], filename


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for row in rows:
        writer.writerow([csv_safe(row.get(key)) for key, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json(person: Specialist, rows: list[dict[str, Any]]) -> bytes:
    try:
        snils = mask_snils(person.snils) if person.snils else None
    except IdentifierError:
        snils = None
    data = {
        "person": {"full_name": _full_name(person), "snils_masked": snils},
        "exported_on": today_msk().isoformat(),
        "cycles": credits.cycles_view(person),
        "credits": rows,
    }
    return dumps(data).encode("utf-8")


def _xlsx(person: Specialist, rows: list[dict[str, Any]]) -> bytes:
    from .spreadsheet import add_table, new_workbook, workbook_bytes

    book = new_workbook()
    add_table(
        book,
        "Зачтённые элементы",
        [
            ("Дата завершения", 14, "date"),
            ("Вид", 14, "text"),
            ("Название", 50, "text"),
            ("ЗЕТ (часы)", 10, "number"),
            ("Код специальности", 10, "text"),
            ("Специальность", 30, "text"),
            ("Источник", 30, "text"),
            ("Документ", 24, "text"),
            ("Зачтено в цикл", 40, "text"),
            ("Идентификатор записи", 34, "text"),
        ],
        [
            [
                row["completed_on"],
                row["kind_name"],
                row["title"],
                row["hours"],
                row["specialty"],
                row["specialty_name"],
                row["source_name"],
                row["document"],
                "да" if row.get("counted", True) else row.get("not_counted_reason"),
                row["id"],
            ]
            for row in rows
        ],
    )
    add_table(
        book,
        "Циклы",
        [
            ("Специальность", 30, "text"),
            ("Документ от", 12, "date"),
            ("Действует до", 12, "date"),
            ("Требуется, ч", 12, "number"),
            ("Засчитано, ч", 12, "number"),
            ("ДПП ПК, ч", 10, "number"),
            ("Статус", 24, "text"),
            ("Итог", 80, "text"),
        ],
        [
            [
                f"{cycle['specialty']} {cycle['specialty_name']}",
                cycle["starts"],
                cycle["expires"],
                cycle["required"]["total"],
                cycle["earned"]["total"],
                cycle["earned"]["dpp_pk"],
                cycle["status_text"],
                cycle["summary"],
            ]
            for cycle in credits.cycles_view(person)
        ],
    )
    add_table(
        book,
        "Сведения",
        [("Показатель", 24, "text"), ("Значение", 50, "text")],
        [
            ["ФИО", _full_name(person)],
            ["Дата выгрузки", today_msk().strftime("%d.%m.%Y")],
        ],
    )
    return workbook_bytes(book)
