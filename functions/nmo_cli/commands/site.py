"""`nmo site build | publish | csp`: the public site (MkDocs + the generated catalog)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _build(args: argparse.Namespace) -> int:
    from ..site_build import build

    out = build(args.out, catalog_jsonl=args.catalog_jsonl, quiet=not args.verbose)
    print(f"site built: {out}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from chalicelib.settings import get_settings

    from ..site_publish import publish

    settings = get_settings()
    bucket = args.bucket or settings.site_bucket
    if not bucket:
        print("nmo site publish: укажите --bucket (или NMO_SITE_BUCKET)", file=sys.stderr)
        return 2
    report = publish(
        args.site_dir,
        bucket,
        endpoint_url=args.endpoint or settings.s3_endpoint,
        prune=not args.keep_removed,
        full=args.full,
    )
    print(
        f"uploaded {len(report.uploaded)} ({report.bytes_uploaded} bytes), "
        f"unchanged {report.unchanged}, deleted {len(report.deleted)} (bucket {bucket})"
    )
    return 0


def _csp(args: argparse.Namespace) -> int:
    from ..site_build import content_security_policy

    print(content_security_policy(args.site_dir))
    return 0


def register(subparsers: Any) -> None:
    from ..site_build import DEFAULT_OUT

    site = subparsers.add_parser("site", help="публичный сайт: сборка и публикация")
    sub = site.add_subparsers(dest="site_command", required=True)

    build = sub.add_parser("build", help="собрать сайт с каталогом из DynamoDB")
    build.add_argument("--out", type=Path, default=DEFAULT_OUT, help="куда собрать (build/site)")
    build.add_argument(
        "--catalog-jsonl", type=Path, default=None, help="каталог из файла JSON lines, не из БД"
    )
    build.add_argument("--verbose", action="store_true", help="подробный журнал MkDocs")
    build.set_defaults(func=_build)

    publish = sub.add_parser("publish", help="выгрузить изменившиеся файлы в бакет S3")
    publish.add_argument("--bucket", default=None, help="бакет (по умолчанию NMO_SITE_BUCKET)")
    publish.add_argument("--endpoint", default=None, help="адрес S3-совместимого хранилища")
    publish.add_argument("--site-dir", type=Path, default=DEFAULT_OUT, help="собранный сайт")
    # Deleting what the build no longer has is the default now; --prune stays accepted so the
    # deploy script and the publishing job written against the old interface keep working.
    publish.add_argument(
        "--prune", action="store_true", help="удалить объекты, которых нет (так и по умолчанию)"
    )
    publish.add_argument(
        "--keep-removed", action="store_true", help="не удалять объекты, которых нет в сборке"
    )
    publish.add_argument(
        "--full", action="store_true", help="выгрузить всё (после смены правил заголовков)"
    )
    publish.set_defaults(func=_publish)

    csp = sub.add_parser("csp", help="заголовок Content-Security-Policy для собранного сайта")
    csp.add_argument("--site-dir", type=Path, default=DEFAULT_OUT)
    csp.set_defaults(func=_csp)
