"""Edge protection and observability, from the templates and by running the guards: WAF with
per-IP rate rules on CloudFront, the API reachable only through CloudFront, per-route
throttles, the Russian 404 page, access logs that expire, a budget, EMF metrics and alarms."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
sys.path.insert(0, str(INFRA))

import package as api_package  # noqa: E402


def _load(name: str) -> dict[str, Any]:
    return api_package.load_template(INFRA / name)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    built = api_package.package("pilot", tmp_path_factory.mktemp("api") / "out", offline=True)
    return dict(json.loads(built.template.read_text(encoding="utf-8")))


def _rules() -> dict[str, dict[str, Any]]:
    acl = _load("edge.yaml")["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    return {rule["Name"]: rule for rule in acl["Rules"]}


def test_waf_has_the_common_rule_set_and_per_ip_limits_per_route():
    rules = _rules()
    managed = rules["common-rule-set"]["Statement"]["ManagedRuleGroupStatement"]
    assert (managed["VendorName"], managed["Name"]) == ("AWS", "AWSManagedRulesCommonRuleSet")
    scoped = {}
    for name in ("login-start-per-ip", "code-redemption-per-ip", "registration-per-ip"):
        rate = rules[name]["Statement"]["RateBasedStatement"]
        assert rate["AggregateKeyType"] == "IP"
        scoped[name] = json.dumps(rate["ScopeDownStatement"])
        assert rules[name]["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert "/api/auth/esia/login" in scoped["login-start-per-ip"]
    assert "/api/me/credits/codes" in scoped["code-redemption-per-ip"]
    assert (
        "registrations" in scoped["registration-per-ip"] and "POST" in scoped["registration-per-ip"]
    )
    everything = rules["everything-per-ip"]["Statement"]["RateBasedStatement"]
    assert "ScopeDownStatement" not in everything and everything["AggregateKeyType"] == "IP"


def test_the_distribution_uses_the_acl_the_logs_bucket_and_the_origin_header():
    site = _load("site.yaml")["Resources"]
    config = site["Distribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Ref": "WebAclArn"}
    assert config["Logging"]["Bucket"] == {"Fn::GetAtt": ["AccessLogsBucket", "RegionalDomainName"]}
    rules = site["AccessLogsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rules[0]["ExpirationInDays"] == {"Ref": "LogRetentionDays"}
    api_origin = next(o for o in config["Origins"] if o["Id"] == "api")
    header = api_origin["OriginCustomHeaders"][0]
    assert header["HeaderName"] == "X-Origin-Verify"
    assert "resolve:secretsmanager:${OriginVerifySecretArn}" in header["HeaderValue"]["Fn::Sub"]
    # the 404 page is the site's only: the /api/* behaviour keeps the API's JSON errors
    assert "CustomErrorResponses" not in config
    default = config["DefaultCacheBehavior"]["LambdaFunctionAssociations"][0]
    assert default["EventType"] == "origin-response"
    assert "LambdaFunctionAssociations" not in config["CacheBehaviors"][0]


def test_the_api_gets_the_origin_secret_by_name_and_may_read_exactly_its_secrets(api):
    resources = api["Resources"]
    for function in ("APIHandler",):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["NMO_ORIGIN_VERIFY_PARAM"] == {"Ref": "OriginVerifySecret"}
    statements = [
        s
        for p in resources["DefaultRole"]["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
    ]
    reads = {
        json.dumps(r, sort_keys=True)
        for s in statements
        if s["Action"] in ("ssm:GetParameter", "secretsmanager:GetSecretValue")
        for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    }
    assert reads == {
        json.dumps({"Ref": "SessionKeySecret"}),
        json.dumps({"Ref": "OriginVerifySecret"}),
        json.dumps(
            {
                "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:"
                "parameter/nmo/${Stage}/esia-signer-token"
            },
            sort_keys=True,
        ),
    }


def test_costly_routes_have_their_own_throttle_and_those_routes_exist(api):
    from app import app

    settings = api["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    limited = {(m["ResourcePath"], m["HttpMethod"]) for m in settings if m["ResourcePath"] != "/*"}
    expected = {
        ("/api/auth/esia/login", "GET"),
        ("/api/auth/esia/callback", "GET"),
        ("/api/me/credits/codes", "POST"),
        ("/api/events/{event_id}/registrations", "POST"),
    }
    assert {(p.replace("~1", "/")[1:], m) for p, m in limited} == expected
    for path, method in expected:
        assert method in app.routes[path], path
    assert api["Resources"]["RestAPI"]["Properties"]["AccessLogSetting"]["DestinationArn"] == {
        "Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]
    }


@pytest.fixture
def guarded(client, monkeypatch):
    """The app with an origin-verify secret in (moto) Secrets Manager."""
    import boto3
    from chalicelib import secret_store as secrets
    from chalicelib.db import connection
    from chalicelib.settings import reset_settings

    arn = boto3.client("secretsmanager").create_secret(
        Name="nmo-portal-test-origin-verify", SecretString="edge-secret-value"
    )["ARN"]
    monkeypatch.setenv("NMO_ORIGIN_VERIFY_PARAM", arn)
    reset_settings()
    connection.unbind()
    secrets.forget()
    yield client
    secrets.forget()


def test_a_request_around_cloudfront_is_refused_before_any_handler_or_table(guarded):
    from chalicelib.db import connection

    before = sum(connection.call_counter.values())
    response = guarded.http.get("/api/auth/esia/login")
    assert response.status_code == 403
    assert response.json_body["error"]["code"] == "not_through_cdn"
    assert "через адрес портала" in response.json_body["error"]["message"]
    wrong = guarded.http.get("/api/health", headers={"X-Origin-Verify": "guess"})
    assert wrong.status_code == 403
    assert sum(connection.call_counter.values()) == before  # no DynamoDB call, no signer call


def test_a_request_through_cloudfront_passes(guarded):
    response = guarded.http.get("/api/health", headers={"X-Origin-Verify": "edge-secret-value"})
    assert response.status_code == 200


def _error_page_code() -> str:
    return str(
        _load("edge.yaml")["Resources"]["ErrorPageFunction"]["Properties"]["Code"]["ZipFile"]
    )


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the edge function")
def test_the_edge_function_turns_a_missing_page_into_the_russian_404(tmp_path):
    (tmp_path / "index.js").write_text(_error_page_code(), encoding="utf-8")
    script = """
