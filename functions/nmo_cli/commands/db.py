"""`nmo db init | backup FILE | restore FILE | restore-drill | split-seats`: tables of the
configured endpoint."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..backup import BackupError, backup, restore, validate


class _Progress:
    """One stderr line per table, its count updated in place."""

    def __init__(self) -> None:
        self.table: str | None = None

    def __call__(self, table: str, count: int) -> None:
        if self.table is not None and table != self.table:
            print(file=sys.stderr)
        self.table = table
        print(f"\r{table}: {count}", end="", file=sys.stderr, flush=True)


def _init(args: argparse.Namespace) -> int:
    from chalicelib.db.connection import create_tables

    created = create_tables()
    for name in created:
        print(f"создана таблица {name}")
    if not created:
        print("все таблицы уже есть")
    return 0


def _backup(args: argparse.Namespace) -> int:
    path = Path(args.file)
    partial = path.with_name(path.name + ".partial")
    # Written aside and renamed at the end, so an interrupted backup never looks complete.
    with partial.open("w", encoding="utf-8") as out:
        counts = backup(out, _Progress())
    partial.replace(path)
    print(file=sys.stderr)
    print(f"сохранено записей: {sum(counts.values())} ({_per_table(counts)}) → {path}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(f"Ошибка: файл {path} не найден.", file=sys.stderr)
        return 2
    try:
        with path.open(encoding="utf-8") as source:
            validate(source)
        with path.open(encoding="utf-8") as source:
            counts = restore(source, _Progress())
    except (BackupError, UnicodeDecodeError) as exc:
        print(f"\nОшибка: {exc}", file=sys.stderr)
        return 2
    print(file=sys.stderr)
    print(f"восстановлено записей: {sum(counts.values())} ({_per_table(counts)})")
    return 0


def _restore_drill(args: argparse.Namespace) -> int:
    import datetime as dt

    from chalicelib.db.connection import ensure_bound
    from chalicelib.db.models import ALL_MODELS
    from chalicelib.settings import get_settings

    from ..restore_drill import DrillError, RestoreDrill, default_drill_prefix

    settings = get_settings()
    # The stage is named twice on purpose: on the command line and in NMO_STAGE, so a drill
    # never runs against whatever tables the shell happens to point at.
    if args.stage != settings.stage:
        print(
            f"Ошибка: указана стадия «{args.stage}», а окружение настроено на «{settings.stage}» "
            f"(NMO_STAGE, таблицы {settings.table_prefix}*). Задайте NMO_STAGE и NMO_TABLE_PREFIX "
            "нужной стадии.",
            file=sys.stderr,
        )
        return 2
    at = None
    if args.at:
        try:
            at = dt.datetime.fromisoformat(args.at.replace("Z", "+00:00"))
        except ValueError:
            print(f"Ошибка: --at «{args.at}» — не момент времени ISO 8601.", file=sys.stderr)
            return 2
        if at.tzinfo is None:
            print("Ошибка: --at без часового пояса; укажите, например, …Z.", file=sys.stderr)
            return 2
    drill_prefix = args.drill_prefix or default_drill_prefix(dt.datetime.now(dt.UTC))
    try:
        drill = RestoreDrill(
            ensure_bound().client,
            live_prefix=settings.table_prefix,
            logical_tables=[m.table for m in ALL_MODELS],
            drill_prefix=drill_prefix,
            source=args.source,
            at=at,
            timeout_seconds=args.timeout_minutes * 60,
            progress=lambda message: print(message, file=sys.stderr),
        )
        if not args.yes:
            results = drill.check()
            print(
                f"Учения стадии «{settings.stage}»: {len(results)} таблиц {settings.table_prefix}* "
                f"будут восстановлены ({args.source}) в новые таблицы {drill_prefix}*, сверены и "
                + ("оставлены." if args.keep else "удалены.")
                + "\nРабочие таблицы не изменяются. Для запуска добавьте --yes.",
                file=sys.stderr,
            )
            return 2
        report = drill.run(keep=args.keep)
    except DrillError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        return 2
    print(report.render())
    if drill.leftovers:
        print("Не удалось удалить (ещё восстанавливаются): " + ", ".join(drill.leftovers))
    return 0 if report.ok else 1


def _split_seats(args: argparse.Namespace) -> int:
    from ..seats_split import split_seats

    result = split_seats()
    print(f"места мероприятий: перенесено {result.created}, уже были {result.present}")
    return 0


def _per_table(counts: dict[str, int]) -> str:
    return ", ".join(f"{t}: {n}" for t, n in counts.items() if n) or "таблицы пусты"


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="таблицы DynamoDB: создание, резервная копия")
    sub = db.add_subparsers(dest="db_command", required=True)
    init = sub.add_parser("init", help="создать недостающие таблицы")
    init.set_defaults(func=_init)
    b = sub.add_parser("backup", help="все таблицы целиком в файл JSON Lines")
    b.add_argument("file", help="куда записать (.jsonl)")
    b.set_defaults(func=_backup)
    r = sub.add_parser(
        "restore", help="вернуть записи из файла (повторный запуск ничего не удваивает)"
    )
    r.add_argument("file", help="файл, сделанный командой nmo db backup")
    r.set_defaults(func=_restore)
    d = sub.add_parser(
        "restore-drill",
        help="учения: восстановить таблицы в новые, сверить число записей и контрольные суммы",
    )
    d.add_argument("--stage", required=True, help="стадия (должна совпадать с NMO_STAGE)")
    d.add_argument("--yes", action="store_true", help="запустить (без него — только проверка)")
    d.add_argument(
        "--source",
        choices=("backup", "pitr"),
        default="backup",
        help="backup: свежая резервная копия DynamoDB (точная сверка); pitr: на момент времени",
    )
    d.add_argument("--at", default=None, help="с --source pitr: момент ISO 8601, например …Z")
    d.add_argument("--keep", action="store_true", help="не удалять таблицы учений")
    d.add_argument(
        "--drill-prefix", default=None, help="префикс таблиц учений (nmo-drill-<время>-)"
    )
    d.add_argument(
        "--timeout-minutes", type=float, default=240, help="сколько ждать восстановления"
    )
    d.set_defaults(func=_restore_drill)
    s = sub.add_parser(
        "split-seats",
        help="перенести счётчики мест мероприятий в отдельные записи (повторный запуск безопасен)",
    )
    s.set_defaults(func=_split_seats)
