"""An employer's staff list: upload by СНИЛС (CSV or XLSX), check, confirm, apply; and the
employer's view of its staff — status, expiry and missing hours by kind, never the ledger.

An upload is the whole list: rows not in it leave the list. Nothing changes until the caller
confirms (`apply=True`: the CLI's `--apply`, the page's confirm step); a file with any bad row is
refused as a whole with row-numbered Russian messages. Each added or removed person is one
transaction: the staff line and, for a person on the portal who shares with employers, the
counter moves of their placement (services/dashboard_counters.py). An employee's status comes
from their stored placement (BatchGetItem), so a page of staff costs a bounded number of calls;
its cursor is sealed (db/cursors.py), since the list's keys are СНИЛС.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..db import audit_repo, dashboard_repo
from ..db.dashboard_repo import Placement
from ..db.models import Specialist
from ..db.transactions import Transaction
from ..domain.cycles import STATUS_TEXT
from ..domain.dashboard import status_on
from ..domain.dates import today_msk
from ..domain.identifiers import IdentifierError, mask_snils, normalize_snils
from ..domain.specialties import specialty_name
from ..domain.text import clean_text
from ..errors import Conflict, InvalidInput
from . import dashboard_counters
from .sessions import cursor_seal

MAX_ROWS = 5000
MAX_ERRORS = 50
HEADERS = {
    "snils": ("снилс", "snils"),
    "full_name": ("фио", "ф.и.о.", "сотрудник", "full_name", "name"),
    "position": ("должность", "position"),
}
NOT_ON_PORTAL = "not_on_portal"
HIDDEN = "hidden"


@dataclass(frozen=True)
class StaffRow:
    line: int
    snils: str
    full_name: str
    position: str | None


@dataclass
class UploadReport:
    rows: int = 0
    added: int = 0
    removed: int = 0
    kept: int = 0
    applied: bool = False
    errors: list[str] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "added": self.added,
            "removed": self.removed,
            "kept": self.kept,
            "applied": self.applied,
        }


# --- reading the file -----------------------------------------------------------------------------


def cells_from_upload(filename: str, data: bytes) -> list[list[Any]]:
    """Header and rows of an uploaded CSV (UTF-8 or Windows-1251; ; , or tab) or XLSX file."""
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")):
        import zipfile

        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise InvalidInput("Файл не открывается как книга Excel (XLSX).", field="file") from exc
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    if not name.endswith((".csv", ".txt")):
        raise InvalidInput("Поддерживаются файлы CSV и XLSX.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ";"
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise InvalidInput("Файл CSV повреждён.", field="file") from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_rows(cells: Sequence[Sequence[Any]]) -> tuple[list[StaffRow], list[str]]:
    """Rows checked (СНИЛС with its check digits, no repeats), and errors by row number."""
    if not cells:
        return [], ["Файл пуст: нет строки заголовков."]
    names = [_text(h).lower().lstrip("\ufeff") for h in cells[0]]
    columns = {
        key: next((i for i, n in enumerate(names) if n in aliases), None)
        for key, aliases in HEADERS.items()
    }
    if columns["snils"] is None:
        return [], ["Строка 1: нет столбца «СНИЛС»."]
    if len(cells) - 1 > MAX_ROWS:
        return [], [f"В файле больше {MAX_ROWS} строк: разделите список по подразделениям."]
    rows: list[StaffRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}

    def cell(raw: Sequence[Any], key: str) -> str:
        index = columns[key]
        return _text(raw[index]) if index is not None and index < len(raw) else ""

    for line, raw in enumerate(cells[1:], start=2):
        if all(_text(c) == "" for c in raw):
            continue
        try:
            snils = normalize_snils(cell(raw, "snils"))
        except IdentifierError as exc:
            errors.append(f"Строка {line}, СНИЛС: {exc}")
            continue
        if snils in seen:
            errors.append(f"Строка {line}, СНИЛС: повторяет строку {seen[snils]}.")
            continue
        seen[snils] = line
        try:
            full_name = clean_text(
                cell(raw, "full_name"),
                field="full_name",
                label="ФИО",
                max_length=200,
                required=False,
            )
            position = (
                clean_text(
                    cell(raw, "position"),
                    field="position",
                    label="Должность",
                    max_length=200,
                    required=False,
                )
                or None
            )
        except InvalidInput as exc:
            errors.append(f"Строка {line}: {exc.message}")
            continue
        rows.append(StaffRow(line, snils, full_name, position))
    return rows, errors[:MAX_ERRORS] + (
        [f"… и ещё {len(errors) - MAX_ERRORS} ошибок."] if len(errors) > MAX_ERRORS else []
    )


# --- applying ----------------------------------------------------------------------------------


def upload(org_id: str, cells: Sequence[Sequence[Any]], *, apply: bool, actor: str) -> UploadReport:
    """Check a staff list against the stored one; with `apply`, make the stored one equal it."""
    report = UploadReport()
    rows, report.errors = parse_rows(cells)
    report.rows = len(rows)
    if report.errors:
        return report
    current = {m.snils: m for m in dashboard_repo.staff_of(org_id)}
    wanted = {r.snils: r for r in rows}
    added = [r for s, r in wanted.items() if s not in current]
    removed = [s for s in current if s not in wanted]
    report.added, report.removed, report.kept = len(added), len(removed), len(wanted) - len(added)
    if not apply:
        return report
    owners = (
        dashboard_repo.owners_of([r.snils for r in added] + removed) if wanted or removed else {}
    )
    for row in added:
        member = dashboard_repo.staff_member(org_id, row.snils, row.full_name, row.position)
        _change(org_id, row.snils, owners.get(row.snils), add=member)
    for snils in removed:
        _change(org_id, snils, owners.get(snils), add=None)
    audit_repo.append(
        f"org#{org_id}", actor, "staff_list_applied", after=report.view()
    )  # counts only: no СНИЛС or names in the audit
    report.applied = True
    return report


def _change(org_id: str, snils: str, oid: str | None, *, add: Any) -> None:
    """One person joins (`add` = their staff line) or leaves the list, with their counters."""
    from ..db import people_repo

    person = people_repo.get_specialist(oid) if oid else None
    for _ in range(dashboard_counters.MAX_SYNC_ATTEMPTS):
        tx = Transaction()
        if add is not None:
            dashboard_repo.put_staff(tx, add)
        else:
            dashboard_repo.delete_staff(tx, org_id, snils)
        if person is not None:
            fresh, old, new = dashboard_counters.prepared(person)
            # The stored placement says whom the person is counted for (the index may lag).
            known = old.orgs if old.version is not None else new.orgs
            others = [o for o in known if o != org_id]
            orgs = sorted([*others, org_id] if add is not None else others)
            if fresh.shares_with_employer is False:
                orgs = []
            new = Placement(orgs[: dashboard_repo.MAX_EMPLOYERS], new.items)
            dashboard_repo.add_moves(tx, fresh.oid, old, new)
        if tx.committed():
            return
    raise Conflict("Список сотрудников сейчас меняют: повторите загрузку.", code="busy")


# --- the employer's view -----------------------------------------------------------------------


PAGE_SIZE = 50


def staff_view(
    org_id: str, today: dt.date | None = None, params: dict[str, str] | None = None
) -> dict[str, Any]:
    """A page of the staff list (`limit`, `cursor`; СНИЛС order): each employee on the portal or
    not, and for those who share with the employer each cycle's status, expiry and missing hours
    by kind. A page costs one Query and at most two BatchGetItem, whatever the list's size."""
    params = params or {}
    try:
        limit = int(params.get("limit") or PAGE_SIZE)
    except ValueError as exc:
        raise InvalidInput(_LIMIT_TEXT, field="limit") from exc
    if not 1 <= limit <= dashboard_repo.STAFF_PAGE_MAX:
        raise InvalidInput(_LIMIT_TEXT, field="limit")
    seal = cursor_seal()
    try:
        cursor = dashboard_repo.decode_staff_cursor(params.get("cursor"), org_id, seal)
    except ValueError as exc:
        raise InvalidInput("Неверный курсор страницы.", field="cursor") from exc
    today = today or today_msk()
    members, last = dashboard_repo.staff_page(org_id, cursor=cursor, limit=limit)
    return {
        "organization_id": org_id,
        "as_of": today.isoformat(),
        "items": staff_rows(org_id, members, today),
        "cursor": dashboard_repo.encode_staff_cursor(last, seal),
    }


