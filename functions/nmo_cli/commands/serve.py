"""`nmo serve` (the whole local stack) and `nmo dynamodb-local` (the embedded DynamoDB alone)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("nmo.serve")

LOCAL_TABLE_PREFIX = "nmo-local-"
DOCUMENTS_BUCKET = "nmo-local-documents"


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="запустить портал локально (DynamoDB, ЕСИА, сайт и API)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.add_argument("--esia-port", type=int, default=None, help="по умолчанию порт+1; 0 — любой")
    serve.add_argument(
        "--dynamodb-port", type=int, default=None, help="по умолчанию порт+2; 0 — любой"
    )
    serve.add_argument(
        "--smtp-port",
        type=int,
        default=None,
        help="локальная почта: по умолчанию порт+3 (страница писем — порт+4); 0 — любой",
    )
    serve.add_argument(
        "--s3-port",
        type=int,
        default=None,
        help="хранилище документов заявлений (S3, moto); по умолчанию порт+5; 0 — любой",
    )
    serve.add_argument("--var", default="var", help="каталог локальных данных")
    serve.add_argument("--site-dir", default="build/site")
    serve.add_argument("--no-seed", action="store_true", help="не загружать демо-данные")
    serve.add_argument("--no-build", action="store_true", help="не собирать сайт")
    serve.add_argument(
        "--ready-file", default=None, help="записать сюда JSON с адресами, когда всё готово"
    )
    serve.add_argument(
        "--esia",
        choices=["emulator", "external"],
        default="emulator",
        help="emulator — локальный эмулятор ЕСИА; external — внешняя ЕСИА (тестовый контур) "
        "по переменным NMO_ESIA_* (см. README)",
    )
    serve.add_argument(
        "--esia-people", default=None, help="JSON-файл с тестовыми людьми для эмулятора"
    )
    serve.add_argument(
        "--esia-token-alg",
        choices=["RS256", "GOST3410_2012_256"],
        default="RS256",
        help="чем эмулятор подписывает маркеры (настройка системы в ЕСИА)",
    )
    serve.add_argument(
        "--workers",
        type=_worker_count,
        default=None,
        help="сколько процессов обслуживают сайт и API (как параллельные среды Lambda); "
        "по умолчанию по числу ядер, от 2 до 4",
    )
    serve.set_defaults(func=run_serve)

    worker = sub.add_parser(
        "origin-worker", help="служебная: один процесс сайта и API внутри `nmo serve`"
    )
    worker.add_argument("--fd", type=int, required=True, help="унаследованный сокет")
    worker.add_argument("--host", default="127.0.0.1")
    worker.add_argument("--site-pointer", required=True, help="файл с адресом текущей сборки")
    worker.add_argument("--ready-file", default=None)
    worker.set_defaults(func=run_origin_worker)

    ddb = sub.add_parser(
        "dynamodb-local", help="встроенная DynamoDB (moto, с блокировкой и снимками)"
    )
    ddb.add_argument("--host", default="127.0.0.1")
    ddb.add_argument("--port", type=int, default=8002)
    ddb.add_argument("--data", default="var/dynamodb", help="каталог снимков; '' — без сохранения")
    ddb.add_argument("--interval", type=float, default=2.0, help="секунд между снимками")
    ddb.add_argument("--ready-file", default=None)
    ddb.set_defaults(func=run_dynamodb)


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= 32:
        raise argparse.ArgumentTypeError(f"нужно целое число от 1 до 32, а не «{text}»")
    return count


def _write_ready(path: str | None, data: dict[str, Any]) -> None:
    from nmo_cli.child_processes import write_whole

    if path:
        write_whole(Path(path), data)


def run_origin_worker(args: argparse.Namespace) -> int:
    from nmo_cli.origin_workers import SitePointer, serve_worker

    _logging()
    ready = Path(args.ready_file) if args.ready_file else None
    return serve_worker(args.fd, args.host, SitePointer(Path(args.site_pointer)), ready)


def _wait_for_ready(
    path: Path, proc: subprocess.Popen[bytes], timeout: float = 60
) -> dict[str, Any]:
    from nmo_cli.child_processes import wait_until_ready

    wait_until_ready(path, proc, "embedded DynamoDB", timeout)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # moto's server logs every request line; the embedded store's traffic is not news.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def run_dynamodb(args: argparse.Namespace) -> int:
    from nmo_cli.embedded_dynamodb import EmbeddedDynamoDB

    _logging()
    data_dir = Path(args.data).resolve() if args.data else None
    db = EmbeddedDynamoDB(args.host, args.port, data_dir, args.interval)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    db.start()
    from nmo_cli.child_processes import stop_with_parent

    stop_with_parent("embedded DynamoDB", stop.set)  # a clean stop: the snapshot is written
    _write_ready(args.ready_file, {"url": db.url})
    log.info("embedded DynamoDB on %s (requests serialised; snapshots in %s)", db.url, data_dir)
    stop.wait()
    db.stop()
    log.info("embedded DynamoDB stopped; snapshot written")
    return 0


def _session_key(var_dir: Path) -> str:
    """A random key made once per checkout and kept under var/ (local runs only)."""
    path = var_dir / "session.key"
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _run_cli(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "nmo_cli.cli", *argv], env=env, check=True)  # noqa: S603


def _external_esia_problem(public_url: str) -> str | None:
    """Why an external ЕСИА cannot be used with this environment (Russian), or None."""
    from chalicelib.esia.configuration import EsiaNotConfigured, require_complete

    try:
        require_complete({**os.environ, "NMO_PUBLIC_URL": public_url})
    except EsiaNotConfigured as exc:
        return str(exc)
    return None


def run_serve(args: argparse.Namespace) -> int:
    _logging()
    if args.esia == "external":
        # Before anything starts: a half-configured stand must not fall back to the emulator.
        guess = os.environ.get("NMO_PUBLIC_URL") or f"http://{args.host}:{args.port}"
        problem = _external_esia_problem(guess)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    var_dir = Path(args.var).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    esia_port = args.port + 1 if args.esia_port is None else args.esia_port
    ddb_port = args.port + 2 if args.dynamodb_port is None else args.dynamodb_port
    s3_port = args.port + 5 if args.s3_port is None else args.s3_port  # +3, +4: the local mail
    smtp_port = args.port + 3 if args.smtp_port is None else args.smtp_port
    if args.port == 0:
        esia_port = 0 if args.esia_port is None else esia_port
        ddb_port = 0 if args.dynamodb_port is None else ddb_port
        s3_port = 0 if args.s3_port is None else s3_port
        smtp_port = 0 if args.smtp_port is None else smtp_port
    mail_page_port = 0 if smtp_port == 0 else smtp_port + 1
    from nmo_cli.ports import require_free

    require_free(
        args.host,
        [
            (args.port, "сайт и API"),
            (esia_port if args.esia == "emulator" else 0, "эмулятор ЕСИА"),
            (ddb_port, "встроенная DynamoDB"),
            (smtp_port, "локальная почта, SMTP"),
            (mail_page_port, "страница писем"),
            (s3_port, "хранилище документов, S3"),
        ],
    )

    children: list[subprocess.Popen[bytes]] = []
    servers: list[Any] = []
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        # 1. The embedded DynamoDB, in its own process (moto's backends are process-global).
        ready = var_dir / "dynamodb.ready"
        ready.unlink(missing_ok=True)
        ddb = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "nmo_cli.cli",
                "dynamodb-local",
                "--host",
                args.host,
                "--port",
                str(ddb_port),
                "--data",
                str(var_dir / "dynamodb"),
                "--ready-file",
                str(ready),
            ],
            # Its own process group: Ctrl-C in the terminal reaches `nmo serve` alone, which
            # stops the timers first and the store last (a timer polling a store that had
            # already stopped printed a traceback at every Ctrl-C).
            process_group=0,
        )
        children.append(ddb)
        ddb_url = _wait_for_ready(ready, ddb)["url"]

        # 1b. Object storage for applications' documents (S3 on a moto server, same machine):
        #     the browser uploads to it by presigned POST, as it would to the cloud bucket.
        s3_url = _start_object_storage(args.host, s3_port, servers)

        # 2. The origin's socket first, so the ЕСИА emulator knows the redirect URI.
        site_dir = Path(args.site_dir).resolve()
        site_dir.mkdir(parents=True, exist_ok=True)
        from nmo_cli.origin_workers import (
            OriginWorkers,
            SitePointer,
            default_worker_count,
            listening_socket,
        )

        origin_socket = listening_socket(args.host, args.port)
        public_url = f"http://{args.host}:{origin_socket.getsockname()[1]}"

        # 3. ЕСИА: the emulator (a separate server on its own port, in a thread here), or an
        #    external one (the test contour) configured by NMO_ESIA_* as a deployment is.
        esia_env: dict[str, str] = {}
        if args.esia == "external":
            esia_url = os.environ["NMO_ESIA_BASE_URL"]
            public_url = os.environ.get("NMO_PUBLIC_URL", public_url).rstrip("/")
        else:
            esia_url, esia_env = _start_emulator(args, var_dir, esia_port, public_url, servers)

        # 3b. A real SMTP server that keeps every message, and its local page (issue 16).
        from nmo_cli.mail_catcher import MailCatcher

        mail = MailCatcher(args.host, smtp_port, mail_page_port, var_dir / "mail")
        mail.start()
        servers.append(mail)

        # 4. The API's configuration, as the Lambda would get it from its stage.
        env = {
            **os.environ,
            "NMO_STAGE": "local",
            "NMO_TABLE_PREFIX": LOCAL_TABLE_PREFIX,
            "NMO_DYNAMODB_ENDPOINT": ddb_url,
            "NMO_PUBLIC_URL": public_url,
            "NMO_S3_ENDPOINT": s3_url,
            "NMO_DOCUMENTS_BUCKET": DOCUMENTS_BUCKET,
            "NMO_SESSION_KEY": _session_key(var_dir),
            "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"),
            "NMO_MAIL_TRANSPORT": "smtp",
            "NMO_SMTP_HOST": args.host,
            "NMO_SMTP_PORT": str(mail.smtp_port),
            **esia_env,
        }
        os.environ.update(env)
        from chalicelib.db.connection import create_tables, unbind
        from chalicelib.settings import reset_settings

        reset_settings()
        unbind()
        create_tables()
        _create_documents_bucket(s3_url)

        # 5. Demo data once per data directory; the site built from what is published.
        seeded_marker = var_dir / "dynamodb" / ".seeded"
        if not args.no_seed and not seeded_marker.exists():
            log.info("loading demo data (first run)")
            _run_cli(["demo", "seed", "--summary-file", str(seeded_marker)], env)
        built_from = None
        if not args.no_build:
            from nmo_cli.site_refresh import published_fingerprint

            built_from = published_fingerprint()
            log.info("building the site into %s", site_dir)
            _run_cli(["site", "build", "--out", str(site_dir)], env)

        # 6. Site + API on one origin, served by worker processes (origin_workers).
        from nmo_cli.site_build import DEFAULT_CSP

        pointer = SitePointer(var_dir / "origin-site.json")
        pointer.publish(site_dir, _csp(site_dir, s3_url) or DEFAULT_CSP)
        workers = OriginWorkers(
            origin_socket,
            args.host,
            args.workers or default_worker_count(),
            pointer,
            var_dir,
        )
        servers.append(workers)
        workers.start()
        # The cloud's schedules and stream consumers, as background timers (local_schedule).
        from nmo_cli import local_schedule

        for timer in (
            local_schedule.event_finisher(),
            local_schedule.change_notices(),
            local_schedule.daily_notifications(),
        ):
            timer.start()
            servers.append(_Stoppable(timer.stop))
        if built_from is not None:
            # Moderators' decisions reach the static catalog within seconds, as the publishing
            # job does in a deployment.
            from nmo_cli.site_refresh import SiteRefresher

            refresher = SiteRefresher(
                site_dir,
                env,
                lambda out: pointer.publish(out, _csp(out, s3_url) or DEFAULT_CSP),
            )
            refresher.start(built_from)
            servers.append(_Stoppable(refresher.stop))
        _write_ready(
            args.ready_file,
            {
                "url": public_url,
                "esia_url": esia_url,
                "dynamodb_url": ddb_url,
                "s3_url": s3_url,
                "documents_bucket": DOCUMENTS_BUCKET,
                "table_prefix": LOCAL_TABLE_PREFIX,
                "mail_url": mail.page_url,
                "smtp_port": mail.smtp_port,
                "origin_pids": workers.pids(),
            },
        )
        esia_label = (
            f"внешняя ЕСИА {esia_url}" if args.esia == "external" else f"эмулятор ЕСИА {esia_url}"
        )
        _banner(
            public_url,
            esia_label,
            ddb_url,
            s3_url,
            var_dir,
            _demo_code(seeded_marker),
            mail.page_url,
        )
        while not stop.is_set():
            if ddb.poll() is not None:
                log.error("embedded DynamoDB exited (code %s); stopping", ddb.returncode)
                return 1
            if not workers.keep_running():
                return 1
            stop.wait(0.5)
        return 0
    finally:
        for server in servers:
            server.shutdown()
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        log.info("stopped")


def _start_emulator(
    args: argparse.Namespace, var_dir: Path, port: int, public_url: str, servers: list[Any]
) -> tuple[str, dict[str, str]]:
    from nmo_cli.esia_emulator import emulator_env, make_emulator_server, prepare_local_esia
    from nmo_cli.esia_emulator.personas import People, load_people

    files = prepare_local_esia(var_dir / "esia")
    people = People(load_people(Path(args.esia_people)) if args.esia_people else [])
    redirect = os.environ.get("NMO_ESIA_REDIRECT_URI") or f"{public_url}/api/auth/esia/callback"
    emulator = make_emulator_server(
        args.host, port, files, [redirect], people=people, token_alg=args.esia_token_alg
    )
    servers.append(emulator)
    threading.Thread(target=emulator.serve_forever, name="esia", daemon=True).start()
    esia_url = f"http://{args.host}:{emulator.port}"
    return esia_url, emulator_env(files, esia_url)


class _Stoppable:
    """Lets a background job stop with the servers (`shutdown()` at exit)."""

    def __init__(self, stop: Any) -> None:
        self.shutdown = stop


def _csp(site_dir: Path, s3_url: str) -> str | None:
    try:
        from nmo_cli.site_build import content_security_policy
    except ImportError:
        return None
    return str(content_security_policy(site_dir, (s3_url,)))


def _start_object_storage(host: str, port: int, servers: list[Any]) -> str:
    """moto's server for S3 in a thread of this process (nothing else here uses moto)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    servers.append(_Stoppable(server.stop))
    bound_host, bound_port = server.get_host_and_port()
    return f"http://{bound_host}:{bound_port}"


