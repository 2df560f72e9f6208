"""The API stack as `chalice package` builds it, offline: a small Lambda, a role that names only
its own tables, secrets by name, logs that expire, alarms; and every template passes cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from chalicelib.db.models import ALL_MODELS

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
sys.path.insert(0, str(INFRA))

import package as api_package  # noqa: E402

# Measured: 0.29 MB of our code, pynamodb, pyjwt and gostcrypto + 4.9 MB of cryptography's
# compiled core (ЕСИА token verification). boto3/botocore alone would add 17 MB (measured.md).
MAX_ZIP_BYTES = 2 * 1024 * 1024  # 0.56 MB measured; native wheels or boto3 would blow it


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> api_package.Package:
    return api_package.package("pilot", tmp_path_factory.mktemp("api") / "out", offline=True)


@pytest.fixture(scope="module")
def template(built: api_package.Package) -> dict[str, Any]:
    return dict(json.loads(built.template.read_text(encoding="utf-8")))


def _statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    role = template["Resources"]["DefaultRole"]["Properties"]
    return [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_lambda_package_builds_offline_with_the_app_and_without_boto3(built, capsys):
    size = built.zip_bytes
    with capsys.disabled():  # shown in a plain pytest run, not swallowed by capturing
        print(f"\nLambda package: {size} bytes ({size / 1024:.0f} KB)")
    with zipfile.ZipFile(built.zip) as archive:
        names = archive.namelist()
    tops = {n.split("/", 1)[0] for n in names}
    assert "app.py" in names
    assert "chalicelib/db/models/__init__.py" in names
    assert {"pynamodb", "jwt", "gostcrypto", "openpyxl"} <= tops  # requirements.txt
    assert not tops & {"boto3", "botocore", "s3transfer", "moto", "tests", "nmo_cli"}
    # No compiled extension modules: a wheel built for a newer glibc would not load in Lambda.
    assert not [n for n in names if n.endswith((".so", ".pyd"))]
    assert size < MAX_ZIP_BYTES


# Top-level modules of what the Lambda Python runtime ships besides the standard library.
_IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
sys.path[:0] = sys.argv[1:3]
import app
import chalicelib
failed = []
for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
    try:
        importlib.import_module(module.name)
    except Exception as exc:
        failed.append(f"{module.name}: {exc!r}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_packaged_lambda_imports_every_module_with_only_what_the_runtime_provides(built, tmp_path):
    """A dependency missing from functions/requirements.txt would only show up as 500s in the
    cloud; here the package is imported with nothing but the stdlib and the runtime's boto3."""
    task, runtime = api_package.runtime_layout(built.zip, tmp_path)
    result = subprocess.run(
        [sys.executable, "-S", "-c", _IMPORT_EVERYTHING, str(task), str(runtime)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "eu-central-1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_package_carrying_boto3_is_refused(tmp_path):
    bad = tmp_path / "deployment.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("app.py", "")
        archive.writestr("botocore/__init__.py", "")
    with pytest.raises(RuntimeError, match="botocore"):
        api_package.check_zip(bad)


def test_lambda_role_has_no_wildcards_and_no_scan(template):
    for statement in _statements(template):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            assert "*" not in action, action
            assert action != "dynamodb:Scan"
        for resource in _as_list(statement["Resource"]):
            assert resource != "*"


def test_lambda_role_names_only_its_own_tables_and_indexes(template):
    arns = set()
    for statement in _statements(template):
        if statement.get("Sid") == "NotificationStreams":
            continue  # stream reads on the stream ARNs (test_deploy_notifications.py)
        if any(a.startswith("dynamodb:") for a in _as_list(statement["Action"])):
            arns |= {r["Fn::Sub"].split(":table/", 1)[1] for r in statement["Resource"]}
    expected = {"${TablePrefix}" + m.table for m in ALL_MODELS} | {
        "${TablePrefix}" + m.table + "/index/" + i.Meta.index_name
        for m in ALL_MODELS
        for i in m._indexes.values()
    }
    # Which of them, and with what actions, is test_deploy_policy.py's business.
    assert arns <= expected


def test_index_permissions_only_allow_queries(template):
    for statement in _statements(template):
        resources = [str(r.get("Fn::Sub", "")) for r in _as_list(statement["Resource"])]
        if any("/index/" in r for r in resources):
            assert _as_list(statement["Action"]) == ["dynamodb:Query"]


def test_the_table_prefix_of_the_role_is_the_one_the_function_uses(template):
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert variables["NMO_TABLE_PREFIX"] == {"Ref": "TablePrefix"}


def test_function_gets_secret_names_never_secret_values(template):
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert "NMO_SESSION_KEY" not in variables
    assert "NMO_ESIA_SIGNER_TOKEN" not in variables
    assert variables["NMO_SESSION_KEY_PARAM"] == {"Ref": "SessionKeySecret"}
    secret = template["Resources"]["SessionKeySecret"]["Properties"]
    assert "SecretString" not in secret
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32
    readable = {
        json.dumps(r, sort_keys=True)
        for s in _statements(template)
        if s["Action"] in ("secretsmanager:GetSecretValue", "ssm:GetParameter")
        for r in _as_list(s["Resource"])
    }
    assert json.dumps({"Ref": "SessionKeySecret"}) in readable


def test_function_logs_expire_and_the_role_writes_only_its_own_group(template):
    resources = template["Resources"]
    group = resources["ApiLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    function_name = resources["APIHandler"]["Properties"]["FunctionName"]["Fn::Sub"]
    assert group["LogGroupName"]["Fn::Sub"] == "/aws/lambda/" + function_name
    log_statements = [s for s in _statements(template) if s.get("Sid") == "OwnLogGroup"]
    # its own groups: the API's, the hourly finish-events job's and the notification Lambdas'
    groups = [r["Fn::Sub"] for r in log_statements[0]["Resource"]]
    others = []
    for logical in ("FinishEvents", "DailyNotifications", "NotifyChanges", "MailEvents"):
        job = resources[logical]["Properties"]["FunctionName"]["Fn::Sub"]
        own = resources[logical + "LogGroup"]["Properties"]
        assert own["LogGroupName"]["Fn::Sub"] == "/aws/lambda/" + job
        assert own["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        others.append("/aws/lambda/" + job + ":*")
    assert [g.rsplit("log-group:", 1)[1] for g in groups] == [
        "/aws/lambda/" + function_name + ":*",
        *others,
    ]
    assert "logs:CreateLogGroup" not in _as_list(log_statements[0]["Action"])


def test_alarms_watch_5xx_rate_lambda_errors_and_throttles(template):
    alarms = {
        k: r["Properties"]
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    watched = set()
    for props in alarms.values():
        assert props["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]
        if "MetricName" in props:
            watched.add(f"{props['Namespace']}/{props['MetricName']}")
        for metric in props.get("Metrics", []):
            if "MetricStat" in metric:
                stat = metric["MetricStat"]["Metric"]
                watched.add(f"{stat['Namespace']}/{stat['MetricName']}")
    assert {
        "AWS/ApiGateway/5XXError",
        "AWS/ApiGateway/Count",
        "AWS/Lambda/Errors",
        "AWS/Lambda/Throttles",
    } <= watched


def test_api_is_regional_and_throttled_per_stage(template):
    props = template["Resources"]["RestAPI"]["Properties"]
    assert props["EndpointConfiguration"] == "REGIONAL"
    assert props["MethodSettings"][0]["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert (
        props["StageName"]
        == json.loads((ROOT / "functions" / ".chalice" / "config.json").read_text())["stages"][
            "pilot"
        ]["api_gateway_stage"]
    )


def test_every_template_passes_cfn_lint(built):
    templates = [
        INFRA / "base.yaml",
        INFRA / "tables.json",
        INFRA / "site.yaml",
        INFRA / "edge.yaml",
        INFRA / "backup.yaml",
        built.template,
    ]
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), *map(str, templates)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_variable_the_stack_sets_is_one_the_settings_read(template, monkeypatch):
    """A misspelt variable in the template would silently leave a setting at its local default."""
    from chalicelib import settings

    read: set[str] = set()

    def spy(name: str, default: str = "") -> str:
        read.add(name)
        return default

    monkeypatch.setattr(settings, "_env", spy)
    settings.load_from_environment()
    variables = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert set(variables) <= read