_LIMIT_TEXT = f"Параметр limit — целое число от 1 до {dashboard_repo.STAFF_PAGE_MAX}."


def staff_rows(org_id: str, members: list[Any], today: dt.date) -> list[dict[str, Any]]:
    """The lines of these staff members (at most 100: one BatchGetItem of owners, one of their
    placements). Whoever switched sharing off, or is not counted for this employer, shows
    nothing of theirs."""
    owners = dashboard_repo.owners_of([m.snils for m in members]) if members else {}
    placements = dashboard_repo.placements_of(list(owners.values())) if owners else {}
    items = []
    for member in members:
        oid = owners.get(member.snils)
        placement = placements.get(oid) if oid else None
        row: dict[str, Any] = {
            "snils": mask_snils(member.snils),
            "full_name": member.full_name,
            "position": member.position,
        }
        if oid is None:
            row.update(state=NOT_ON_PORTAL, state_text="ещё не входил на портал", cycles=[])
        elif placement is None or org_id not in placement.orgs:
            # Sharing switched off (or not counted for this employer yet): nothing of theirs.
            row.update(
                state=HIDDEN, state_text="сотрудник не открыл данные работодателю", cycles=[]
            )
        else:
            row.update(
                state="shared",
                state_text="данные открыты",
                cycles=[_cycle_row(c, today) for c in placement.items],
            )
        items.append(row)
    return items


