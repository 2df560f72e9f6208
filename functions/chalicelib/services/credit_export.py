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
from ..domain.identifiers import IdentifierError, mask_snils
from ..errors import InvalidInput
from . import credits

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _full_name(person: Specialist) -> str:
    return " ".join(p for p in (person.last_name, person.first_name, person.middle_name) if p)


def export(person: Specialist, fmt: str | None) -> tuple[bytes, str, str]:
    """(body, content type, file name) of the person's record in a format."""
    fmt = (fmt or "csv").lower()
    if fmt not in FORMATS:
        raise InvalidInput("Формат выгрузки: csv, json или xlsx.", field="format")
    rows = credits.all_credits(person)
    stamp = credits.today_msk().isoformat()
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
        writer.writerow([_safe_cell(row.get(key)) for key, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _json(person: Specialist, rows: list[dict[str, Any]]) -> bytes:
    from ..http import dumps

    try:
        snils = mask_snils(person.snils) if person.snils else None
    except IdentifierError:
        snils = None
    data = {
        "person": {"full_name": _full_name(person), "snils_masked": snils},
        "exported_on": credits.today_msk().isoformat(),
        "cycles": credits.cycles_view(person),
        "credits": rows,
    }
    return dumps(data).encode("utf-8")


def _xlsx(person: Specialist, rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook  # imported on use: only exports need it

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Зачтённые элементы"
    sheet.append([f"Учёт ЗЕТ: {_full_name(person)}"])
    sheet.append([title for _, title in COLUMNS])
    for row in rows:
        sheet.append([_safe_cell(row.get(key)) for key, _ in COLUMNS])
    # openpyxl would store a string starting with "=" as a formula: force every text cell to text.
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for column, width in zip("ABCDEFGHI", (14, 14, 50, 10, 10, 30, 30, 24, 34), strict=True):
        sheet.column_dimensions[column].width = width
    summary = book.create_sheet("Циклы")
    summary.append(
        ["Специальность", "Начало", "Окончание", "Требуется", "Набрано", "ДПП ПК", "Статус"]
    )
    for cycle in credits.cycles_view(person):
        summary.append(
            [
                f"{cycle['specialty']} {cycle['specialty_name']}",
                cycle["starts"],
                cycle["ends"],
                cycle["required"]["total"],
                cycle["earned"]["total"],
                cycle["earned"]["dpp_pk"],
                cycle["status_text"],
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
