"""`nmo credits import`: providers' completions matched by СНИЛС, kept until first login, idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from chalicelib.db import audit_repo, credits_repo
from chalicelib.db.models import CatalogElement, CreditRecord, PendingCredit
from chalicelib.domain.identifiers import format_snils
from chalicelib.services import credits
from nmo_cli.cli import main
from openpyxl import Workbook

from tests.people import make_person, valid_snils

HEADER = "СНИЛС;Элемент;Часы;Дата завершения;Номер документа"


def _element(element_id: str, kind: str = "dpp_pk", hours: int = 36, specialties=("76",)) -> None:
    now = dt.datetime.now(dt.UTC)
    CatalogElement(
        element_id=element_id,
        kind=kind,
        status="published",
        sort_key=f"9999-12-31#{element_id}",
        title=f"Программа {element_id}",
        hours=hours,
        specialties=list(specialties),
        organizer_id="org-1",
        created_key=f"{now.isoformat()}#{element_id}",
        created_at=now,
        updated_at=now,
    ).save()


@pytest.fixture
def catalog(dynamodb: None) -> None:
    _element("dpp-cardio-36")
    _element("iom-ecg", kind="iom", hours=4)
    _element("congress", kind="event", hours=6)


def _write(tmp_path: Path, lines: list[str], encoding: str = "cp1251") -> Path:
    path = tmp_path / "provider.csv"
    path.write_bytes("\r\n".join([HEADER, *lines]).encode(encoding))
    return path


def test_import_credits_known_people_and_keeps_the_rest_until_they_log_in(
    catalog: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor = make_person("1000000051", specialties=[("76", "2023-03-15")])
    newcomer = valid_snils(4242)
    path = _write(
        tmp_path,
        [
            f"{format_snils(doctor.snils)};dpp-cardio-36;36;12.09.2024;УД-001",
            f"{newcomer};iom-ecg;4,0;2024-10-01;",
        ],
    )
    assert main(["credits", "import", str(path)]) == 0  # a dry run writes nothing
    assert "ошибок нет" in capsys.readouterr().out
    assert list(CreditRecord.query(doctor.oid)) == []

    assert main(["credits", "import", str(path), "--apply"]) == 0
    out = capsys.readouterr().out
    assert "зачтено: 1" in out and "1 новых" in out
    (cycle,) = credits.cycles_view(doctor)
    assert cycle["earned"]["dpp_pk"] == 36
    assert [p.hours for p in PendingCredit.query(newcomer)] == [4]
    history = audit_repo.history(credits_repo.person_subject(doctor.oid))
    assert [e.action for e in history] == ["credit_imported"]

    # The same file again: nothing new anywhere.
    assert main(["credits", "import", str(path), "--apply"]) == 0
    out = capsys.readouterr().out
    assert "зачтено: 0" in out and "уже были зачтены: 1" in out and "1 уже ждали" in out
    assert len(list(CreditRecord.query(doctor.oid))) == 1


def test_pending_rows_are_applied_once_at_first_login(catalog: None, tmp_path: Path) -> None:
    snils = valid_snils(777)
    path = _write(tmp_path, [f"{snils};iom-ecg;4;2024-10-01;"], encoding="utf-8")
    assert main(["credits", "import", str(path), "--apply"]) == 0
    person = make_person("1000000052", specialties=[("76", "2023-03-15")], snils=snils)
    assert credits.apply_pending_credits(person) == 1
    assert credits.apply_pending_credits(person) == 0
    assert list(PendingCredit.query(snils)) == []
    (record,) = CreditRecord.query(person.oid)
    assert (record.kind, record.hours, record.source) == ("iom", 4, "provider_import")
    assert credits.cycles_view(person)[0]["earned"]["other"] == 4
    # A re-run of the provider's file now finds the person and changes nothing.
    assert main(["credits", "import", str(path), "--apply"]) == 0
    assert len(list(CreditRecord.query(person.oid))) == 1


def test_every_bad_row_is_reported_by_number_and_nothing_is_written(
    catalog: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor = make_person("1000000053", specialties=[("76", "2023-03-15")])
    s = doctor.snils
    path = _write(
        tmp_path,
        [
            f"{s};dpp-cardio-36;36;2024-09-12;УД-1",
            "123-456-789 00;dpp-cardio-36;36;2024-09-12;УД-2",
            f"{s};dpp-cardio-36;много;2024-09-12;УД-3",
            f"{s};dpp-cardio-36;36;2999-01-01;УД-4",
            f"{s};нет-такого;36;2024-09-12;УД-5",
            f"{s};congress;6;2024-09-12;",
            f"{s};dpp-cardio-36;36;2024-09-13;",
            f"{s};dpp-cardio-36;36;2024-09-12;УД-1",
        ],
    )
    assert main(["credits", "import", str(path), "--apply"]) == 1
    err = capsys.readouterr().err
    for line in (3, 4, 5, 9):
        assert f"Строка {line}:" in err
    assert "Контрольное число СНИЛС" in err and "повторяет строку 2" in err
    assert "Ничего не импортировано" in err
    assert list(CreditRecord.query(doctor.oid)) == []


def test_catalog_problems_are_reported_by_row(
    catalog: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = valid_snils(11)
    path = _write(
        tmp_path,
        [
            f"{s};нет-такого;36;2024-09-12;УД-5",
            f"{s};congress;6;2024-09-12;",
            f"{s};dpp-cardio-36;36;2024-09-13;",
            f"{s};iom-ecg;40;2024-09-13;",
            f"{s};iom-ecg;5;2024-09-14;",
            f"{s};dpp-cardio-36;18;2024-09-15;УД-7",
        ],
    )
    assert main(["credits", "import", str(path), "--apply"]) == 1
    err = capsys.readouterr().err
    assert "Строка 2: элемент «нет-такого» не найден" in err
    assert "Строка 3:" in err and "по индивидуальным кодам" in err
    assert "Строка 4: для ДПП ПК нужен номер удостоверения" in err
    assert "Строка 5: 40 ч — вне допустимого для «ИОМ» (1–6 ч)" in err  # bounds from rule data
    assert "Строка 6: 5 ч больше, чем у элемента (4 ч)" in err
    # A programme counts only in full: half of a 36-hour ДПП ПК is the provider's error.
    assert "Строка 7: ДПП ПК «Программа dpp-cardio-36» засчитывается только целиком — 36 ч" in err
    assert list(PendingCredit.query(s)) == []


def test_xlsx_with_date_cells_imports_like_csv(catalog: None, tmp_path: Path) -> None:
    doctor = make_person("1000000054", specialties=[("76", "2023-03-15")])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["снилс", "элемент", "часы", "дата завершения", "номер документа"])
    sheet.append([doctor.snils, "dpp-cardio-36", 36, dt.datetime(2024, 9, 12), "УД-9"])
    path = tmp_path / "provider.xlsx"
    book.save(path)
    assert main(["credits", "import", str(path), "--apply"]) == 0
    (record,) = CreditRecord.query(doctor.oid)
    assert (record.completed_on, record.document) == ("2024-09-12", "УД-9")


def test_operator_correction_moves_hours_and_shows_in_the_persons_history(
    catalog: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doctor = make_person("1000000055", specialties=[("76", "2023-03-15")])
    path = _write(tmp_path, [f"{doctor.snils};dpp-cardio-36;36;2024-09-12;УД-7"])
    assert main(["credits", "import", str(path), "--apply"]) == 0
    (record,) = CreditRecord.query(doctor.oid)

    assert (
        main(
            [
                "credits",
                "correct",
                doctor.oid,
                record.record_id,
                "--hours",
                "18",
                "--completed-on",
                "2025-04-01",
                "--reason",
                "ошибка провайдера",
            ]
        )
        == 0
    )
    (fixed,) = CreditRecord.query(doctor.oid)
    assert (fixed.hours, fixed.completed_on) == (18, "2025-04-01")
    (cycle,) = credits.cycles_view(doctor)
    assert cycle["earned"]["dpp_pk"] == 18
    assert [y["earned"] for y in cycle["by_year"]] == [0, 0, 18, 0, 0]
    entry = audit_repo.history(credits_repo.person_subject(doctor.oid))[0]
    assert entry.action == "credit_corrected" and entry.before["hours"] == 36
    assert entry.after["reason"] == "ошибка провайдера"

    assert (
        main(
            [
                "credits",
                "correct",
                doctor.oid,
                fixed.record_id,
                "--delete",
                "--reason",
                "зачтено ошибочно",
            ]
        )
        == 0
    )
    assert list(CreditRecord.query(doctor.oid)) == []
    assert credits.cycles_view(doctor)[0]["earned"]["total"] == 0
    # A correction without a reason is refused.
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["credits", "correct", doctor.oid, "x"])


def test_a_provider_file_in_utf16_reads_like_any_other(catalog: None, tmp_path: Path) -> None:
    # Excel's «Unicode text»: the one provider-file reader (nmo_cli/provider_files.py) knows it.
    from nmo_cli.credits_import import read_cells

    path = tmp_path / "rows.csv"
    path.write_bytes(
        (HEADER + "\r\n" + "112-233-445 95;dpp-cardio-36;36;2024-09-12;УД-9\r\n").encode("utf-16")
    )
    cells = read_cells(path)
    assert cells[0][0] == "СНИЛС" and cells[1][1] == "dpp-cardio-36"
