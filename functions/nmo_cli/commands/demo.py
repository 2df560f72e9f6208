"""`nmo demo seed [--today YYYY-MM-DD]`: the demo region's catalog, organisations and roles."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("дата в формате ГГГГ-ММ-ДД") from exc


def _seed(args: argparse.Namespace) -> int:
    import sys

    from chalicelib.db.connection import create_tables
    from chalicelib.settings import get_settings

    from ..demo_data import seed_demo

    stage = get_settings().stage
    if stage != "local" and not args.allow_deployed_stage:
        print(
            f"Стадия «{stage}» — не локальная: демо-данные (вымышленные люди, роли персон "
            "эмулятора ЕСИА, бумажный код) туда не загружаются. Если это действительно нужно "
            "(учебный стенд), повторите с --allow-deployed-stage.",
            file=sys.stderr,
        )
        return 2
    create_tables()
    summary = seed_demo(args.today)
    for line in summary.lines():
        print(line)
    if args.summary_file:
        # `nmo serve` keeps this as its "seeded" mark and shows the demo code in its banner.
        Path(args.summary_file).write_text(
            json.dumps({"today": summary.today, "demo_code": summary.demo_code}),
            encoding="utf-8",
        )
    return 0


def register(subparsers: Any) -> None:
    demo = subparsers.add_parser("demo", help="демонстрационные данные")
    sub = demo.add_subparsers(dest="demo_command", required=True)
    seed = sub.add_parser(
        "seed",
        help="создать демонстрационный каталог, организации и роли (недостающее; "
        "существующее не меняется)",
    )
    seed.add_argument(
        "--today", type=_date, default=None, help="дата отсчёта прошедших и будущих событий"
    )
    seed.add_argument("--summary-file", default=None, help="записать итог в JSON-файл")
    seed.add_argument(
        "--allow-deployed-stage",
        action="store_true",
        help="разрешить загрузку на развёрнутую стадию (учебный стенд); по умолчанию — только local",
    )
    seed.set_defaults(func=_seed)
