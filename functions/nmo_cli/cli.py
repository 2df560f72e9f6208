"""`nmo`: the portal's admin command line. Each command group lives in `nmo_cli.commands.*`."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

# Command groups, each a module with `register(subparsers)` that sets `func` on its parsers.
COMMAND_MODULES = (
    "nmo_cli.commands.serve",  # serve, dynamodb-local
    "nmo_cli.commands.db",  # db init | backup | restore | restore-drill
    "nmo_cli.commands.catalog",  # catalog import
    "nmo_cli.commands.demo",  # demo seed
    "nmo_cli.commands.roles",  # roles grant | revoke
    "nmo_cli.commands.site",  # site build | publish
    "nmo_cli.commands.esia",  # esia keygen | emulator
    "nmo_cli.commands.credits",  # credits import
    "nmo_cli.commands.yandex",  # yandex generate | package
    "nmo_cli.commands.notify",  # notify run | reindex
    "nmo_cli.commands.stats",  # stats rebuild, staff upload
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nmo", description="Портал НМО: администрирование и локальный запуск"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _storage_problem(exc)
        if message is None:
            raise
        print(f"nmo: {message}", file=sys.stderr)
        return 2
    return int(result or 0)


def _storage_problem(exc: BaseException) -> str | None:
    """A plain Russian message for an unreachable store or missing credentials, found anywhere
    in the exception chain (PynamoDB wraps botocore's errors)."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, EndpointConnectionError):
            return (
                f"хранилище недоступно ({seen.kwargs.get('endpoint_url', '')}). "
                "Проверьте NMO_DYNAMODB_ENDPOINT или запустите локальный стенд: make run."
            )
        if isinstance(seen, NoCredentialsError):
            return "не найдены учётные данные AWS (AWS_ACCESS_KEY_ID и др.)."
        seen = seen.__cause__ or getattr(seen, "cause", None) or seen.__context__
    return None


if __name__ == "__main__":
    sys.exit(main())
