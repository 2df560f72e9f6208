"""Benchmark: a Lambda cold start — `import app` in the package layout against the stack the app
cannot avoid, and the first answer of a catalog and a cabinet route in a fresh process.

Run: `.venv/bin/python bench/cold_start.py [--repeat 7]`

The deployment package is built offline (`infra/package.py --offline`, what `make package
OFFLINE=1` does) and unzipped; every measurement is a fresh `python -S` with nothing on sys.path
but the package and the modules the Lambda runtime provides (boto3, botocore, …), as on Lambda.
Printed (medians, ms): importing `pynamodb.models`; that plus creating a `botocore.session` (the
baseline); `import app`; their ratio (target ≤ 1.3); the heavy modules loaded by `import app`
(none expected: the login stack, the spreadsheet code, the exports, the mail stack and the
routes' services load in their routes); and, with the embedded DynamoDB of this process as the
endpoint, time from process start to the first answer of `GET /api/catalog/elements` and of
`GET /api/me/cycles`, with the DynamoDB client built at init as on Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "functions", ROOT / "infra", ROOT / "bench"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

HEAVY = (
    "gostcrypto",
    "jwt",
    "cryptography",
    "openpyxl",
    "chalicelib.esia.client",
    "chalicelib.esia.tokens",
    "chalicelib.esia.gost",
    "chalicelib.esia.signer",
    "chalicelib.esia.person",
    "chalicelib.services.auth",
    "chalicelib.services.spreadsheet",
    "chalicelib.services.credit_export",
    "chalicelib.services.plan_export",
    "chalicelib.services.attendance",
    # The services of the routes (routes/__init__.py): the largest, and what the rest drags in —
    # the mail stack (email's header policy, SMTP), the rule book, the Lockbox client.
    "chalicelib.services.applications",
    "chalicelib.services.notifications",
    "chalicelib.mail",
    "smtplib",
    "email.headerregistry",
    "chalicelib.domain.rules",
    "chalicelib.lockbox",
    # The dashboard's services and the cycle arithmetic under them.
    "chalicelib.services.dashboard",
    "chalicelib.services.staff_list",
    "chalicelib.domain.cycles",
    "jinja2",
    "moto",
    "nmo_cli",
)

_PRELUDE = """
import sys, time
started = time.perf_counter()
sys.path[:0] = [sys.argv[1], sys.argv[2]]
"""
BASELINE_PYNAMODB = (
    _PRELUDE
    + """
import pynamodb.models
print((time.perf_counter() - started) * 1000)
"""
)
BASELINE = (
    _PRELUDE
    + """
import pynamodb.models
import botocore.session
botocore.session.get_session()
print((time.perf_counter() - started) * 1000)
"""
)
IMPORT_APP = (
    _PRELUDE
    + """
import json
import app
ms = (time.perf_counter() - started) * 1000
heavy = sorted({m for m in sys.modules for h in HEAVY if m == h or m.startswith(h + ".")})
print(json.dumps({"ms": ms, "heavy": heavy, "modules": len(sys.modules)}))
""".replace("HEAVY", repr(HEAVY))
)
FIRST_ANSWER = (
    _PRELUDE
    + """
import json
import app
event = json.loads(sys.argv[3])
answer = app.app(event, None)
ms = (time.perf_counter() - started) * 1000
print(json.dumps({"ms": ms, "status": answer["statusCode"]}))
"""
)


def package_layout(tmp: Path) -> tuple[Path, Path]:
    """The unzipped offline package, and a directory with just the Lambda runtime's modules."""
    import package as api_package

    built = api_package.package("pilot", tmp / "out", offline=True)
    return api_package.runtime_layout(built.zip, tmp)


