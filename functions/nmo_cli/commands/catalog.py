"""`nmo catalog import FILE.csv|xlsx [--apply] [--provider-inn INN]`: providers' lists."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def _import(args: argparse.Namespace) -> int:
    from ..catalog_import import ImportFileError, import_catalog, write_report

    try:
        report = import_catalog(
            args.file, apply=args.apply, provider_inn=args.provider_inn, show_progress=True
        )
    except ImportFileError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    write_report(report, sys.stdout)
    # Non-zero when any row was refused, so a script notices; the valid rows are in if --apply.
    return 1 if report.error_count else 0


def register(subparsers: Any) -> None:
    catalog = subparsers.add_parser("catalog", help="каталог: загрузка списков провайдеров")
    sub = catalog.add_subparsers(dest="catalog_command", required=True)
    imp = sub.add_parser(
        "import",
        help="проверить файл CSV/XLSX с программами ДПП ПК и ИОМ и (с --apply) загрузить",
        description=(
            "Колонки: код; название; вид (ДПП ПК или ИОМ); часы; специальности (коды V021 "
            "через «;»); необязательные: даты, провайдер, ИНН провайдера, формат, город, адрес, "
            "ссылка, описание. Кодировка UTF-8 или Windows-1251, разделитель «;» или «,». "
            "Без --apply файл только проверяется. Образец: functions/nmo_cli/samples/."
        ),
    )
    imp.add_argument("file", help="файл .csv или .xlsx")
    imp.add_argument(
        "--apply", action="store_true", help="загрузить строки без ошибок (иначе только проверка)"
    )
    imp.add_argument("--provider-inn", help="ИНН провайдера, если в файле нет такой колонки")
    imp.set_defaults(func=_import)