const { handler } = require('./index.js');
const event = (status) => ({ Records: [{ cf: { response: { status, headers: {} } } }] });
(async () => {
  const missing = await handler(event('403'));
  const found = await handler(event('200'));
  console.log(JSON.stringify({ missing, found }));
})();
"""
    result = subprocess.run(
        ["node", "-e", script], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    out = json.loads(result.stdout)
    assert out["missing"]["status"] == "404"
    assert "Страница не найдена" in out["missing"]["body"]
    assert out["missing"]["headers"]["content-type"][0]["value"].startswith("text/html")
    assert out["found"] == {"status": "200", "headers": {}}


def test_base_stack_has_a_budget_alarm_to_the_alarm_topic():
    base = _load("base.yaml")["Resources"]
    budget = base["MonthlyBudget"]["Properties"]
    subscribers = [s for n in budget["NotificationsWithSubscribers"] for s in n["Subscribers"]]
    assert subscribers and all(s["Address"] == {"Ref": "AlarmTopic"} for s in subscribers)
    statement = base["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "budgets.amazonaws.com"}


def test_alarms_on_p99_latency_and_login_failure_rate(api):
    resources = api["Resources"]
    latency = resources["ApiLatencyP99Alarm"]["Properties"]
    assert latency["ExtendedStatistic"] == "p99" and latency["MetricName"] == "Latency"
    login = resources["LoginFailureRateAlarm"]["Properties"]
    names = {m["MetricStat"]["Metric"]["MetricName"] for m in login["Metrics"] if "MetricStat" in m}
    assert names == {"Logins", "LoginFailures"}
    for alarm in ("ApiLatencyP99Alarm", "LoginFailureRateAlarm", "Api5xxRateAlarm"):
        assert resources[alarm]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]


def test_metrics_are_counted_from_answers():
    from chalice.app import Response
    from chalicelib import observability

    callback = "/api/auth/esia/callback"
    ok = Response(body="", status_code=302, headers={"Location": "/cabinet/"})
    failed = Response(body="", status_code=302, headers={"Location": "/help/login/errors/#clock"})
    assert observability.outcome("GET", callback, ok) == {"Logins": 1}
    assert observability.outcome("GET", callback, failed) == {"LoginFailures": 1}
    codes = "/api/me/credits/codes"
    assert observability.outcome("POST", codes, Response(body="", status_code=409)) == {
        "CodeRedemptionFailures": 1
    }
    assert observability.outcome("GET", "/api/health", ok) == {}
    line = json.loads(observability.emf_line({"Logins": 1}, "pilot", timestamp_ms=1))
    directive = line["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "NMO/Portal" and directive["Dimensions"] == [["Stage"]]
    assert line["Logins"] == 1 and line["Stage"] == "pilot"


def test_a_code_redemption_through_the_api_writes_an_emf_line(client, capsys):
    client.http.post(
        "/api/me/credits/codes", body=b"{}", headers={"Content-Type": "application/json"}
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"')]
    assert lines and lines[-1].get("CodeRedemptionFailures") == 1


def test_json_log_lines_carry_the_request_id():
    from chalicelib import observability

    observability._local.request_id = "req-123"
    try:
        record = logging.LogRecord("nmo.x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        entry = json.loads(observability.JsonFormatter().format(record))
    finally:
        observability._local.request_id = ""
    assert entry["message"] == "hello world" and entry["requestId"] == "req-123"
    assert entry["level"] == "INFO"