def fresh(script: str, task: Path, runtime: Path, env: dict[str, str], *extra: str) -> str:
    result = subprocess.run(
        [sys.executable, "-S", "-c", script, str(task), str(runtime), *extra],
        capture_output=True,
        text=True,
        check=False,
        cwd=task,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    if result.returncode != 0:
        raise RuntimeError(result.stdout + result.stderr)
    return result.stdout.strip().splitlines()[-1]


def api_event(path: str, headers: dict[str, str], query: dict[str, str] | None = None) -> str:
    """A minimal API Gateway (REST) proxy event, as the Lambda receives it."""
    return json.dumps(
        {
            "resource": path,
            "path": path,
            "httpMethod": "GET",
            "headers": {"Host": "127.0.0.1", **headers},
            "multiValueHeaders": {k: [v] for k, v in {"Host": "127.0.0.1", **headers}.items()},
            "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
            "pathParameters": None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": path,
                "httpMethod": "GET",
                "path": path,
                "stage": "api",
                "identity": {"sourceIp": "127.0.0.1"},
            },
            "body": None,
            "isBase64Encoded": False,
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)

    from nmo_cli.embedded_dynamodb import EmbeddedDynamoDB

    with tempfile.TemporaryDirectory(prefix="nmo-cold-") as tmp:
        task, runtime = package_layout(Path(tmp))
        store = EmbeddedDynamoDB(port=0, data_dir=None)
        store.start()
        try:
            env = {
                "AWS_DEFAULT_REGION": "eu-central-1",
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "NMO_DYNAMODB_ENDPOINT": store.url,
                "NMO_TABLE_PREFIX": "cold-",
                "NMO_SESSION_KEY": "cold-start-session-key-0123456789abcdef",
            }
            os.environ.update(env)
            from chalicelib.db.connection import create_tables, unbind
            from chalicelib.settings import reset_settings
            from registration_rush import seed_people

            reset_settings()
            unbind()
            create_tables()
            (person,) = seed_people("cold", 1)
            catalog = api_event("/api/catalog/elements", {}, {"specialty": "76"})
            cabinet = api_event("/api/me/cycles", {"Cookie": person["Cookie"]})
            lambda_env = {**env, "AWS_LAMBDA_FUNCTION_NAME": "nmo-portal-api"}

            pynamodb_ms, base_ms, app_ms, catalog_ms, cabinet_ms = [], [], [], [], []
            heavy: list[str] = []
            modules = 0
            statuses = set()
            for _ in range(args.repeat):
                pynamodb_ms.append(float(fresh(BASELINE_PYNAMODB, task, runtime, env)))
                base_ms.append(float(fresh(BASELINE, task, runtime, env)))
                imported = json.loads(fresh(IMPORT_APP, task, runtime, env))
                app_ms.append(imported["ms"])
                heavy, modules = imported["heavy"], imported["modules"]
                for times, event in ((catalog_ms, catalog), (cabinet_ms, cabinet)):
                    answer = json.loads(fresh(FIRST_ANSWER, task, runtime, lambda_env, event))
                    times.append(answer["ms"])
                    statuses.add(answer["status"])
        finally:
            store.stop()
    med = statistics.median
    print(
        f"fresh processes, package layout (python -S, the zip + the Lambda runtime's modules), "
        f"median of {args.repeat}:"
    )
    print(f"  import pynamodb.models: {med(pynamodb_ms):.0f} ms")
    print(
        f"  baseline = import pynamodb.models + botocore.session.get_session(): {med(base_ms):.0f} ms"
    )
    print(
        f"  import app: {med(app_ms):.0f} ms ({modules} modules); "
        f"ratio app/baseline = {med(app_ms) / med(base_ms):.2f} (target ≤ 1.3)"
    )
    print(f"  heavy modules after import app: {heavy or 'none'}")
    print(
        f"  first answer from process start (client built at init): GET /api/catalog/elements "
        f"{med(catalog_ms):.0f} ms, GET /api/me/cycles {med(cabinet_ms):.0f} ms "
        f"(statuses {sorted(statuses)})"
    )
    return 0 if not heavy and statuses == {200} else 1


if __name__ == "__main__":
    raise SystemExit(main())
