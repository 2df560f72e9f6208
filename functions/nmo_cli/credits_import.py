"""Import of ДПП ПК and ИОМ completions posted by providers (CSV or XLSX) into people's records.

Columns (header names in Russian or English, any order): СНИЛС, элемент (catalog element id),
часы, дата завершения (ГГГГ-ММ-ДД or ДД.ММ.ГГГГ), номер документа (required for ДПП ПК), and
optionally специальность (V021 code, when the element is accredited for several). Every row is
validated first; any error stops the whole import with row-numbered messages. Rows are matched to
people by СНИЛС; rows of people who have not logged in yet are kept (PendingCredit) and applied at
their first login. Re-running the same file changes nothing: record ids derive from the row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .provider_files import ImportFileError, SourceFile

HEADERS = {
    "snils": ("снилс", "snils"),
    "element": ("элемент", "element", "element_id", "код элемента", "идентификатор элемента"),
    "hours": ("часы", "hours", "зет", "часов"),
    "completed_on": ("дата завершения", "completed_on", "дата", "date"),
    "document": ("номер документа", "document", "документ", "номер удостоверения"),
    "specialty": ("специальность", "specialty", "код специальности"),
}
REQUIRED = ("snils", "element", "hours", "completed_on")
MAX_ROWS = 100_000
MAX_HOURS = 1000


@dataclass
class Row:
    line: int
    snils: str
    element_id: str
    hours: float
    completed_on: str
    document: str | None
    specialty: str | None
    kind: str = ""
    title: str = ""
    specialties: list[str] = field(default_factory=list)


@dataclass
class Report:
    rows: int = 0
    credited: int = 0
    already: int = 0
    pending_new: int = 0
    pending_kept: int = 0
    errors: list[str] = field(default_factory=list)


def read_cells(path: Path) -> list[list[Any]]:
    """The header and every row of a CSV or XLSX file (the one provider-file reader)."""
    source = SourceFile(path)
    source.open()
    rows = [cells for _, cells in source.rows()]
    return [source.header, *rows] if source.header or rows else []


def _header_map(header: list[Any]) -> tuple[dict[str, int], list[str]]:
    names = [str(h or "").strip().lower().lstrip("\ufeff") for h in header]
    found: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
                break
    missing = [HEADERS[k][0] for k in REQUIRED if k not in found]
    return found, missing


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _parse_hours(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = _text(value).replace(",", ".").replace(" ", "")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return None
    return float(text)


def parse_rows(cells: list[list[Any]], today: dt.date) -> tuple[list[Row], list[str]]:
    """Rows checked for form (not yet against the catalog), and Russian errors by row number."""
    from chalicelib.domain.identifiers import IdentifierError, normalize_snils
    from chalicelib.domain.specialties import is_known_specialty

    if not cells:
        return [], ["Файл пуст: нет строки заголовков."]
    columns, missing = _header_map(cells[0])
    if missing:
        return [], [f"Строка 1: нет столбцов: {', '.join(missing)}."]
    if len(cells) - 1 > MAX_ROWS:
        return [], [f"В файле больше {MAX_ROWS} строк: разделите его на части."]
    rows: list[Row] = []
    errors: list[str] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for line, raw in enumerate(cells[1:], start=2):
        if all(_text(c) == "" for c in raw):
            continue

        def cell(key: str, raw: list[Any] = raw) -> Any:
            index = columns.get(key)
            return raw[index] if index is not None and index < len(raw) else None

        problems = []
        try:
            snils = normalize_snils(_text(cell("snils")))
        except IdentifierError as exc:
            problems.append(str(exc))
            snils = ""
        element_id = _text(cell("element"))
        if not element_id or len(element_id) > 100:
            problems.append("не указан элемент каталога (его идентификатор).")
        hours = _parse_hours(cell("hours"))
        if hours is None or not 0 < hours <= MAX_HOURS:
            problems.append(f"часы — положительное число не больше {MAX_HOURS}.")
        completed = _parse_date(cell("completed_on"))
        if completed is None:
            problems.append("дата завершения — в формате ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.")
        elif completed > today:
            problems.append("дата завершения в будущем.")
        document = _text(cell("document")) or None
        if document is not None and len(document) > 100:
            problems.append("номер документа длиннее 100 символов.")
        specialty = _text(cell("specialty")) or None
        if specialty is not None and not is_known_specialty(specialty):
            problems.append("специальность не из справочника V021.")
        if problems:
            errors.append(f"Строка {line}: " + " ".join(problems))
            continue
        assert hours is not None and completed is not None
        key = (snils, element_id, completed.isoformat(), document or "")
        if key in seen:
            errors.append(f"Строка {line}: повторяет строку {seen[key]}.")
            continue
        seen[key] = line
        rows.append(Row(line, snils, element_id, hours, completed.isoformat(), document, specialty))
    return rows, errors


def check_against_catalog(rows: Iterable[Row]) -> list[str]:
    """Fill kind, title and specialties from the catalog; Russian errors by row number."""
    from chalicelib.db import catalog_repo
    from chalicelib.domain.catalog import KINDS_SHORT
    from chalicelib.domain.rules import rule_book

    errors = []
    cache: dict[str, Any] = {}
    for row in rows:
        if row.element_id not in cache:
            cache[row.element_id] = catalog_repo.get_element(row.element_id)
        element = cache[row.element_id]
        if element is None:
            errors.append(f"Строка {row.line}: элемент «{row.element_id}» не найден в каталоге.")
            continue
        if element.kind not in ("dpp_pk", "iom"):
            errors.append(
                f"Строка {row.line}: «{element.title}» — мероприятие; мероприятия зачитываются "
                "по индивидуальным кодам, а не импортом."
            )
            continue
        if element.kind == "dpp_pk" and not row.document:
            errors.append(
                f"Строка {row.line}: для ДПП ПК нужен номер удостоверения (столбец «номер "
                "документа»)."
            )
            continue
        bounds = rule_book().hours_of(element.kind)
        if not bounds.contains(row.hours):
            errors.append(
                f"Строка {row.line}: {row.hours:g} ч — вне допустимого для «{KINDS_SHORT[element.kind]}» "
                f"({bounds.min_hours:g}–{bounds.max_hours:g} ч)."
            )
            continue
        if row.hours > float(element.hours):
            errors.append(
                f"Строка {row.line}: {row.hours:g} ч больше, чем у элемента ({float(element.hours):g} ч)."
            )
            continue
        if element.kind == "dpp_pk" and row.hours < float(element.hours):
            # A programme counts only when it was completed in full (the удостоверение is issued
            # for the whole programme): a partial row is a provider's error, not a smaller credit.
            errors.append(
                f"Строка {row.line}: ДПП ПК «{element.title}» засчитывается только целиком — "
                f"{float(element.hours):g} ч, в строке {row.hours:g} ч."
            )
            continue
        specialties = [str(s) for s in element.specialties or []]
        if not specialties:
            errors.append(f"Строка {row.line}: у элемента нет аккредитованных специальностей.")
            continue
        if row.specialty is not None and row.specialty not in specialties:
            errors.append(
                f"Строка {row.line}: элемент не аккредитован по специальности {row.specialty}."
            )
            continue
        row.kind = element.kind
        row.title = element.title
        row.specialties = [row.specialty] if row.specialty else specialties
    return errors


def apply_rows(rows: list[Row], report: Report) -> None:
    from chalicelib.services import provider_credits
    from chalicelib.services.provider_credits import Completion, Outcome

    counters = {
        Outcome.CREDITED: "credited",
        Outcome.ALREADY: "already",
        Outcome.KEPT: "pending_new",
        Outcome.ALREADY_KEPT: "pending_kept",
    }
    for row in rows:
        outcome = provider_credits.accept(
            Completion(
                snils=row.snils,
                element_id=row.element_id,
                kind=row.kind,
                title=row.title,
                hours=row.hours,
                completed_on=row.completed_on,
                document=row.document,
                specialties=row.specialties,
            )
        )
        name = counters[outcome]
        setattr(report, name, getattr(report, name) + 1)


def run_import(path: Path, *, apply: bool, today: dt.date | None = None) -> Report:
    from chalicelib.domain.dates import today_msk

    report = Report()
    try:
        cells = read_cells(path)
    except ImportFileError as exc:
        report.errors.append(str(exc))
        return report
    except (OSError, ValueError, KeyError) as exc:
        report.errors.append(f"Не удалось прочитать файл: {type(exc).__name__}.")
        return report
    rows, errors = parse_rows(cells, today or today_msk())
    report.rows = len(rows) + len(errors)
    if not errors:
        errors = check_against_catalog(rows)
    report.errors = errors
    if errors or not apply:
        return report
    apply_rows(rows, report)
    return report