def _create_documents_bucket(s3_url: str) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=s3_url)
    region = client.meta.region_name
    config = {} if region == "us-east-1" else {"LocationConstraint": region}
    client.create_bucket(Bucket=DOCUMENTS_BUCKET, CreateBucketConfiguration=config)


def _demo_code(seeded_marker: Path) -> str | None:
    try:
        return json.loads(seeded_marker.read_text(encoding="utf-8")).get("demo_code")
    except (OSError, ValueError, AttributeError):
        return None


def _banner(
    public_url: str,
    esia_label: str,
    ddb_url: str,
    s3_url: str,
    var_dir: Path,
    demo_code: str | None,
    mail_url: str = "",
) -> None:
    code_hint = (
        f"\n    • Код подтверждения для кабинета врача (демо): {demo_code}" if demo_code else ""
    )
    print(
        f"""
  Портал НМО запущен: {public_url}

  Что попробовать:
    • Каталог: {public_url}/  (фильтры по специальности, поиск «кардиологии»)
    • Вход через Госуслуги ({esia_label}): выберите «Врач-терапевт (подтверждённая)»
      и откройте личный кабинет {public_url}/cabinet/{code_hint}
    • Организатор и модератор: войдите под соответствующей персоной эмулятора,
      {public_url}/organizer/ и {public_url}/moderation/
    • Заявления: «Мои заявки» в кабинете {public_url}/cabinet/applications/ ,
      рассмотрение — {public_url}/organizer/applications/ и {public_url}/moderation/applications/
    • API: {public_url}/api/catalog/elements?specialty=76 , {public_url}/api/openapi.json
    • Почта портала (локальный SMTP, письма никуда не уходят): {mail_url}

  Данные: встроенная DynamoDB {ddb_url} (запросы выполняются по одному), снимки в
  {var_dir / "dynamodb"}.
  Документы заявлений: S3 (moto) {s3_url}, бакет {DOCUMENTS_BUCKET}; хранятся
  до остановки портала. Остановить: Ctrl-C.
""",
        flush=True,
    )
