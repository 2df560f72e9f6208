"""`nmo credits import FILE.csv|xlsx [--apply]`: providers' completions into people's records."""

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


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("credits", help="учёт ЗЕТ: импорт данных провайдеров")
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
