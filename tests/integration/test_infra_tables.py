"""The tables stack is the models' twin: same keys, indexes, projections and TTL, and it really
creates working tables (on moto's CloudFormation)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalicelib.db import connection
from chalicelib.db.models import ALL_MODELS, LoginState, Registration
from chalicelib.settings import reset_settings
from moto import mock_aws

INFRA = Path(__file__).resolve().parents[2] / "infra"
sys.path.insert(0, str(INFRA))

import generate_tables  # noqa: E402

TEMPLATE = json.loads((INFRA / "tables.json").read_text(encoding="utf-8"))


def _tables_in_template() -> dict[str, dict[str, Any]]:
    tables = {}
    for resource in TEMPLATE["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            name = resource["Properties"]["TableName"]["Fn::Sub"].removeprefix("${Prefix}")
            tables[name] = resource
    return tables


def _keys(schema: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in schema}


def _model_view(model: Any) -> dict[str, Any]:
    """What PynamoDB itself would ask DynamoDB for (its own create-table schema)."""
    schema = model._get_schema()
    return {
        "keys": _keys(schema["key_schema"]),
        "attributes": {
            a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]
        },
        "indexes": {
            i["index_name"]: (_keys(i["key_schema"]), i["projection"]["ProjectionType"])
            for i in schema["global_secondary_indexes"]
        },
        "local_indexes": [i["index_name"] for i in schema["local_secondary_indexes"]],
        "ttl": model.ttl_attribute,
    }


def _template_view(resource: dict[str, Any]) -> dict[str, Any]:
    props = resource["Properties"]
    ttl = props.get("TimeToLiveSpecification")
    return {
        "keys": _keys(props["KeySchema"]),
        "attributes": {
            a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]
        },
        "indexes": {
            i["IndexName"]: (_keys(i["KeySchema"]), i["Projection"]["ProjectionType"])
            for i in props.get("GlobalSecondaryIndexes", [])
        },
        "local_indexes": [i["IndexName"] for i in props.get("LocalSecondaryIndexes", [])],
        "ttl": ttl["AttributeName"] if ttl and ttl["Enabled"] else None,
    }


def test_committed_tables_template_is_generated_from_the_current_models():
    assert (INFRA / "tables.json").read_text(encoding="utf-8") == generate_tables.render(), (
        "infra/tables.json is stale: run python infra/generate_tables.py"
    )


def test_every_model_has_exactly_one_table_and_no_table_lacks_a_model():
    assert set(_tables_in_template()) == {m.table for m in ALL_MODELS}


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.table)
def test_table_keys_indexes_projections_and_ttl_equal_the_model(model):
    assert _template_view(_tables_in_template()[model.table]) == _model_view(model)


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda m: m.table)
def test_table_is_on_demand_recoverable_encrypted_and_protected(model):
    resource = _tables_in_template()[model.table]
    props = resource["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain"


def test_ttl_attribute_of_a_model_is_a_ttl_attribute_of_the_model():
    from pynamodb.attributes import TTLAttribute

    expiring = [m for m in ALL_MODELS if m.ttl_attribute]
    assert LoginState in expiring
    for model in expiring:
        assert isinstance(model.get_attributes()[model.ttl_attribute], TTLAttribute)


def test_every_table_has_a_throttle_alarm_to_the_alarm_topic():
    alarms = [r for r in TEMPLATE["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    watched = set()
    for alarm in alarms:
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]
        for metric in props["Metrics"]:
            if "MetricStat" in metric:
                dims = metric["MetricStat"]["Metric"]["Dimensions"]
                watched.add(dims[0]["Value"]["Ref"])
    assert watched == {generate_tables.logical_id(m) for m in ALL_MODELS}


@mock_aws
def test_tables_stack_creates_tables_on_cloudformation_that_accept_items(monkeypatch):
    cfn = boto3.client("cloudformation", region_name="eu-central-1")
    cfn.create_stack(
        StackName="nmo-drill-tables",
        TemplateBody=(INFRA / "tables.json").read_text(encoding="utf-8"),
        Parameters=[
            {"ParameterKey": "Prefix", "ParameterValue": "nmo-drill-"},
            {"ParameterKey": "Stage", "ParameterValue": "drill"},
            {
                "ParameterKey": "AlarmTopicArn",
                "ParameterValue": "arn:aws:sns:eu-central-1:123456789012:nmo-drill-alarms",
            },
        ],
    )
    stack = cfn.describe_stacks(StackName="nmo-drill-tables")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    names = boto3.client("dynamodb", region_name="eu-central-1").list_tables()["TableNames"]
    assert sorted(names) == sorted(f"nmo-drill-{m.table}" for m in ALL_MODELS)

    # The application's own models, pointed at the stack's tables, write and query them.
    monkeypatch.setenv("NMO_TABLE_PREFIX", "nmo-drill-")
    monkeypatch.delenv("NMO_DYNAMODB_ENDPOINT", raising=False)
    reset_settings()
    connection.unbind()
    try:
        connection.ensure_bound()
        now = dt.datetime.now(dt.UTC)
        Registration(
            event_id="ev-1",
            oid="oid-1",
            registration_id="r-1",
            status="waitlisted",
            wait_seq=1,
            registered_key=f"{now.isoformat()}#ev-1",
            registered_at=now,
            updated_at=now,
        ).save()
        LoginState(
            state="s-1", browser_binding="b", created_at=now, expires_at=dt.timedelta(minutes=5)
        ).save()
        head = list(Registration.waitlist.query("ev-1", limit=1))
        assert [r.oid for r in head] == ["oid-1"]
        assert [r.oid for r in Registration.by_person.query("oid-1")] == ["oid-1"]
        assert LoginState.get("s-1").browser_binding == "b"
    finally:
        reset_settings()
        connection.unbind()
