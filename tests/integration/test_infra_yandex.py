"""infra/yandex is generated from the code and stays its twin: the API Gateway spec routes
every route of the app to the function, the document tables are the models' tables, and the
Terraform references only what it declares."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import boto3
from app import app
from chalicelib.db.models import ALL_MODELS
from chalicelib.settings import reset_settings
from chalicelib.yandex_http import to_chalice_event
from moto import mock_aws
from nmo_cli import yandex_infra
from nmo_cli.cli import main as nmo

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "infra" / "yandex"
SPEC = json.loads((OUT / yandex_infra.GATEWAY_SPEC).read_text(encoding="utf-8"))
MAIN = json.loads((OUT / "main.tf.json").read_text(encoding="utf-8"))
TABLES = json.loads((OUT / "tables.tf.json").read_text(encoding="utf-8"))
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def test_the_committed_files_are_what_the_code_generates_now() -> None:
    assert yandex_infra.stale(OUT, app) == [], "run: nmo yandex generate"


def test_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    assert nmo(["yandex", "generate", "--out", str(tmp_path)]) == 0
    assert nmo(["yandex", "generate", "--check", "--out", str(tmp_path)]) == 0
    spec = tmp_path / yandex_infra.GATEWAY_SPEC
    spec.write_text(spec.read_text(encoding="utf-8").replace("/api/me/plan", "/api/me/p"))
    assert nmo(["yandex", "generate", "--check", "--out", str(tmp_path)]) == 1


def test_every_route_of_the_app_goes_to_the_function_and_nothing_else_does() -> None:
    routed = {
        (method.upper(), path)
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS and op["x-yc-apigateway-integration"]["type"] == "cloud_functions"
    }
    app_routes = {(m, p) for p, methods in app.routes.items() for m in methods}
    assert routed == app_routes
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            integration = op["x-yc-apigateway-integration"]
            if integration["type"] != "cloud_functions":
                continue
            assert integration["function_id"] == "${function_id}"
            assert integration["service_account_id"] == "${gateway_sa_id}"
            assert integration["payload_format_version"] == "0.1"
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)\+?}", path)), (method, path)


def test_the_spec_path_the_gateway_sends_is_the_route_chalice_runs() -> None:
    # The event's `path` is the spec entry's template; it must be the app's own route key.
    for path, item in SPEC["paths"].items():
        if not path.startswith("/api/") or "+}" in path:
            continue
        for method in item:
            event = {"path": path, "url": path, "httpMethod": method.upper(), "pathParams": {}}
            converted = to_chalice_event(event, app.routes, "pilot")
            assert converted is not None and converted["requestContext"]["resourcePath"] == path


def test_other_api_paths_reach_the_function_and_the_site_comes_from_the_bucket() -> None:
    catch_all = SPEC["paths"]["/api/{rest+}"]["x-yc-apigateway-any-method"]
    assert catch_all["x-yc-apigateway-integration"]["type"] == "cloud_functions"
    for path in ("/", "/{file+}"):
        storage = SPEC["paths"][path]["get"]["x-yc-apigateway-integration"]
        assert storage["type"] == "object_storage"
        assert storage["bucket"] == "${site_bucket}"
        assert storage["service_account_id"] == "${gateway_sa_id}"
    assert SPEC["paths"]["/{file+}"]["get"]["x-yc-apigateway-integration"]["error_object"] == (
        "{file}index.html"
    )


def test_the_spec_placeholders_are_exactly_what_terraform_fills_in() -> None:
    text = (OUT / yandex_infra.GATEWAY_SPEC).read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(yandex_infra.SPEC_VARS)
    assert "%{" not in text  # a templatefile() directive would break the spec
    call = MAIN["resource"]["yandex_api_gateway"]["portal"]["spec"]
    assert set(re.findall(r"(\w+) = ", call)) == set(yandex_infra.SPEC_VARS)


def _pynamodb_view(model: Any) -> dict[str, Any]:
    """The schema PynamoDB itself would create (independent of the generator)."""
    schema = model._get_schema()
    keys = {k["KeyType"]: k["AttributeName"] for k in schema["key_schema"]}
    return {
        "keys": keys,
        "attributes": {
            a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]
        },
        "indexes": {
            i["index_name"]: (
                {k["KeyType"]: k["AttributeName"] for k in i["key_schema"]},
                i["projection"]["ProjectionType"],
            )
            for i in schema["global_secondary_indexes"]
        },
        "ttl": model.ttl_attribute,
    }


def _tf_view(table: dict[str, Any]) -> dict[str, Any]:
    keys = {"HASH": table["hash_key"]}
    if "range_key" in table:
        keys["RANGE"] = table["range_key"]
    indexes = {}
    for gsi in table.get("global_secondary_index", []):
        index_keys = {"HASH": gsi["hash_key"]}
        if "range_key" in gsi:
            index_keys["RANGE"] = gsi["range_key"]
        indexes[gsi["name"]] = (index_keys, gsi["projection_type"])
    return {
        "keys": keys,
        "attributes": {a["name"]: a["type"] for a in table["attribute"]},
        "indexes": indexes,
        "ttl": (table.get("ttl") or {}).get("attribute_name"),
    }


def test_the_document_tables_are_the_models_tables() -> None:
    tables = TABLES["resource"]["aws_dynamodb_table"]
    by_name = {t["name"].removeprefix("${var.table_prefix}"): t for t in tables.values()}
    assert set(by_name) == {m.table for m in ALL_MODELS}
    for model in ALL_MODELS:
        table = by_name[model.table]
        assert _tf_view(table) == _pynamodb_view(model), model.table
        assert table["provider"] == "aws.ydb" and table["billing_mode"] == "PAY_PER_REQUEST"
        # Nothing YDB's Document API lacks (db/README.md): no PITR, SSE, streams, LSIs, tags.
        assert not {
            "point_in_time_recovery",
            "server_side_encryption",
            "stream_enabled",
            "local_secondary_index",
            "tags",
        } & set(table)


def test_the_tables_as_terraform_would_create_them_serve_the_app(monkeypatch: Any) -> None:
    # The AWS provider sends CreateTable (+ UpdateTimeToLive) with these arguments; moto stands
    # in for the Document API. The app then finds every table it needs, with its indexes.
    monkeypatch.setenv("NMO_TABLE_PREFIX", "nmo-yc-")
    reset_settings()
    from chalicelib.db import connection

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-central-1")
        for table in TABLES["resource"]["aws_dynamodb_table"].values():
            view = _tf_view(table)
            request: dict[str, Any] = {
                "TableName": table["name"].replace("${var.table_prefix}", "nmo-yc-"),
                "BillingMode": table["billing_mode"],
                "AttributeDefinitions": [
                    {"AttributeName": n, "AttributeType": t} for n, t in view["attributes"].items()
                ],
                "KeySchema": [{"AttributeName": v, "KeyType": k} for k, v in view["keys"].items()],
            }
            gsis = [
                {
                    "IndexName": name,
                    "KeySchema": [{"AttributeName": v, "KeyType": k} for k, v in keys.items()],
                    "Projection": {"ProjectionType": projection},
                }
                for name, (keys, projection) in view["indexes"].items()
            ]
            if gsis:
                request["GlobalSecondaryIndexes"] = gsis
            client.create_table(**request)
            if view["ttl"]:
                client.update_time_to_live(
                    TableName=request["TableName"],
                    TimeToLiveSpecification={"AttributeName": view["ttl"], "Enabled": True},
                )
        connection.unbind()
        assert connection.create_tables() == []  # nothing missing
        connection.unbind()
    reset_settings()


def _declared(tf: dict[str, Any]) -> set[str]:
    return {f"{kind}.{name}" for kind, items in tf["resource"].items() for name in items}


def test_terraform_references_only_what_it_declares() -> None:
    declared = _declared(MAIN) | _declared(TABLES)
    text = json.dumps(MAIN) + json.dumps(TABLES)
    refs = set(re.findall(r"\b((?:yandex|aws|random)_\w+\.\w+)\.\w+", text))
    assert refs and refs <= declared, refs - declared
    variables = set(re.findall(r"\bvar\.(\w+)", text))
    assert variables == set(MAIN["variable"]), variables ^ set(MAIN["variable"])
    providers = {t["provider"] for t in TABLES["resource"]["aws_dynamodb_table"].values()}
    aliases = {f"aws.{p['alias']}" for p in MAIN["provider"]["aws"]}
    assert providers <= aliases


def test_the_function_runs_the_yandex_entry_point_with_settings_the_app_reads() -> None:
    function = MAIN["resource"]["yandex_function"]["api"]
    module, _, attribute = function["entrypoint"].partition(".")
    assert (ROOT / "functions" / f"{module}.py").exists()
    assert attribute == "handler"
    settings_source = (ROOT / "functions" / "chalicelib" / "settings.py").read_text()
    for name in function["environment"]:
        assert f'"{name}"' in settings_source or name in ("AWS_REGION", "AWS_DEFAULT_REGION"), name
    app_keys = {
        e["key"] for e in MAIN["resource"]["yandex_lockbox_secret_version"]["app"]["entries"]
    }
    for name, value in function["environment"].items():
        if value.startswith("lockbox:"):
            secret, _, key = value.removeprefix("lockbox:").partition("/")
            assert secret == "${yandex_lockbox_secret.app.id}" and key in app_keys, name
    injected = {s["environment_variable"] for s in function["secrets"]}
    assert injected == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def test_roles_are_granted_on_resources_and_never_broad() -> None:
    resources = MAIN["resource"]
    roles = [
        binding["role"]
        for kind, items in resources.items()
        if kind.endswith(("_iam_binding", "_iam_member"))
        for binding in items.values()
    ]
    assert not {"admin", "editor", "viewer", "owner"} & set(roles)
    folder = [b["role"] for b in resources["yandex_resourcemanager_folder_iam_member"].values()]
    assert folder == ["postbox.sender"]  # the only service without resource-level roles
    assert resources["yandex_storage_bucket"]["site"]["anonymous_access_flags"] == {
        "read": False,
        "list": False,
    }


def test_the_function_package_answers_an_event_in_a_fresh_interpreter(tmp_path: Path) -> None:
    archive = yandex_infra.package(tmp_path / "function.zip")
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        requirements = z.read("requirements.txt").decode()
        z.extractall(tmp_path / "unpacked")
    assert {"yandex_handler.py", "app.py", "chalicelib/yandex_http.py", "chalice/app.py"} <= names
    assert not any(n.startswith(("tests/", "nmo_cli/")) or "__pycache__" in n for n in names)
    for pin in ("pynamodb==", "boto3==", "botocore==", "openpyxl=="):
        assert pin in requirements
    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import chalice, yandex_handler\n"
        "assert chalice.__file__.startswith(sys.argv[1]), chalice.__file__\n"
        "event = {'url': '/api/openapi.json', 'path': '/api/openapi.json', 'httpMethod': 'GET',\n"
        "         'headers': {'Accept': '*/*'}, 'multiValueHeaders': {'Accept': ['*/*']},\n"
        "         'queryStringParameters': {}, 'multiValueQueryStringParameters': {},\n"
        "         'requestContext': {'requestId': 'r1', 'identity': {'sourceIp': '203.0.113.7'}},\n"
        "         'body': '', 'isBase64Encoded': False, 'pathParams': {}, 'params': {}}\n"
        "result = yandex_handler.handler(event, None)\n"
        "print(json.dumps({'status': result['statusCode'], 'body': result['body'][:200]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "unpacked")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "NMO_SESSION_KEY": "k" * 32},
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200 and '"openapi"' in answer["body"]


def test_the_function_is_a_complete_deployed_stage_for_real_esia() -> None:
    # The stage guard would answer 503 on every request if a ЕСИА setting were missing.
    from chalicelib.esia.configuration import missing_settings

    environment = MAIN["resource"]["yandex_function"]["api"]["environment"]
    filled = {k: re.sub(r"\$\{var\.\w+\}", "set", v) for k, v in environment.items()}
    assert missing_settings(filled) == []
    assert environment["NMO_ESIA_SIGNER"] == "remote"  # certified (КС3) signer, never in-process
    assert environment["NMO_STAGE"] != "local"
