"""Providers' lists of ДПП ПК programs and ИОМ modules (CSV or XLSX) into the catalog.

Two passes over the file: the first validates every row (row-numbered Russian messages, duplicated
rows, missing columns) and writes nothing; the second, only when asked, re-reads the file and
imports the rows found valid. Nothing is held per row but a short digest, so 100k-row files stay
small in memory. Element ids come from the provider's ИНН and its own code
(`imported_element_id`), so importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from chalicelib.domain.catalog import imported_element_id
from chalicelib.domain.identifiers import IdentifierError, normalize_inn
from chalicelib.domain.specialties import is_known_specialty
from chalicelib.domain.text import clean_text
from chalicelib.errors import InvalidInput
from chalicelib.services.roles import organization_id_for_inn
from tqdm import tqdm

from nmo_cli.provider_files import ImportFileError, SourceFile

MAX_ERRORS_SHOWN = 200
_WRITE_CHUNK = 500

# field → accepted column headings (lower case, «ё» as «е», single spaces)
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("код", "код программы", "код элемента", "code"),
    "title": ("название", "наименование", "название программы", "title"),
    "kind": ("вид", "тип", "вид элемента", "kind"),
    "hours": ("часы", "часов", "трудоемкость", "трудоемкость, ч", "зет", "hours"),
    "specialties": ("специальности", "специальность", "коды специальностей", "specialties"),
    "dates": ("даты", "сроки", "даты проведения", "dates"),
    "starts_on": ("дата начала", "начало", "starts_on"),
    "ends_on": ("дата окончания", "окончание", "ends_on"),
    "provider": ("провайдер", "организация", "поставщик", "provider"),
    "provider_inn": ("инн провайдера", "инн", "provider_inn"),
    "format": ("формат", "форма обучения", "format"),
    "city": ("город", "city"),
    "address": ("адрес", "address"),
    "url": ("ссылка", "url", "адрес в интернете"),
    "description": ("описание", "description"),
}
REQUIRED = ("code", "title", "kind", "hours", "specialties")
LABELS = {
    "code": "код",
    "title": "название",
    "kind": "вид",
    "hours": "часы",
    "specialties": "специальности",
    "dates": "даты",
    "starts_on": "дата начала",
    "ends_on": "дата окончания",
    "provider": "провайдер",
    "provider_inn": "ИНН провайдера",
    "format": "формат",
    "city": "город",
    "address": "адрес",
    "url": "ссылка",
    "description": "описание",
}
_KINDS = {
    "дпппк": "dpp_pk",
    "дпп": "dpp_pk",
    "пк": "dpp_pk",
    "повышениеквалификации": "dpp_pk",
    "dpp_pk": "dpp_pk",
    "иом": "iom",
    "модуль": "iom",
    "интерактивныйобразовательныймодуль": "iom",
    "iom": "iom",
}
_FORMATS = {
    "очно": "in_person",
    "очная": "in_person",
    "онлайн": "online",
    "дистанционно": "online",
    "дистанционная": "online",
    "заочно": "online",
    "заочная": "online",
    "in_person": "in_person",
    "online": "online",
}
_DATE_RANGE = re.compile(r"^\s*(\S+)\s*(?:[-–—]|по|\.\.)\s*(\S+)\s*$")
_SPLIT_SPECIALTIES = re.compile(r"[;,\s]+")


class RowError(ValueError):
    """One row is wrong; the message names the column, in Russian."""


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    error_count: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # the first MAX_ERRORS_SHOWN
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    applied: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid_rows: set[int] = field(default_factory=set, repr=False)

    def error(self, row: int, message: str) -> None:
        self.error_count += 1
        self.invalid_rows.add(row)
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append((row, message))


# ---- reading -------------------------------------------------------------------------------


def _heading(value: object) -> str:
    text = str(value or "").replace("\ufeff", "").strip().lower().replace("ё", "е")
    return re.sub(r"\s+", " ", text).rstrip(":*").strip()


_BY_HEADING = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}


def map_columns(header: list[Any]) -> tuple[dict[str, int], list[str]]:
    """field → column index, and the headings that are not ours (reported, not fatal)."""
    mapping: dict[str, int] = {}
    ignored = []
    for index, raw in enumerate(header):
        heading = _heading(raw)
        if not heading:
            continue
        name = _BY_HEADING.get(heading)
        if name is None:
            ignored.append(str(raw).strip())
            continue
        if name in mapping:
            raise ImportFileError(
                f"Колонка «{LABELS[name]}» встречается в заголовке дважды "
                f"(столбцы {mapping[name] + 1} и {index + 1})."
            )
        mapping[name] = index
    missing = [LABELS[n] for n in REQUIRED if n not in mapping]
    if missing:
        raise ImportFileError(
            "В файле нет обязательных колонок: "
            + ", ".join(f"«{m}»" for m in missing)
            + ". Первая строка должна содержать заголовки: код; название; вид; часы; "
            "специальности (см. образец functions/nmo_cli/samples/)."
        )
    return mapping, ignored


# ---- one row -------------------------------------------------------------------------------


def _text(cells: list[Any], mapping: dict[str, int], name: str) -> Any:
    index = mapping.get(name)
    if index is None or index >= len(cells):
        return None
    value = cells[index]
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _clean(value: Any, name: str, max_length: int, *, required: bool = False) -> str:
    if value is not None and not isinstance(value, str):
        value = str(value)
    try:
        return clean_text(
            value, field=name, label=LABELS[name], max_length=max_length, required=required
        )
    except InvalidInput as exc:
        raise RowError(exc.message) from exc


_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@functools.lru_cache(maxsize=4096)
def _parse_date_text(text: str) -> str | None:
    """ISO date of `ДД.ММ.ГГГГ` or `ГГГГ-ММ-ДД`, or None. Cached: a file repeats its dates."""
    if match := _DMY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _YMD.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _date(value: Any, name: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    parsed = _parse_date_text(text)
    if parsed is None:
        raise RowError(f"«{LABELS[name]}»: «{text[:40]}» — не дата (ДД.ММ.ГГГГ или ГГГГ-ММ-ДД).")
    return parsed


def _dates(cells: list[Any], mapping: dict[str, int]) -> tuple[str | None, str | None]:
    starts, ends = _text(cells, mapping, "starts_on"), _text(cells, mapping, "ends_on")
    combined = _text(cells, mapping, "dates")
    start: str | None
    end: str | None
    if combined is not None and starts is None and ends is None:
        if isinstance(combined, dt.date):
            starts = ends = combined
        else:
            match = _DATE_RANGE.match(str(combined))
            if match:
                starts, ends = match.group(1), match.group(2)
            else:
                starts = ends = combined
        start = _date(starts, "dates")
        end = _date(ends, "dates")
    else:
        start = _date(starts, "starts_on") if starts is not None else None
        end = _date(ends, "ends_on") if ends is not None else None
    if end and not start:
        raise RowError("«дата окончания» указана без даты начала.")
    if start and not end:
        end = start
    if start and end and end < start:
        raise RowError("Дата окончания раньше даты начала.")
    return start, end


def _hours(value: Any, kind: str) -> int:
    if value is None:
        raise RowError("«часы»: не заполнено.")
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"«часы»: «{text[:20]}» — не число.") from None
    if not number.is_integer():
        raise RowError("«часы»: целое число академических часов.")
    from chalicelib.domain.catalog import KINDS_SHORT
    from chalicelib.domain.rules import rule_book

    # Bounds are data (reference/rule_sets.json): ДПП ПК from 16 h; the cap catches typos like 3600.
    bounds = rule_book().hours_of(kind)
    if not bounds.contains(number):
        raise RowError(
            f"«часы»: у {KINDS_SHORT[kind]} от {bounds.min_hours:g} до {bounds.max_hours:g} ч, "
            f"указано {int(number)}."
        )
    return int(number)


def _specialties(value: Any) -> list[str]:
    if value is None:
        raise RowError("«специальности»: не указано ни одного кода V021.")
    codes = [c for c in _SPLIT_SPECIALTIES.split(str(value).strip()) if c]
    codes = [c[:-2] if c.endswith(".0") else c for c in codes]
    if not codes:
        raise RowError("«специальности»: не указано ни одного кода V021.")
    unknown = [c for c in codes if not is_known_specialty(c)]
    if unknown:
        shown = ", ".join(u[:10] for u in unknown[:5])
        raise RowError(f"«специальности»: нет в справочнике V021: {shown}.")
    return list(dict.fromkeys(codes))


def _url(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if not re.fullmatch(r"https://[^\s<>\"']{3,500}", text):
        raise RowError("«ссылка»: адрес должен начинаться с https:// и не содержать пробелов.")
    return text


@functools.lru_cache(maxsize=1024)
def _checked_inn(value: str) -> str | IdentifierError:
    try:
        return normalize_inn(value, kind="organization")
    except IdentifierError as exc:
        return exc


def _organization_inn(value: str) -> str:
    """A file names few providers many times: each distinct value is checked once."""
    checked = _checked_inn(value)
    if isinstance(checked, IdentifierError):
        raise RowError(f"«ИНН провайдера»: {checked}")
    return checked


@dataclass(frozen=True)
class ProviderDefaults:
    inn: str | None = None
    name: str | None = None


def parse_row(
    cells: list[Any], mapping: dict[str, int], provider: ProviderDefaults
) -> dict[str, Any]:
    """One row → an element dict (the shape `catalog_writer.element_from_dict` takes)."""
    code = _clean(_text(cells, mapping, "code"), "code", 64, required=True)
    title = _clean(_text(cells, mapping, "title"), "title", 300, required=True)
    raw_kind = _text(cells, mapping, "kind")
    kind = _KINDS.get(re.sub(r"[\s.\-]", "", str(raw_kind or "").lower()))
    if kind is None:
        raise RowError(
            f"«вид»: «{str(raw_kind or '')[:30]}» — ожидается «ДПП ПК» или «ИОМ» "
            "(мероприятия организаторы вносят на портале)."
        )
    hours = _hours(_text(cells, mapping, "hours"), kind)
    specialties = _specialties(_text(cells, mapping, "specialties"))
    starts_on, ends_on = _dates(cells, mapping)
    inn_value = _text(cells, mapping, "provider_inn")
    if inn_value is None and provider.inn is None:
        raise RowError("«ИНН провайдера»: не заполнено (или укажите --provider-inn).")
    inn = _organization_inn(str(inn_value or provider.inn))
    if provider.inn and inn != provider.inn:
        raise RowError(f"«ИНН провайдера»: {inn} не совпадает с --provider-inn {provider.inn}.")
    provider_name = _clean(_text(cells, mapping, "provider"), "provider", 300) or (
        provider.name or f"Организация (ИНН {inn})"
    )
    city = _clean(_text(cells, mapping, "city"), "city", 100) or None
    address = _clean(_text(cells, mapping, "address"), "address", 300) or None
    raw_format = _text(cells, mapping, "format")
    if raw_format is None:
        fmt = "in_person" if (kind == "dpp_pk" and (city or address)) else "online"
    else:
        fmt = _FORMATS.get(str(raw_format).strip().lower())  # type: ignore[assignment]
        if fmt is None:
            raise RowError(f"«формат»: «{str(raw_format)[:20]}» — ожидается «очно» или «онлайн».")
    if kind == "iom" and fmt != "online":
        raise RowError("«формат»: ИОМ проходят онлайн.")
    try:
        description = clean_text(
            _text(cells, mapping, "description"),
            field="description",
            label="описание",
            max_length=5000,
            required=False,
            multiline=True,
        )
    except InvalidInput as exc:
        raise RowError(exc.message) from exc
    return {
        "element_id": imported_element_id(kind, inn, code),
        "kind": kind,
        "status": "published",
        "title": title,
        "description": description,
        "program": "",
        "specialties": specialties,
        "hours": hours,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "days": [],
        "format": fmt,
        "city": city if fmt == "in_person" else None,
        "address": address if fmt == "in_person" else None,
        "url": _url(_text(cells, mapping, "url")),
        "contact": None,
        "organizer_id": f"org-{inn}",  # organization_id_for_inn, the ИНН being checked already
        "organizer_name": provider_name,
        "external_id": code,
        "created_by": "catalog-import",
        "capacity": None,
    }


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=12).digest()


# ---- the file ------------------------------------------------------------------------------


def _progress(total: int | None, desc: str, show: bool) -> Any:
    return tqdm(total=total, desc=desc, unit=" строк", file=sys.stderr, disable=not show)


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _parsed_rows(
    source: SourceFile, provider: ProviderDefaults, report: ImportReport | None
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(row number, element) for each non-empty row; element None for an invalid row (the
    error goes to `report` when given). Duplicates are judged here, so both passes agree."""
    mapping: dict[str, int] | None = None
    first_by_key: dict[bytes, int] = {}
    first_by_content: dict[bytes, int] = {}
    for number, cells in source.rows():
        if mapping is None:
            mapping, ignored = map_columns(source.header)
            if report is not None:
                report.ignored_columns = ignored
        if _blank(cells):
            continue
        try:
            element = parse_row(cells, mapping, provider)
        except RowError as exc:
            if report is not None:
                report.error(number, str(exc))
            yield number, None
            continue
        content = _digest(*(str(c).strip() if c is not None else "" for c in cells))
        key = _digest(element["organizer_id"], element["external_id"].casefold())
        same_row = first_by_content.get(content)
        same_code = first_by_key.get(key)
        if same_row is not None or same_code is not None:
            if report is not None:
                if same_row is not None:
                    report.error(number, f"строка повторяет строку {same_row}.")
                else:
                    report.error(
                        number,
                        f"код «{element['external_id']}» этого провайдера уже был "
                        f"в строке {same_code}.",
                    )
            yield number, None
            continue
        first_by_content[content] = number
        first_by_key[key] = number
        yield number, element
    if mapping is None:
        map_columns(source.header)  # a file with a header only, or empty: name what is missing


