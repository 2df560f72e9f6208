"""`nmo serve` as a newcomer runs it: one origin for site and API, data kept across restarts."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import boto3

from tests.stack import running_stack


def _get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


def test_stack_serves_site_and_api_on_one_origin_and_keeps_data_across_restarts(tmp_path: Path):
    with running_stack(tmp_path) as stack:
        status, body = _get(f"{stack.url}/api/health")
        assert (status, body) == (200, {"status": "ok"})
        with urllib.request.urlopen(f"{stack.url}/", timeout=10) as resp:
            assert "НМО" in resp.read().decode()
        client = boto3.client(
            "dynamodb",
            endpoint_url=stack.dynamodb_url,
            region_name="eu-central-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        client.put_item(
            TableName=f"{stack.table_prefix}organizations",
            Item={
                "org_id": {"S": "org-test"},
                "name": {"S": "ГБУЗ «Тестовая больница»"},
                "created_at": {"S": "2026-11-22T00:00:00.000000+0000"},
            },
        )
        first_url = stack.dynamodb_url

    with running_stack(tmp_path) as stack:
        client = boto3.client(
            "dynamodb",
            endpoint_url=stack.dynamodb_url,
            region_name="eu-central-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        item = client.get_item(
            TableName=f"{stack.table_prefix}organizations", Key={"org_id": {"S": "org-test"}}
        ).get("Item")
        assert first_url  # the first run really ran
        assert item is not None
        assert item["name"]["S"] == "ГБУЗ «Тестовая больница»"