def _cycle_row(item: Any, today: dt.date) -> dict[str, Any]:
    status = status_on(item, today)
    return {
        "specialty": item.specialty,
        "specialty_name": specialty_name(item.specialty),
        "expires": item.expires.isoformat(),
        "status": status,
        "status_text": STATUS_TEXT[status],
        "missing": {
            "dpp_pk": 0 if item.met else item.missing_dpp_pk,
            "any": 0 if item.met else item.missing_any,
        },
    }


def employer_of(person: Specialist) -> str:
    if not person.organization_id:
        raise InvalidInput("Роль работодателя не привязана к организации.", field="organization")
    return str(person.organization_id)


def export(org_id: str, today: dt.date | None = None) -> tuple[bytes, str, str]:
    """The employer's whole staff view as XLSX: one line per employee and cycle, read in slices
    of `STAFF_PAGE_MAX` (bounded calls per slice, memory for the rows only)."""
    from .spreadsheet import XLSX_TYPE, add_table, new_workbook, workbook_bytes

    today = today or today_msk()

    def rows() -> Any:
        members = dashboard_repo.staff_of(org_id)
        while chunk := list(itertools.islice(members, dashboard_repo.STAFF_PAGE_MAX)):
            yield from staff_rows(org_id, chunk, today)

    def lines() -> Any:
        for row in rows():
            if not row["cycles"]:
                yield [row["snils"], row["full_name"], row["position"], row["state_text"]]
                continue
            for cycle in row["cycles"]:
                yield [
                    row["snils"],
                    row["full_name"],
                    row["position"],
                    row["state_text"],
                    cycle["specialty_name"],
                    cycle["expires"],
                    cycle["status_text"],
                    cycle["missing"]["dpp_pk"],
                    cycle["missing"]["any"],
                ]

    columns = [
        ("СНИЛС", 16, "text"),
        ("ФИО (из вашего списка)", 32, "text"),
        ("Должность", 20, "text"),
        ("Данные", 28, "text"),
        ("Специальность", 32, "text"),
        ("Документ действует до", 14, "date"),
        ("Статус", 24, "text"),
        ("Не хватает ДПП ПК, ч", 12, "number"),
        ("Не хватает прочих, ч", 12, "number"),
    ]
    book = new_workbook()
    padded = ([*line, *([None] * (len(columns) - len(line)))] for line in lines())
    add_table(book, "Сотрудники", columns, padded)
    return workbook_bytes(book), XLSX_TYPE, f"nmo-staff-{today.isoformat()}.xlsx"
