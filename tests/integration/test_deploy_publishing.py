"""Publishing follows moderation in the cloud (infra/publishing.yaml): the catalog-version stream
wakes the trigger, which starts one CodeBuild build at a time; the build runs the buildspec's
`nmo site build` and `nmo site publish`. The template is checked as text and by cfn-lint (moto's
CloudFormation has no CodeBuild), the trigger's debounce runs on moto's DynamoDB and CodeBuild,
and the buildspec's commands run against moto with the project's environment."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from chalicelib.db import catalog_repo
from chalicelib.db.connection import ensure_bound, table_name
from chalicelib.db.models import CatalogVersion
from nmo_cli import site_trigger
from nmo_cli.catalog_writer import element_from_dict, store_elements
from nmo_cli.demo_data import generate_elements
from nmo_cli.site_trigger import NOTHING, START, WAIT, SiteTrigger

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
sys.path.insert(0, str(INFRA))

import deploy  # noqa: E402
import package as api_package  # noqa: E402

REGION = "eu-central-1"
PREFIX = "nmo-test-"
TEMPLATE = api_package.load_template(INFRA / "publishing.yaml")
RESOURCES = TEMPLATE["Resources"]
TABLES = json.loads((INFRA / "tables.json").read_text("utf-8"))
BUILDSPEC = yaml.safe_load((INFRA / "site-buildspec.yml").read_text("utf-8"))


def _statements(role: str) -> dict[str, dict[str, Any]]:
    (policy,) = RESOURCES[role]["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


# ---- the template --------------------------------------------------------------------------


def test_publishing_and_tables_templates_pass_cfn_lint():
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            str(INFRA / "publishing.yaml"),
            str(INFRA / "tables.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_catalog_version_table_streams_keys_only_and_its_stream_reaches_the_trigger():
    properties = TABLES["Resources"]["CatalogVersionTable"]["Properties"]
    # Keys only: the trigger reads the counter itself (the other streams feed notifications).
    assert properties["StreamSpecification"] == {"StreamViewType": "KEYS_ONLY"}
    assert TABLES["Outputs"]["CatalogVersionTableStreamArn"]["Value"] == {
        "Fn::GetAtt": ["CatalogVersionTable", "StreamArn"]
    }
    mapping = RESOURCES["CatalogVersionStreamMapping"]["Properties"]
    assert mapping["EventSourceArn"] == {"Ref": "CatalogVersionStreamArn"}
    assert mapping["FunctionName"] == {"Ref": "TriggerFunction"}
    # the debounce window: a minute of decisions is one invocation, and one build
    assert mapping["MaximumBatchingWindowInSeconds"] == {"Ref": "DebounceSeconds"}
    assert TEMPLATE["Parameters"]["DebounceSeconds"]["Default"] == 60
    function = RESOURCES["TriggerFunction"]["Properties"]
    assert function["Handler"] == "site_trigger.handler"
    assert function["Environment"]["Variables"]["NMO_CATALOG_VERSION_TABLE"] == {
        "Fn::Sub": "${TablePrefix}" + CatalogVersion.table
    }


def _pattern_matches(pattern: Any, event: Any) -> bool:
    """Lambda's event filtering for the subset the template uses: nested keys, value lists."""
    if isinstance(pattern, list):
        return event in pattern
    return isinstance(event, dict) and all(
        key in event and _pattern_matches(inner, event[key]) for key, inner in pattern.items()
    )


def _stream_record(name: str) -> dict[str, Any]:
    return {"eventName": "MODIFY", "dynamodb": {"Keys": {"name": {"S": name}}}}


def test_the_stream_wakes_the_trigger_for_the_published_counter_not_for_its_own_state():
    (only,) = RESOURCES["CatalogVersionStreamMapping"]["Properties"]["FilterCriteria"]["Filters"]
    pattern = json.loads(only["Pattern"])
    assert site_trigger.PUBLISHED == catalog_repo.PUBLISHED
    assert _pattern_matches(pattern, _stream_record(catalog_repo.PUBLISHED))
    assert not _pattern_matches(pattern, _stream_record(site_trigger.STATE))


