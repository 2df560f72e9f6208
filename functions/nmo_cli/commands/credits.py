"""`nmo credits import FILE.csv|xlsx [--apply]`: providers' completions into people's records;
`nmo credits correct OID RECORD_ID --reason …`: an operator's audited correction."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _import(args: argparse.Namespace) -> int:
    from ..credits_import import run_import

    path = Path(args.file)
    if not path.is_file():
        print(f"Файл не найден: {path}", file=sys.stderr)
        return 2
    report = run_import(path, apply=args.apply)
    for message in report.errors:
        print(message, file=sys.stderr)
    if report.errors:
        print(
            f"Ошибок: {len(report.errors)}. Ничего не импортировано: исправьте файл.",
            file=sys.stderr,
        )
        return 1
    if not args.apply:
        print(f"Проверено строк: {report.rows}, ошибок нет. Для записи запустите с --apply.")
        return 0
    print(
        f"Строк: {report.rows}; зачтено: {report.credited}; уже были зачтены: {report.already}; "
        f"ждут первого входа человека: {report.pending_new} новых, {report.pending_kept} уже ждали."
    )
    return 0


def _correct(args: argparse.Namespace) -> int:
    from chalicelib.db import people_repo
    from chalicelib.errors import DomainError
    from chalicelib.services.credits import correct_credit

    person = people_repo.get_specialist(args.oid)
    if person is None:
        print("Специалист с таким oid не найден.", file=sys.stderr)
        return 2
    try:
        result = correct_credit(
            person,
            args.record_id,
            hours=args.hours,
            completed_on=args.completed_on,
            specialty=args.specialty,
            delete=args.delete,
            reason=args.reason,
        )
    except DomainError as exc:
        print(f"Ошибка: {exc.message}", file=sys.stderr)
        return 2
    if result is None:
        print("Запись удалена; итоги циклов пересчитаны, изменение записано в историю.")
    else:
        print(
            f"Запись исправлена: {result['hours']} ч, {result['completed_on']}, "
            f"специальность {result['specialty']} (новый идентификатор {result['id']})."
        )
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "credits", help="учёт ЗЕТ: импорт данных провайдеров, исправления"
    )
    sub = parser.add_subparsers(dest="credits_command", required=True)
    imp = sub.add_parser(
        "import",
        help="импорт завершений ДПП ПК и ИОМ из CSV/XLSX (СНИЛС, элемент, часы, дата, документ)",
    )
    imp.add_argument("file", help="файл CSV (UTF-8 или Windows-1251) или XLSX")
    imp.add_argument(
        "--apply", action="store_true", help="записать (без флага — только проверка файла)"
    )
    imp.set_defaults(func=_import)
    fix = sub.add_parser(
        "correct",
        help="исправить или удалить запись о зачёте (с причиной; видно человеку в истории)",
    )
    fix.add_argument("oid", help="oid специалиста в ЕСИА")
    fix.add_argument("record_id", help="идентификатор записи (из выгрузки или кабинета)")
    fix.add_argument("--hours", type=float, help="верное число часов")
    fix.add_argument("--completed-on", help="верная дата завершения ГГГГ-ММ-ДД")
    fix.add_argument("--specialty", help="верный код специальности V021")
    fix.add_argument("--delete", action="store_true", help="удалить запись (ошибочный зачёт)")
    fix.add_argument("--reason", required=True, help="причина исправления (обязательно)")
    fix.set_defaults(func=_correct)
