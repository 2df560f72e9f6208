"""`nmo esia keygen` (a GOST key and self-signed certificate) and `nmo esia emulator`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    esia = sub.add_parser("esia", help="ЕСИА: ключи и локальный эмулятор")
    commands = esia.add_subparsers(dest="esia_command", required=True)

    keygen = commands.add_parser(
        "keygen", help="создать ключ ГОСТ Р 34.10-2012 и самоподписанный сертификат"
    )
    keygen.add_argument("--out", required=True, help="каталог для ключа и сертификата")
    keygen.add_argument("--name", default="Портал НМО", help="CN сертификата")
    keygen.add_argument("--force", action="store_true", help="перезаписать существующие файлы")
    keygen.set_defaults(func=run_keygen)

    emulator = commands.add_parser("emulator", help="запустить локальный эмулятор ЕСИА")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8001)
    emulator.add_argument("--var", default="var/esia", help="каталог ключей эмулятора")
    emulator.add_argument(
        "--redirect-uri",
        nargs="+",
        required=True,
        help="разрешённые адреса возврата (…/api/auth/esia/callback)",
    )
    emulator.add_argument("--people", default=None, help="JSON-файл с тестовыми людьми")
    emulator.add_argument(
        "--token-alg", choices=["RS256", "GOST3410_2012_256"], default="RS256",
        help="чем подписывать маркеры (настройка системы в ЕСИА)",
    )  # fmt: skip
    emulator.set_defaults(func=run_emulator)


def run_keygen(args: argparse.Namespace) -> int:
    from nmo_cli.esia_emulator.certificates import write_gost_credentials

    out = Path(args.out)
    existing = [
        p for p in (out / "esia-client.key.pem", out / "esia-client.cert.pem") if p.exists()
    ]
    if existing and not args.force:
        print(f"уже есть {existing[0]}; укажите --force, чтобы заменить")
        return 1
    creds = write_gost_credentials(out, common_name=args.name)
    print(f"ключ:        {creds.key_file}")
    print(f"сертификат:  {creds.cert_file}")
    print(f"client_certificate_hash: {creds.certificate_hash}")
    return 0


def run_emulator(args: argparse.Namespace) -> int:
    from nmo_cli.esia_emulator import emulator_env, make_emulator_server, prepare_local_esia

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from nmo_cli.esia_emulator.personas import People, PersonInvalid, load_people

    files = prepare_local_esia(Path(args.var))
    try:
        people = People(load_people(Path(args.people)) if args.people else [])
    except PersonInvalid as exc:
        print(exc, file=sys.stderr)
        return 2
    server = make_emulator_server(
        args.host, args.port, files, list(args.redirect_uri), people=people,
        token_alg=args.token_alg,
    )  # fmt: skip
    stopped = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        # shutdown() waits for serve_forever to return, so it must run on another thread.
        if not stopped.is_set():
            stopped.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"эмулятор ЕСИА: {server.url}")
    print("переменные окружения для API:")
    for key, value in emulator_env(files, server.url).items():
        print(f"  {key}={value}")
    sys.stdout.flush()  # the address first: scripts and tests read it from a pipe
    server.serve_forever()
    return 0
