"""Writes infra/tables.json from the PynamoDB models, so the tables stack is never typed by hand.

Run `python infra/generate_tables.py` after changing a model; `--check` exits 1 when the committed
template is stale (a test runs the same comparison).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

INFRA = Path(__file__).resolve().parent
sys.path.insert(0, str(INFRA.parent / "functions"))

from chalicelib.db.models import ALL_MODELS, PortalModel  # noqa: E402
from chalicelib.db.models.schema import schema_of  # noqa: E402

OUTPUT = INFRA / "tables.json"
_TYPES = {"S": "S", "N": "N", "B": "B"}


def logical_id(model: type[PortalModel]) -> str:
    return "".join(part.capitalize() for part in model.table.split("-")) + "Table"


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def table_properties(model: type[PortalModel]) -> dict[str, Any]:
    """The CloudFormation properties of one model's table (keys, indexes, TTL, safety switches)."""
    schema = schema_of(model)
    indexes = []
    for index in schema.indexes:
        projection: dict[str, Any] = {"ProjectionType": index.projection_type}
        if index.non_key_attributes:
            projection["NonKeyAttributes"] = list(index.non_key_attributes)
        indexes.append(
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.hash_key, index.range_key),
                "Projection": projection,
            }
        )
    hash_key, range_key, key_types = schema.hash_key, schema.range_key, schema.key_types
    properties: dict[str, Any] = {
        "TableName": {"Fn::Sub": "${Prefix}" + model.table},
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": _TYPES[kind]}
            for name, kind in sorted(key_types.items())
        ],
        "KeySchema": _key_schema(hash_key, range_key),
    }
    if indexes:
        properties["GlobalSecondaryIndexes"] = indexes
    if model.ttl_attribute:
        properties["TimeToLiveSpecification"] = {
            "AttributeName": model.ttl_attribute,
            "Enabled": True,
        }
    stream_view = getattr(model.Meta, "stream_view_type", None)
    if stream_view:
        # Streams are declared on the models (Meta.stream_view_type), where each says who reads it.
        properties["StreamSpecification"] = {"StreamViewType": stream_view}
    properties.update(
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "DeletionProtectionEnabled": True,
            "Tags": [
                {"Key": "app", "Value": "nmo-portal"},
                {"Key": "stage", "Value": {"Ref": "Stage"}},
            ],
        }
    )
    return properties


def throttle_alarm(model: type[PortalModel]) -> dict[str, Any]:
    """On-demand tables throttle only past twice their previous peak: any throttle is news."""
    table = {"Ref": logical_id(model)}

    def metric(metric_id: str, name: str) -> dict[str, Any]:
        return {
            "Id": metric_id,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/DynamoDB",
                    "MetricName": name,
                    "Dimensions": [{"Name": "TableName", "Value": table}],
                },
                "Period": 300,
                "Stat": "Sum",
            },
        }

    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": {"Fn::Sub": "DynamoDB throttles on ${Prefix}" + model.table},
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1,
            "EvaluationPeriods": 1,
            "TreatMissingData": "notBreaching",
            "Metrics": [
                metric("reads", "ReadThrottleEvents"),
                metric("writes", "WriteThrottleEvents"),
                {"Id": "throttles", "Expression": "reads + writes", "ReturnData": True},
            ],
            "AlarmActions": [{"Ref": "AlarmTopicArn"}],
            "OKActions": [{"Ref": "AlarmTopicArn"}],
        },
    }


def build_template() -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for model in ALL_MODELS:
        resources[logical_id(model)] = {
            "Type": "AWS::DynamoDB::Table",
            # Tables hold the region's records: a stack deletion or replacement must not drop them.
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": table_properties(model),
        }
    for model in ALL_MODELS:
        resources[logical_id(model).removesuffix("Table") + "ThrottleAlarm"] = throttle_alarm(model)
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "NMO portal: DynamoDB tables (generated by infra/generate_tables.py from "
        "chalicelib.db.models; do not edit by hand)",
        "Parameters": {
            "Prefix": {
                "Type": "String",
                "Description": "Table name prefix, equal to NMO_TABLE_PREFIX of the stage",
                "AllowedPattern": "^[a-z0-9][a-z0-9-]*-$",
            },
            "Stage": {"Type": "String", "AllowedPattern": "^[a-z0-9-]+$"},
            "AlarmTopicArn": {"Type": "String", "Description": "SNS topic for alarms"},
        },
        "Resources": resources,
        "Outputs": {
            logical_id(model) + "Arn": {"Value": {"Fn::GetAtt": [logical_id(model), "Arn"]}}
            for model in ALL_MODELS
        }
        | {
            logical_id(model) + "StreamArn": {
                "Value": {"Fn::GetAtt": [logical_id(model), "StreamArn"]}
            }
            for model in ALL_MODELS
            if getattr(model.Meta, "stream_view_type", None)
        },
    }


def render() -> str:
    return json.dumps(build_template(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Шаблон таблиц DynamoDB из моделей PynamoDB")
    parser.add_argument("--check", action="store_true", help="только проверить, что файл актуален")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT} устарел: запустите python infra/generate_tables.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"записан {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
