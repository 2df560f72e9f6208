"""`make deploy`: stops clearly without credentials, plans offline, deploys stacks through
change sets (exercised on moto's CloudFormation) and refuses to go on without the signer token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
sys.path.insert(0, str(INFRA))

import deploy  # noqa: E402

REGION = "eu-central-1"


def _stage_file(tmp_path: Path, **values: object) -> Path:
    data = {
        "region": REGION,
        "esia_signer_url": "https://signer.example.ru/sign",
        "alarm_email": "duty@example.ru",
        "mail_from": "noreply@nmo.example.ru",
        **values,
    }
    path = tmp_path / "stage.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(INFRA / "deploy.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def _env_without_credentials(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",  # no instance-metadata lookups from a test
        }
    )
    return env


def test_deploy_without_aws_credentials_stops_with_a_clear_message(tmp_path, monkeypatch):
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in _env_without_credentials(tmp_path).items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
    config = deploy.load_stage("pilot", _stage_file(tmp_path))
    with pytest.raises(deploy.DeployError, match="Нет учётных данных AWS"):
        deploy.deploy(config)


def test_dry_run_packages_and_lists_every_stack_and_every_placeholder(tmp_path):
    result = _run(
        ["--stage", "pilot", "--dry-run", "--offline", "--config", str(_stage_file(tmp_path))],
        _env_without_credentials(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    for stack in ("nmo-pilot-base", "nmo-pilot-tables", "nmo-pilot-api", "nmo-pilot-site"):
        assert stack in result.stdout
    assert "Prefix=nmo-pilot-" in result.stdout
    assert "/nmo/pilot/esia-signer-token" in result.stdout
    assert "КБ" in result.stdout
    # the shipped pilot stage marks what an operator replaces: listed, not silently accepted
    assert "замените значения-заглушки" in result.stdout
    assert "NMO_ESIA_CLIENT_ID = ЗАМЕНИТЬ" in result.stdout


def test_the_committed_pilot_stage_passes_the_dry_run_as_make_runs_it(tmp_path):
    result = _run(
        ["--stage", "pilot", "--dry-run", "--offline"], _env_without_credentials(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert "infra/stages/pilot.json: alarm_email = ЗАМЕНИТЬ" in result.stdout


def test_a_real_deploy_of_the_committed_stage_refuses_its_placeholders_before_any_aws_call(
    tmp_path,
):
    result = _run(["--stage", "pilot"], _env_without_credentials(tmp_path))
    assert result.returncode == 2
    assert "Нет учётных данных" not in result.stderr  # stopped before looking for credentials
    for where in (
        "alarm_email",
        "esia_signer_url",
        "mail_from",
        "NMO_ESIA_CLIENT_ID",
        "NMO_ESIA_CERT_FILE",
    ):
        assert where in result.stderr
    assert "замените значение-заглушку" in result.stderr


def test_every_problem_of_a_stage_is_listed_at_once(tmp_path):
    result = _run(
        [
            "--stage",
            "pilot",
            "--dry-run",
            "--config",
            str(
                _stage_file(
                    tmp_path,
                    alarm_email="",
                    esia_signer_url="http://signer.example.ru",
                    domain_name="nmo.example.ru",
                    log_retention_days=7,
                )
            ),
        ],
        _env_without_credentials(tmp_path),
    )
    assert result.returncode == 2
    err = result.stderr
    assert "не задан alarm_email" in err
    assert "esia_signer_url должен начинаться с https://" in err
    assert "domain_name и certificate_arn задаются вместе" in err
    assert "log_retention_days = 7" in err
    assert "Traceback" not in err


def test_esia_certificates_must_be_files_that_reach_the_package(tmp_path):
    certs = deploy.ROOT / "functions" / "chalicelib" / "esia" / "certs" / "pilot"
    config = deploy.load_stage("pilot", _stage_file(tmp_path))
    env = {
        **config.environment,
        "NMO_ESIA_CERT_FILE": "/etc/ssl/system.pem",
        "NMO_ESIA_TOKEN_CERTS": "/var/task/chalicelib/esia/certs/pilot/absent.pem",
    }
    problems = deploy.stage_problems(deploy.StageConfig(**{**config.__dict__, "environment": env}))
    assert any("/etc/ssl/system.pem не попадёт в пакет Lambda" in p for p in problems)
    assert any(
        f"нет файла {(certs / 'absent.pem').relative_to(deploy.ROOT)}" in p for p in problems
    )


def test_remote_signer_without_its_address_is_refused_before_anything_runs(tmp_path):
    result = _run(
        [
            "--stage",
            "pilot",
            "--dry-run",
            "--config",
            str(_stage_file(tmp_path, esia_signer_url="")),
        ],
        _env_without_credentials(tmp_path),
    )
    assert result.returncode == 2
    assert "esia_signer_url" in result.stderr


def test_the_stage_uses_the_table_prefix_of_its_chalice_stage():
    chalice = json.loads((ROOT / "functions" / ".chalice" / "config.json").read_text())
    config = deploy.load_stage("pilot")
    assert (
        config.table_prefix
        == chalice["stages"]["pilot"]["environment_variables"]["NMO_TABLE_PREFIX"]
    )


@mock_aws
def test_stacks_are_deployed_through_change_sets_and_redeploys_are_harmless(capsys):
    cfn = boto3.client("cloudformation", region_name=REGION)
    for _ in range(2):  # a second run of the same release must not fail
        deploy.deploy_stack(
            cfn,
            "nmo-drill-base",
            template_body=(INFRA / "base.yaml").read_text("utf-8"),
            parameters={"Stage": "drill", "AlarmEmail": ""},
            poll_seconds=0,
        )
    topics = boto3.client("sns", region_name=REGION).list_topics()["Topics"]
    assert any(t["TopicArn"].endswith(":nmo-portal-drill-alarms") for t in topics)
    (bucket,) = [
        b["Name"] for b in boto3.client("s3", region_name=REGION).list_buckets()["Buckets"]
    ]

    s3 = boto3.client("s3", region_name=REGION)
    key = deploy.upload(s3, bucket, INFRA / "tables.json", "drill/tables")
    assert deploy.upload(s3, bucket, INFRA / "tables.json", "drill/tables") == key
    deploy.deploy_stack(
        cfn,
        "nmo-drill-tables",
        template_body=(INFRA / "tables.json").read_text("utf-8"),
        parameters={
            "Prefix": "nmo-drill-",
            "Stage": "drill",
            "AlarmTopicArn": topics[0]["TopicArn"],
        },
        poll_seconds=0,
    )
    tables = boto3.client("dynamodb", region_name=REGION).list_tables()["TableNames"]
    assert "nmo-drill-registrations" in tables
    status = cfn.describe_stacks(StackName="nmo-drill-base")["Stacks"][0]["StackStatus"]
    assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE")


def test_a_stack_that_failed_its_first_creation_must_be_deleted_first():
    class FailedStack:
        def describe_stacks(self, StackName: str) -> dict[str, object]:
            return {"Stacks": [{"StackStatus": "ROLLBACK_COMPLETE"}]}

    with pytest.raises(deploy.DeployError, match="delete-stack --stack-name nmo-drill-api"):
        deploy.deploy_stack(FailedStack(), "nmo-drill-api", template_body="{}", parameters={})


@mock_aws
def test_missing_signer_token_parameter_stops_the_deploy_with_the_command_to_create_it():
    session = boto3.session.Session(region_name=REGION)
    config = deploy.StageConfig(
        name="drill",
        region=REGION,
        table_prefix="nmo-drill-",
        esia_signer="remote",
        esia_signer_url="https://signer.example.ru/sign",
    )
    with pytest.raises(deploy.DeployError, match="aws ssm put-parameter --type SecureString"):
        deploy.require_signer_token(session, config)

    session.client("ssm").put_parameter(
        Name="/nmo/drill/esia-signer-token", Value="t", Type="SecureString"
    )
    deploy.require_signer_token(session, config)


def test_the_site_csp_is_passed_to_cloudfront_and_refused_when_too_long(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<html><script>var a = 1;</script><script src='/x.js'></script></html>", encoding="utf-8"
    )
    csp = deploy.content_security_policy(site)
    assert "frame-ancestors 'none'" in csp
    assert "'sha256-" in csp  # the page's one inline script, by hash
    assert len(csp) <= deploy.MAX_CSP_CHARS

    # Forty distinct inline scripts make a header CloudFront would reject at deploy time.
    (site / "many.html").write_text(
        "".join(f"<script>var n{i} = {i};</script>" for i in range(40)), encoding="utf-8"
    )
    with pytest.raises(deploy.DeployError, match="1783"):
        deploy.content_security_policy(site)


def test_the_real_site_csp_fits_what_cloudfront_accepts(tmp_path):
    from tests.site_catalog import build_site, sample_catalog

    site = build_site(tmp_path, sample_catalog())
    csp = deploy.content_security_policy(site)
    assert csp.startswith("default-src 'self'")
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert len(csp) <= deploy.MAX_CSP_CHARS
