"""Least privilege per table: the Lambda's DynamoDB policy is exactly the recorded actions.

tests/dynamodb_actions.py records, while the suite drives the API and the hourly job, which
actions the code performs on which table; infra/lambda_dynamodb_actions.json is that recording,
and infra/package.py generates the policy from it. Here: the generated policy grants exactly
the file (no more, no less), the audit table is append-and-read only, and the recorder itself
maps calls to IAM actions correctly and catches a policy that grants too much or too little.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))

import package as api_package  # noqa: E402

from tests import dynamodb_actions  # noqa: E402


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    built = api_package.package("pilot", tmp_path_factory.mktemp("api") / "out", offline=True)
    return dict(json.loads(built.template.read_text(encoding="utf-8")))


# Stream reads of the notification mappings (their own statement, on stream ARNs, checked in
# test_deploy_notifications.py): not table actions.
STREAM_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}


def granted(template: dict[str, Any]) -> dict[str, set[str]]:
    """{logical resource: DynamoDB actions} the role's policies allow on tables and indexes."""
    result: dict[str, set[str]] = {}
    for policy in template["Resources"]["DefaultRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = [
                a
                for a in statement["Action"]
                if a.startswith("dynamodb:") and a not in STREAM_ACTIONS
            ]
            if not actions:
                continue
            for resource in statement["Resource"]:
                name = resource["Fn::Sub"].split(":table/${TablePrefix}", 1)[1]
                result.setdefault(name, set()).update(a.split(":", 1)[1] for a in actions)
    return result


def test_the_policy_grants_exactly_the_recorded_actions(template):
    recorded = dynamodb_actions.load(dynamodb_actions.COMMITTED)
    assert recorded, "infra/lambda_dynamodb_actions.json is empty"
    assert granted(template) == recorded


def test_the_audit_table_is_append_and_read_only(template):
    assert granted(template)["audit"] == {"PutItem", "Query"}


def test_no_scan_and_no_table_administration(template):
    every = set().union(*granted(template).values())
    assert not every & {"Scan", "CreateTable", "DeleteTable", "UpdateTable", "DescribeTable"}


def test_deletes_and_batch_writes_only_where_the_code_does_them(template):
    policy = granted(template)
    deleting = {r for r, a in policy.items() if "DeleteItem" in a}
    batch_writing = {r for r, a in policy.items() if "BatchWriteItem" in a}
    recorded = dynamodb_actions.load(dynamodb_actions.COMMITTED)
    assert deleting == {r for r, a in recorded.items() if "DeleteItem" in a}
    assert batch_writing == {r for r, a in recorded.items() if "BatchWriteItem" in a}
    assert "audit" not in deleting | batch_writing


def test_the_recorder_maps_calls_to_iam_actions_by_logical_table(monkeypatch):
    monkeypatch.setenv("NMO_TABLE_PREFIX", "nmo-x-")
    from chalicelib.settings import reset_settings

    reset_settings()
    try:
        transact = {
            "TransactItems": [
                {"Put": {"TableName": "nmo-x-audit"}},
                {"Update": {"TableName": "nmo-x-catalog"}},
                {"ConditionCheck": {"TableName": "nmo-x-codes"}},
                {"Delete": {"TableName": "nmo-x-login-states"}},
            ]
        }
        assert dynamodb_actions.actions_of("TransactWriteItems", transact) == [
            ("audit", "PutItem"),
            ("catalog", "UpdateItem"),
            ("codes", "ConditionCheckItem"),
            ("login-states", "DeleteItem"),
        ]
        query = {"TableName": "nmo-x-catalog", "IndexName": "by-status"}
        assert dynamodb_actions.actions_of("Query", query) == [("catalog/index/by-status", "Query")]
        batch = {"RequestItems": {"nmo-x-registrations": []}}
        assert dynamodb_actions.actions_of("BatchWriteItem", batch) == [
            ("registrations", "BatchWriteItem")
        ]
    finally:
        reset_settings()


def test_a_policy_granting_too_little_or_too_much_is_reported():
    performed = {"audit": {"PutItem", "Query"}, "catalog": {"GetItem"}}
    too_little = {"audit": {"PutItem"}, "catalog": {"GetItem"}}
    too_much = {"audit": {"PutItem", "Query", "DeleteItem"}, "catalog": {"GetItem"}}
    assert dynamodb_actions.compare(performed, too_little, complete=False) == [
        "performed but not granted: audit ['Query']"
    ]
    assert dynamodb_actions.compare(performed, too_much, complete=True) == [
        "granted but never performed: audit ['DeleteItem']"
    ]
    # a partial run cannot know what is unused, only what is missing
    assert dynamodb_actions.compare(performed, too_much, complete=False) == []


def test_the_recorder_sees_a_real_request(client):
    """One API call made here lands in the recording with its table's logical name."""
    kept = {r: set(a) for r, a in dynamodb_actions.recorded.items()}
    dynamodb_actions.recorded.clear()
    try:
        response = client.http.get("/api/catalog/elements")
        assert response.status_code == 200
        assert dict(dynamodb_actions.recorded) == {"catalog/index/by-status": {"Query"}}
    finally:
        for resource, actions in kept.items():  # the run's recording goes on
            dynamodb_actions.recorded[resource] |= actions
