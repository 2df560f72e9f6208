"""Test helpers for tests that talk to the embedded store (`embedded_tables`) directly."""

from __future__ import annotations

from typing import Any

import boto3


def string_keyed_table(name: str) -> tuple[Any, str]:
    """A client of the embedded store and a fresh table keyed by the string `k`."""
    from chalicelib.settings import get_settings

    settings = get_settings()
    client = boto3.client(
        "dynamodb", endpoint_url=settings.dynamodb_endpoint, region_name=settings.region
    )
    table = f"{settings.table_prefix}{name}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client, table
