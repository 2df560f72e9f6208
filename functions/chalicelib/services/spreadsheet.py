"""One way to write a table into an XLSX workbook: a bold frozen header row with an autofilter,
column widths, real date cells shown ДД.ММ.ГГГГ, and text that a spreadsheet never runs.

Titles come from organizers and providers, so they are not trusted: openpyxl stores a string
starting with "=" as a formula unless the cell is forced to text, which every text cell here is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

# The media type of every workbook the API sends.
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD.MM.YYYY"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula (CSV injection): text starting with
    = + - @ gets an apostrophe; None becomes empty."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def new_workbook() -> Any:
    """An empty workbook (no default sheet): tables are added with `add_table`."""
    from openpyxl import Workbook  # imported on use: only exports need it

    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    return book


def workbook_bytes(book: Any) -> bytes:
    import io

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def add_table(
    book: Any,
    title: str,
    columns: Sequence[tuple[str, int, str]],
    rows: Iterable[Sequence[Any]],
) -> Any:
    """A sheet `title` with `columns` as (header, width, "text" | "number" | "date")."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title[:31])
    sheet.append([header for header, _, _ in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    count = 0
    for row in rows:
        count += 1
        sheet.append([_value(v, kind) for v, (_, _, kind) in zip(row, columns, strict=True)])
        for cell, (_, _, kind) in zip(sheet[sheet.max_row], columns, strict=True):
            if kind == "date" and cell.value is not None:
                cell.number_format = DATE_FORMAT
            elif kind == "text" and cell.value is not None:
                cell.data_type = "s"
    for index, (_, width, _) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    return sheet


def _value(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "date":
        if isinstance(value, dt.date):
            return value
        return dt.date.fromisoformat(str(value)[:10])
    if kind == "number":
        return float(value) if not isinstance(value, int) else value
    return str(value)
