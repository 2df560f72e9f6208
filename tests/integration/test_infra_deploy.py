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
    data = {"region": REGION, "esia_signer_url": "https://signer.example.ru/sign", **values}
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


def test_deploy_without_aws_credentials_stops_with_a_clear_message(tmp_path):
    result = _run(
        ["--stage", "pilot", "--config", str(_stage_file(tmp_path))],
        _env_without_credentials(tmp_path),
    )
    assert result.returncode == 2
    assert "Нет учётных данных AWS" in result.stderr
    assert "Traceback" not in result.stderr


def test_dry_run_packages_offline_and_lists_every_stack(tmp_path):
    result = _run(
        ["--stage", "pilot", "--dry-run", "--config", str(_stage_file(tmp_path))],
        _env_without_credentials(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    for stack in ("nmo-pilot-base", "nmo-pilot-tables", "nmo-pilot-api", "nmo-pilot-site"):
        assert stack in result.stdout
    assert "Prefix=nmo-pilot-" in result.stdout
    assert "/nmo/pilot/esia-signer-token" in result.stdout
    assert "КБ" in result.stdout
    # the shipped pilot stage has no ЕСИА settings yet: the plan says a real deploy will stop
    assert "ЕСИА не настроена" in result.stdout and "NMO_ESIA_CLIENT_ID" in result.stdout


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
