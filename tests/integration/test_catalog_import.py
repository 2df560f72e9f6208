"""`nmo catalog import`: providers' files checked in full, imported only when asked, idempotent."""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path

import pytest
from chalicelib.db.models import CatalogElement, Organization, SpecialtyListing
from nmo_cli.catalog_import import ImportFileError, format_report, import_catalog

SAMPLE = Path(__file__).resolve().parents[2] / "functions" / "nmo_cli" / "samples"
HEADER = ["код", "название", "вид", "часы", "специальности", "даты", "провайдер", "ИНН провайдера"]
UNIVERSITY = "7604001017"


def row(code: str, title: str = "Актуальные вопросы терапии", kind: str = "ДПП ПК", hours="36",
        specialties="76;39", dates="01.02.2027–06.02.2027", inn=UNIVERSITY) -> list[str]:  # fmt: skip
    return [code, title, kind, str(hours), specialties, dates, "Медицинский университет", inn]


def write_csv(path: Path, rows: list[list[str]], *, encoding="utf-8", delimiter=";",
              header=HEADER) -> Path:  # fmt: skip
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def elements() -> list[CatalogElement]:
    return list(CatalogElement.scan())


def listed(specialty: str) -> list[str]:
    return [x.title for x in SpecialtyListing.query(specialty)]


def run(path: Path, **kwargs):
    return import_catalog(path, show_progress=False, **kwargs)


def test_dry_run_checks_the_sample_and_writes_nothing(dynamodb):
    report = run(SAMPLE / "catalog_sample.csv")
    assert report.rows == report.valid == 6
    assert report.error_count == 0
    assert not report.applied
    assert elements() == []
    assert "пробный запуск" in "\n".join(format_report(report))


def test_apply_puts_the_sample_into_the_specialty_listings(dynamodb):
    report = run(SAMPLE / "catalog_sample.csv", apply=True)
    assert (report.created, report.updated, report.unchanged) == (6, 0, 0)
    assert "Актуальные вопросы терапии" in listed("76")
    assert "Сестринский уход за пациентами терапевтического профиля" in listed("219")
    imported = {e.external_id: e for e in elements()}
    assert imported["ПК-ТЕР-036"].status == "published"
    assert imported["ПК-ТЕР-036"].format == "in_person"
    assert imported["ПК-ТЕР-036"].city == "Ярославль"
    assert imported["ИОМ-ТЕР-001"].kind == "iom"
    assert int(imported["ПК-ТЕР-144"].hours) == 144
    assert Organization.get(f"org-{UNIVERSITY}").inn == UNIVERSITY


