"""`nmo db init | backup FILE | restore FILE`: tables of the configured endpoint."""

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
