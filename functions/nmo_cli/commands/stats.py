"""`nmo stats rebuild [--check]` and `nmo staff upload ORG FILE [--apply]`: the dashboard's
counters recomputed from the records, and an employer's staff list loaded from a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _rebuild(args: argparse.Namespace) -> int:
    from chalicelib.services.stats_rebuild import rebuild

    report = rebuild(write=not args.check)
    per_10k = report.seconds / max(report.people, 1) * 10_000
    print(
        f"людей: {report.people}, ячеек: {report.cells}, расхождений с хранимыми: "
        f"{len(report.differences)}, удалено ячеек: {report.cells_deleted}; "
        f"{report.seconds:.1f} с ({per_10k:.1f} с на 10 000 человек)"
    )
    for line in report.differences[:20]:
        print(f"  расходится: {line}")
    if args.check:
        return 1 if report.differences else 0
    return 0


def _upload(args: argparse.Namespace) -> int:
    from chalicelib.db import people_repo
    from chalicelib.services import staff_list

    from nmo_cli.credits_import import read_cells
    from nmo_cli.provider_files import ImportFileError

    if people_repo.get_organization(args.organization) is None:
        print(f"Ошибка: организация {args.organization} не найдена.", file=sys.stderr)
        return 2
    try:
        cells = read_cells(Path(args.file))
    except ImportFileError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    report = staff_list.upload(args.organization, cells, apply=args.apply, actor="admin-cli")
    if report.errors:
        for line in report.errors:
            print(line, file=sys.stderr)
        print("Ничего не изменено: исправьте файл.", file=sys.stderr)
        return 1
    verb = "применено" if report.applied else "проверено (для записи добавьте --apply)"
    print(
        f"строк: {report.rows}; добавится: {report.added}, уйдёт: {report.removed}, "
        f"без изменений: {report.kept} — {verb}"
    )
    return 0


def register(subparsers: Any) -> None:
    stats = subparsers.add_parser("stats", help="показатели регионального дашборда")
    sub = stats.add_subparsers(dest="stats_command", required=True)
    rebuild = sub.add_parser("rebuild", help="пересчитать счётчики дашборда по записям")
    rebuild.add_argument(
        "--check", action="store_true", help="только сравнить с хранимыми, ничего не писать"
    )
    rebuild.set_defaults(func=_rebuild)

    staff = subparsers.add_parser("staff", help="списки сотрудников организаций")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    upload = staff_sub.add_parser("upload", help="загрузить список сотрудников (CSV/XLSX по СНИЛС)")
    upload.add_argument("organization", help="id организации (org-<ИНН>)")
    upload.add_argument("file", help="файл CSV или XLSX со столбцом «СНИЛС»")
    upload.add_argument(
        "--apply", action="store_true", help="записать (без флага — только проверка)"
    )
    upload.set_defaults(func=_upload)