def test_importing_the_same_file_again_duplicates_nothing(dynamodb):
    run(SAMPLE / "catalog_sample.csv", apply=True)
    before = sorted(listed("76"))
    again = run(SAMPLE / "catalog_sample.csv", apply=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert len(elements()) == 6
    assert sorted(listed("76")) == before


def test_a_changed_row_updates_its_element_and_moves_its_listings(dynamodb, tmp_path):
    run(write_csv(tmp_path / "a.csv", [row("P-1")]), apply=True)
    changed = write_csv(tmp_path / "b.csv", [row("P-1", title="Терапия 2027", specialties="76")])
    report = run(changed, apply=True)
    assert (report.created, report.updated) == (0, 1)
    (element,) = elements()
    assert element.title == "Терапия 2027"
    assert element.version == 1
    assert listed("76") == ["Терапия 2027"]
    assert listed("39") == []


def test_windows_1251_file_with_commas_reads_the_same_as_utf8(dynamodb, tmp_path):
    rows = [row("P-1"), row("P-2", title="Сестринское дело: уход за пациентами", specialties="219")]
    cp = run(write_csv(tmp_path / "cp.csv", rows, encoding="cp1251", delimiter=","), apply=True)
    assert (cp.encoding, cp.delimiter, cp.valid) == ("cp1251", ",", 2)
    assert listed("219") == ["Сестринское дело: уход за пациентами"]
    bom = run(write_csv(tmp_path / "bom.csv", rows, encoding="utf-8-sig"), apply=True)
    assert (bom.encoding, bom.valid, bom.unchanged) == ("utf-8-sig", 2, 2)


def test_missing_columns_are_named_and_nothing_is_written(dynamodb, tmp_path):
    path = write_csv(
        tmp_path / "short.csv", [["P-1", "Терапия", "36"]], header=["код", "название", "часы"]
    )
    with pytest.raises(ImportFileError) as failure:
        run(path, apply=True)
    assert "«вид»" in str(failure.value) and "«специальности»" in str(failure.value)
    assert elements() == []


def test_every_bad_row_is_reported_by_number_and_only_valid_rows_are_imported(dynamodb, tmp_path):
    rows = [
        row("OK-1"),
        row("BAD-HOURS", hours="тридцать"),
        row("BAD-SPEC", specialties="76;777"),
        row("BAD-INN", inn="7604001018"),
        row("BAD-KIND", kind="конференция"),
        row("BAD-DATE", dates="31.02.2027"),
        row("BAD-ORDER", dates="10.02.2027–01.02.2027"),
        row("BAD-IOM", kind="ИОМ", hours="12"),
        row("", title="Без кода"),
        row("BAD-HTML", title="\x00<script>alert(1)</script>"),
        row("OK-2", kind="ИОМ", hours="2", dates=""),
    ]
    report = run(write_csv(tmp_path / "bad.csv", rows), apply=True)
    by_row = dict(report.errors)
    assert set(by_row) == {3, 4, 5, 6, 7, 8, 9, 10, 11}
    assert "часы" in by_row[3]
    assert "777" in by_row[4]
    assert "ИНН" in by_row[5]
    assert "ДПП ПК" in by_row[6]
    assert "дата" in by_row[7].lower()
    assert "раньше" in by_row[8]
    assert "от 1 до 6" in by_row[9]
    assert "код" in by_row[10]
    lines = format_report(report)
    assert "строка 4: «специальности»: нет в справочнике V021: 777." in lines
    assert sorted(e.external_id for e in elements()) == ["OK-1", "OK-2"]


def test_duplicated_rows_and_codes_are_reported_with_the_first_row(dynamodb, tmp_path):
    rows = [row("P-1"), row("P-2"), row("P-1"), row("P-2", title="Другая программа")]
    report = run(write_csv(tmp_path / "dup.csv", rows), apply=True)
    assert dict(report.errors) == {
        4: "строка повторяет строку 2.",
        5: "код «P-2» этого провайдера уже был в строке 3.",
    }
    assert report.created == 2
    assert sorted(e.title for e in elements()) == ["Актуальные вопросы терапии"] * 2


def test_provider_inn_option_fills_in_a_file_without_the_column(dynamodb, tmp_path):
    header = HEADER[:6]
    path = write_csv(tmp_path / "p.csv", [row("P-1")[:6]], header=header)
    with_option = run(path, apply=True, provider_inn=UNIVERSITY)
    assert with_option.created == 1
    assert elements()[0].organizer_id == f"org-{UNIVERSITY}"
    without = run(path)
    assert "ИНН провайдера" in without.errors[0][1]
    with pytest.raises(ImportFileError):
        run(path, provider_inn="123")


def test_xlsx_file_is_read_from_its_first_sheet(dynamodb, tmp_path):
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Код", "Наименование", "Вид", "Часы", "Специальности", "Дата начала",
                  "Дата окончания", "ИНН провайдера"])  # fmt: skip
    sheet.append(["X-1", "Неврология: актуальные вопросы", "ДПП ПК", 72, "35; 76",
                  dt.datetime(2027, 4, 5), dt.datetime(2027, 4, 16), int(UNIVERSITY)])  # fmt: skip
    sheet.append(["X-2", "Инсульт. Разбор клинического случая", "ИОМ", 3.0, 35, None, None,
                  UNIVERSITY])  # fmt: skip
    path = tmp_path / "list.xlsx"
    book.save(path)
    report = run(path, apply=True)
    assert (report.valid, report.error_count, report.created) == (2, 0, 2)
    by_code = {e.external_id: e for e in elements()}
    assert (by_code["X-1"].starts_on, by_code["X-1"].ends_on) == ("2027-04-05", "2027-04-16")
    assert by_code["X-2"].specialties == ["35"]


def test_a_file_that_is_not_a_spreadsheet_is_refused(dynamodb, tmp_path):
    fake = tmp_path / "list.xlsx"
    fake.write_bytes(b"\x00\x01 not a zip")
    with pytest.raises(ImportFileError, match="XLSX"):
        run(fake)
    with pytest.raises(ImportFileError, match="CSV и XLSX"):
        pdf = tmp_path / "list.pdf"
        pdf.write_bytes(b"%PDF-1.4")
        run(pdf)


def write_big(path: Path, n: int) -> Path:
    """n programs, every 10,000th with a wrong number of hours, and row 5's code once more."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        for i in range(n):
            bad = i % 10_000 == 7
            writer.writerow(row(f"P-{i}", title=f"Программа {i}", hours="0" if bad else "36"))
        writer.writerow(row("P-5"))
    return path


def test_100k_rows_are_all_checked_with_row_numbers(dynamodb, tmp_path):
    report = run(write_big(tmp_path / "big.csv", 100_000))
    assert report.rows == 100_001
    assert report.error_count == 11
    assert report.valid == 100_001 - 11
    assert report.errors[0] == (9, "«часы»: у ДПП ПК от 16 до 500 ч, указано 0.")
    assert report.errors[-1] == (100_002, "код «P-5» этого провайдера уже был в строке 7.")
    assert elements() == []


def test_checking_keeps_digests_not_rows_in_memory(dynamodb, tmp_path):
    path = write_big(tmp_path / "mid.csv", 10_000)
    tracemalloc.start()
    try:
        report = run(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.valid == 10_000 - 1 + 1 - 1
    # 10k rows kept as element dicts would take ~20 MB; the digest maps take ~4
    assert peak < 6 * 1024 * 1024, peak