def test_the_end_of_any_build_of_the_project_wakes_the_trigger():
    rule = RESOURCES["BuildEndedRule"]["Properties"]
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.codebuild"]
    assert pattern["detail-type"] == ["CodeBuild Build State Change"]
    assert pattern["detail"]["project-name"] == [{"Ref": "SiteBuildProject"}]
    assert set(pattern["detail"]["build-status"]) == {"SUCCEEDED", "FAILED", "STOPPED"}
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["TriggerFunction", "Arn"]}
    permission = RESOURCES["BuildEndedPermission"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["BuildEndedRule", "Arn"]}


def test_the_build_project_runs_the_buildspec_one_build_at_a_time_and_alarms_on_failure():
    project = RESOURCES["SiteBuildProject"]["Properties"]
    assert project["Source"]["BuildSpec"] == "infra/site-buildspec.yml"
    assert project["ConcurrentBuildLimit"] == 1
    env = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    assert env["NMO_TABLE_PREFIX"] == {"Ref": "TablePrefix"}
    assert env["NMO_SITE_BUCKET"] == {"Ref": "SiteBucketName"}
    commands = BUILDSPEC["phases"]["build"]["commands"]
    assert any("nmo site build" in c for c in commands)
    assert any("nmo site publish" in c for c in commands)
    assert any("create-invalidation" in c and "$NMO_DISTRIBUTION_ID" in c for c in commands)
    alarm = RESOURCES["SiteBuildFailedAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/CodeBuild", "FailedBuilds")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]


def test_the_trigger_may_start_the_build_and_write_only_its_own_state_item():
    statements = _statements("TriggerRole")
    granted = set().union(*(_actions(s) for s in statements.values()))
    assert granted == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "codebuild:StartBuild",
    }
    write = statements["WriteOwnState"]
    assert write["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == [
        site_trigger.STATE
    ]
    read = statements["ReadCounterAndState"]
    assert set(read["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"]) == {
        site_trigger.PUBLISHED,
        site_trigger.STATE,
    }
    assert statements["StartTheBuild"]["Resource"] == {"Fn::GetAtt": ["SiteBuildProject", "Arn"]}
    assert "stream/*" in statements["CatalogVersionStream"]["Resource"]["Fn::Sub"]


# ---- the trigger's debounce on moto --------------------------------------------------------


def _create_project_from_template(codebuild: Any) -> str:
    """The project as the template declares it (moto validates source, artifacts, environment)."""
    props = RESOURCES["SiteBuildProject"]["Properties"]
    env = props["Environment"]
    name = "nmo-portal-test-site"
    codebuild.create_project(
        name=name,
        source={
            "type": props["Source"]["Type"],
            "location": "artifacts-bucket/test/site/source.zip",
            "buildspec": props["Source"]["BuildSpec"],
        },
        artifacts={"type": props["Artifacts"]["Type"]},
        environment={
            "type": env["Type"],
            "image": env["Image"],
            "computeType": env["ComputeType"],
        },
        serviceRole="arn:aws:iam::123456789012:role/nmo-site-build",
    )
    return name


