"""`nmo serve` as a newcomer runs it: one origin for site and API, data kept across restarts."""

from __future__ import annotations

import json
import urllib.error
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


def test_an_element_published_while_running_appears_in_the_static_catalog(tmp_path: Path):
    import datetime as dt
    import time

    from chalicelib.db import catalog_repo
    from chalicelib.db.models import CatalogElement

    with running_stack(tmp_path, build=True) as stack:
        with stack.bound_here():
            now = dt.datetime.now(dt.UTC)
            catalog_repo.save_element(
                CatalogElement(
                    element_id="iom-publishedlive",
                    kind="iom",
                    status="published",
                    sort_key="9999-12-31#iom-publishedlive",
                    title="Сепсис: ранняя диагностика",
                    specialties=["76"],
                    hours=4,
                    organizer_id="org-1",
                    created_key="k",
                    organizer_name="ГБУЗ «Больница»",
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(
                    f"{stack.url}/catalog/e/iom-publishedlive/", timeout=10
                ) as resp:
                    status = resp.status
                    page = resp.read().decode()
                    break
            except urllib.error.HTTPError as err:
                status = err.code
            time.sleep(1)
        assert status == 200
        assert "Сепсис: ранняя диагностика" in page
