"""`nmo yandex generate [--check] | package`: the Yandex Cloud deployment (infra/yandex/)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _generate(args: argparse.Namespace) -> int:
    from app import app

    from .. import yandex_infra

    out = Path(args.out)
    if args.check:
        stale = yandex_infra.stale(out, app)
        if stale:
            print(
                "nmo yandex generate: устарели " + ", ".join(stale) + " — запустите без --check",
                file=sys.stderr,
            )
            return 1
        print("infra/yandex совпадает с моделями и маршрутами")
        return 0
    for path in yandex_infra.write(out, app):
        print(f"записан {path}")
    return 0


def _package(args: argparse.Namespace) -> int:
    from .. import yandex_infra

    path = yandex_infra.package(Path(args.out))
    print(f"пакет функции: {path} ({path.stat().st_size} байт)")
    return 0


def register(sub: Any) -> None:
    from .. import yandex_infra

    parser = sub.add_parser("yandex", help="развёртывание в Yandex Cloud (infra/yandex)")
    commands = parser.add_subparsers(dest="yandex_command", required=True)
    generate = commands.add_parser(
        "generate", help="Terraform, таблицы и спецификация API Gateway из моделей и маршрутов"
    )
    generate.add_argument("--out", default=str(yandex_infra.OUT_DIR))
    generate.add_argument(
        "--check", action="store_true", help="только сравнить, код 1 если устарело"
    )
    generate.set_defaults(func=_generate)
    pack = commands.add_parser("package", help="zip для Cloud Functions")
    pack.add_argument("--out", default="build/yandex-function.zip")
    pack.set_defaults(func=_package)