class _Recording:
    """moto's CodeBuild, remembering each StartBuild's request (moto drops the overrides)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.started: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def start_build(self, **kwargs: Any) -> Any:
        answer = self._client.start_build(**kwargs)
        self.started.append({**kwargs, "arn": answer["build"]["arn"]})
        return answer


@pytest.fixture
def cloud(dynamodb):
    codebuild = _Recording(boto3.client("codebuild", region_name=REGION))
    project = _create_project_from_template(codebuild)
    now = [1_800_000_000.0]
    trigger = SiteTrigger(
        ensure_bound().client,
        codebuild,
        table=table_name(CatalogVersion),
        project=project,
        clock=lambda: now[0],
    )
    return trigger, codebuild, now


def _publish(count: int, start: int = 0) -> None:
    """Moderators publish `count` elements (each bumps the counter in its own transaction)."""
    made = dt.datetime.now(dt.UTC)
    data = generate_elements(start + count, today=dt.date(2026, 11, 22))[start:]
    for element in [element_from_dict(d, made) for d in data]:
        catalog_repo.save_element(element)


def _version_of(build: dict[str, Any]) -> int:
    (override,) = build["environmentVariablesOverride"]
    assert override["name"] == "NMO_CATALOG_VERSION"
    return int(override["value"])


def test_nothing_is_built_before_anything_is_published(cloud):
    trigger, codebuild, _ = cloud
    assert trigger.poke() == NOTHING
    assert codebuild.started == []


def test_a_burst_of_decisions_gives_one_build_now_and_one_after_it_not_one_each(cloud):
    trigger, codebuild, _ = cloud
    _publish(1)
    assert trigger.poke() == START
    (first,) = codebuild.started
    assert _version_of(first) == catalog_repo.published_version() == 1
    assert first["projectName"] == "nmo-portal-test-site"
    # Five more decisions while the build runs: the stream wakes the trigger each time.
    for n in range(5):
        _publish(1, start=1 + n)
        assert trigger.poke() == WAIT
    assert len(codebuild.started) == 1
    # The build's end event: what changed meanwhile goes out in one more build.
    assert trigger.build_ended(first["arn"], "SUCCEEDED") == START
    assert len(codebuild.started) == 2
    assert _version_of(codebuild.started[1]) == catalog_repo.published_version() == 6
    assert trigger.build_ended(codebuild.started[1]["arn"], "SUCCEEDED") == NOTHING
    assert len(codebuild.started) == 2


def test_a_catalog_import_triggers_the_build_too(cloud):
    trigger, codebuild, _ = cloud
    data = generate_elements(8, today=dt.date(2026, 11, 22))
    made = dt.datetime.now(dt.UTC)
    store_elements([element_from_dict(d, made) for d in data], update_existing=False)
    assert catalog_repo.published_version() > 0
    assert trigger.poke() == START
    assert _version_of(codebuild.started[0]) == catalog_repo.published_version()


def test_a_failed_build_is_not_retried_until_the_next_change(cloud):
    trigger, codebuild, _ = cloud
    _publish(1)
    trigger.poke()
    assert trigger.build_ended(codebuild.started[0]["arn"], "FAILED") == NOTHING
    assert len(codebuild.started) == 1
    _publish(1, start=1)
    assert trigger.poke() == START


def test_the_end_of_a_build_that_is_not_the_current_one_frees_nothing(cloud):
    trigger, codebuild, _ = cloud
    _publish(1)
    trigger.poke()
    _publish(1, start=1)
    other = "arn:aws:codebuild:eu-central-1:123456789012:build/nmo-portal-test-site:old"
    assert trigger.build_ended(other, "SUCCEEDED") == WAIT
    assert len(codebuild.started) == 1


def test_a_lost_end_event_does_not_stop_publishing_for_good(cloud):
    trigger, codebuild, now = cloud
    _publish(1)
    trigger.poke()
    _publish(1, start=1)
    now[0] += site_trigger.STALE_SECONDS - 1
    assert trigger.poke() == WAIT
    now[0] += 2
    assert trigger.poke() == START
    assert _version_of(codebuild.started[1]) == 2


class _RacingDynamoDB:
    """The moto client; just before the first claim is written, another invocation runs whole."""

    def __init__(self, client: Any, rival: Any) -> None:
        self._client = client
        self._rival = rival

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_item(self, **kwargs: Any) -> Any:
        rival, self._rival = self._rival, None
        if rival is not None:
            assert rival() == START
        return self._client.update_item(**kwargs)


def test_two_invocations_at_once_start_one_build(cloud):
    trigger, codebuild, now = cloud
    _publish(1)
    racing = SiteTrigger(
        _RacingDynamoDB(ensure_bound().client, trigger.poke),
        codebuild,
        table=trigger.table,
        project=trigger.project,
        clock=lambda: now[0],
    )
    assert racing.poke() == WAIT  # its claim lost to the rival's
    assert len(codebuild.started) == 1


def test_a_build_that_could_not_start_gives_its_claim_back(cloud):
    trigger, codebuild, _ = cloud
    _publish(1)
    broken = SiteTrigger(
        trigger.dynamodb, codebuild, table=trigger.table, project="no-such-project"
    )
    with pytest.raises(codebuild.exceptions.ResourceNotFoundException):
        broken.poke()
    assert trigger.state() == site_trigger.BuildState()  # not left "building" for an hour
    assert trigger.poke() == START  # the stream's retry finds the slot free


def test_the_handler_tells_stream_batches_from_build_end_events(cloud, monkeypatch):
    trigger, _, _ = cloud
    monkeypatch.setenv("NMO_CATALOG_VERSION_TABLE", trigger.table)
    monkeypatch.setenv("NMO_SITE_BUILD_PROJECT", trigger.project)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    _publish(1)
    batch = {"Records": [{"eventSource": "aws:dynamodb", **_stream_record("published")}]}
    assert site_trigger.handler(batch, None) == START
    (arn,) = boto3.client("codebuild", region_name=REGION).list_builds_for_project(
        projectName=trigger.project
    )["ids"]
    ended = {
        "source": "aws.codebuild",
        "detail-type": "CodeBuild Build State Change",
        "detail": {
            "build-status": "SUCCEEDED",
            "project-name": trigger.project,
            "build-id": trigger.state().build_id,  # type: ignore[union-attr]
        },
    }
    assert ended["detail"]["build-id"].endswith(arn)
    assert site_trigger.handler(ended, None) == NOTHING
    assert trigger.state().building is False  # type: ignore[union-attr]


# ---- the build itself ----------------------------------------------------------------------


@pytest.fixture
def spy_calls(monkeypatch):
    """Every AWS call made, by service: (operation, params). A spy: the calls still go to moto."""
    import botocore.client

    calls: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    original = botocore.client.BaseClient._make_api_call

    def make_api_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls[self.meta.service_model.service_name].append((operation, params))
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)
    return calls


_S3_IAM = {
    "ListObjectsV2": "s3:ListBucket",
    "PutObject": "s3:PutObject",
    "DeleteObjects": "s3:DeleteObject",
    "DeleteObject": "s3:DeleteObject",
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
}


def test_the_buildspec_commands_publish_a_moderators_decision_with_only_the_roles_rights(
    cloud, spy_calls, tmp_path, monkeypatch
):
    from chalicelib.db import connection
    from chalicelib.settings import reset_settings
    from nmo_cli.cli import main

    from tests.dynamodb_actions import actions_of

    trigger, codebuild, _ = cloud
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(
        Bucket="nmo-test-site", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    _publish(3)
    assert trigger.poke() == START
    published_id = generate_elements(3, today=dt.date(2026, 11, 22))[0]["element_id"]

    # The build's environment: the project's variables (template) plus the trigger's override.
    project_env = {
        v["Name"]: v["Value"]
        for v in RESOURCES["SiteBuildProject"]["Properties"]["Environment"]["EnvironmentVariables"]
    }
    values = {
        "NMO_STAGE": "test",
        "NMO_TABLE_PREFIX": PREFIX,
        "NMO_PUBLIC_URL": "https://nmo.example.ru",
        "NMO_SITE_BUCKET": "nmo-test-site",
        "NMO_DISTRIBUTION_ID": "E2EXAMPLE",
    }
    assert set(project_env) == set(values)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NMO_CATALOG_VERSION", _version_of(codebuild.started[0]).__str__())
    reset_settings()
    connection.unbind()
    monkeypatch.chdir(tmp_path)
    spy_calls.clear()

    ran = 0
    for command in BUILDSPEC["phases"]["build"]["commands"]:
        words = shlex.split(command)
        if words[0].endswith("/bin/nmo"):
            args = [os.path.expandvars(w) for w in words[1:]]
            assert main(args) == 0, command
            ran += 1
    assert ran == 2

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="nmo-test-site").get("Contents", [])}
    assert "index.html" in keys
    assert f"catalog/e/{published_id}/index.html" in keys

    # What the build did is what its role grants: DynamoDB exactly, S3 within the grants.
    dynamodb_done = {
        (resource, action)
        for operation, params in spy_calls["dynamodb"]
        for resource, action in actions_of(operation, params)
    }
    statements = _statements("SiteBuildRole")
    catalog = statements["PublishedCatalog"]
    assert dynamodb_done == {("catalog/index/by-status", "Query")}
    assert _actions(catalog) == {"dynamodb:Query"}
    assert catalog["Resource"]["Fn::Sub"].endswith("table/${TablePrefix}catalog/index/by-status")
    s3_done = {_S3_IAM[operation] for operation, _ in spy_calls["s3"]}
    s3_granted = _actions(statements["SiteBucketList"]) | _actions(statements["SiteBucketWrite"])
    assert s3_done <= s3_granted
    assert {"s3:ListBucket", "s3:PutObject"} <= s3_done
    assert _actions(statements["ClearCdnCache"]) == {"cloudfront:CreateInvalidation"}
    assert statements["ClearCdnCache"]["Resource"]["Fn::Sub"].endswith(
        "distribution/${DistributionId}"
    )


# ---- what deploy.py uploads ----------------------------------------------------------------


def test_the_build_source_is_the_tracked_repository_without_tests_and_always_the_same_zip(
    tmp_path,
):
    first = deploy.site_source_zip(tmp_path / "a.zip")
    second = deploy.site_source_zip(tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()  # same files, same key: no re-upload
    names = set(zipfile.ZipFile(first).namelist())
    for needed in (
        "pyproject.toml",
        "mkdocs.yml",
        "infra/site-buildspec.yml",
        "site/hooks/catalog.py",
        "functions/nmo_cli/cli.py",
        "functions/nmo_cli/site_build.py",
        "functions/chalicelib/db/catalog_repo.py",
    ):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "bench/", ".venv/", "build/")) for n in names)


def test_the_build_source_alone_builds_the_site(tmp_path, monkeypatch):
    """mkdocs.yml, the pages, the hooks and the templates all travel in the zip."""
    from nmo_cli.site_build import build

    source = tmp_path / "source"
    zipfile.ZipFile(deploy.site_source_zip(tmp_path / "s.zip")).extractall(source)
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text(
        "\n".join(json.dumps(d) for d in generate_elements(2, today=dt.date(2026, 11, 22))),
        encoding="utf-8",
    )
    monkeypatch.chdir(source)
    out = build(tmp_path / "site", catalog_jsonl=catalog, config_file=source / "mkdocs.yml")
    assert (out / "index.html").is_file() and (out / "catalog" / "index.json").is_file()


def test_the_trigger_zip_is_one_module_that_imports_with_only_boto3(tmp_path):
    bundle = deploy.site_trigger_zip(tmp_path / "trigger.zip")
    assert zipfile.ZipFile(bundle).namelist() == ["site_trigger.py"]
    assert deploy.site_trigger_zip(tmp_path / "again.zip").read_bytes() == bundle.read_bytes()
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import site_trigger; "
        "loaded = {m.split('.')[0] for m in sys.modules}; "
        "print(sorted(loaded & {'chalicelib', 'nmo_cli', 'pynamodb', 'chalice'}))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(bundle)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_dry_run_plan_names_the_publishing_stack(tmp_path):
    config = deploy.load_stage("pilot")
    built = api_package.Package(zip=tmp_path / "x.zip", template=tmp_path / "sam.json")
    (tmp_path / "x.zip").write_bytes(b"zip")
    text = deploy.plan(config, built).describe()
    assert "nmo-pilot-publishing ← infra/publishing.yaml" in text