def _provider_defaults(provider_inn: str | None) -> ProviderDefaults:
    if provider_inn is None:
        return ProviderDefaults()
    try:
        inn = normalize_inn(provider_inn, kind="organization")
    except IdentifierError as exc:
        raise ImportFileError(f"--provider-inn: {exc}") from None
    from chalicelib.db import people_repo

    org = people_repo.get_organization(organization_id_for_inn(inn))
    return ProviderDefaults(inn=inn, name=org.name if org else None)


def import_catalog(
    path: Path | str,
    *,
    apply: bool = False,
    provider_inn: str | None = None,
    show_progress: bool = True,
    on_write: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate the whole file; with `apply`, then import its valid rows (and only them)."""
    source = SourceFile(Path(path))
    source.open()
    provider = _provider_defaults(provider_inn)
    report = ImportReport(encoding=source.encoding, delimiter=source.delimiter)
    with _progress(None, "проверка", show_progress) as bar:
        for _, element in _parsed_rows(source, provider, report):
            report.rows += 1
            report.valid += element is not None
            bar.update(1)
    if not apply or report.valid == 0:
        return report
    _write(source, provider, report, show_progress, on_write)
    report.applied = True
    return report


def _write(
    source: SourceFile,
    provider: ProviderDefaults,
    report: ImportReport,
    show_progress: bool,
    on_write: Callable[[int], None] | None,
) -> None:
    from chalicelib.db.connection import ensure_bound
    from chalicelib.domain.dates import utcnow

    from .catalog_writer import chunks, element_from_dict, store_elements

    ensure_bound()
    organizations: dict[str, str] = {}
    ensured: set[str] = set()
    with _progress(report.valid, "загрузка", show_progress) as bar:
        valid = (
            element
            for number, element in _parsed_rows(source, provider, None)
            if element is not None and number not in report.invalid_rows
        )
        for chunk in chunks(valid, _WRITE_CHUNK):
            now = utcnow()
            for element in chunk:
                organizations.setdefault(element["organizer_id"], element["organizer_name"])
            _ensure_organizations(organizations, ensured, now)
            result = store_elements(
                [element_from_dict(e, now) for e in chunk],
                update_existing=True,
                on_stored=bar.update,
            )
            report.created += result.created
            report.updated += result.updated
            report.unchanged += result.unchanged
            if on_write:
                on_write(len(chunk))


def _ensure_organizations(names: dict[str, str], ensured: set[str], now: dt.datetime) -> None:
    """Providers named in the file become organisations (once; an existing one is kept)."""
    from chalicelib.db import people_repo
    from chalicelib.db.models import Organization
    from pynamodb.exceptions import PutError

    for org_id, name in names.items():
        if org_id in ensured:
            continue
        if people_repo.get_organization(org_id) is None:
            try:
                Organization(
                    org_id, name=name, inn=org_id.removeprefix("org-"), created_at=now
                ).save(condition=Organization.org_id.does_not_exist())
            except PutError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
        ensured.add(org_id)


def format_report(report: ImportReport) -> list[str]:
    """What the command prints: the totals, then each error with its row number."""
    lines = [
        f"строк с данными: {report.rows}; без ошибок: {report.valid}; "
        f"с ошибками: {len(report.invalid_rows)}"
    ]
    if report.encoding:
        delimiter = {";": "«;»", ",": "«,»", "\t": "табуляция"}.get(report.delimiter or "", "")
        lines.append(f"кодировка: {report.encoding}; разделитель: {delimiter}")
    if report.ignored_columns:
        lines.append(
            "колонки не используются: " + ", ".join(f"«{c}»" for c in report.ignored_columns)
        )
    for row, message in report.errors:
        lines.append(f"строка {row}: {message}")
    if report.error_count > len(report.errors):
        lines.append(f"… и ещё ошибок: {report.error_count - len(report.errors)}")
    if report.applied:
        lines.append(
            f"загружено: новых {report.created}, обновлено {report.updated}, "
            f"без изменений {report.unchanged}"
        )
    elif report.valid:
        lines.append("пробный запуск: в каталог ничего не записано (загрузить: --apply)")
    return lines


def write_report(report: ImportReport, out: IO[str]) -> None:
    for line in format_report(report):
        print(line, file=out)
