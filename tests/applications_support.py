"""Test helpers for applications: object storage on a real moto server (presigned POST needs
HTTP), a finished event in the catalog, documents uploaded the way the browser does."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from chalicelib.db.connection import ensure_bound
from chalicelib.db.models import CatalogElement, EventDay, Organization

MSK = dt.timezone(dt.timedelta(hours=3))
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NOT_A_PDF = b"MZ\x90\x00 this is an executable renamed to .pdf"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """One moto server for the run (S3 only is used through it)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def documents_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh private documents bucket for one test; the API is pointed at it."""
    import boto3
    from chalicelib.settings import reset_settings

    bucket = f"nmo-docs-{secrets.token_hex(4)}"
    monkeypatch.setenv("NMO_S3_ENDPOINT", s3_server)
    monkeypatch.setenv("NMO_DOCUMENTS_BUCKET", bucket)
    reset_settings()
    boto3.client("s3", endpoint_url=s3_server, region_name="eu-central-1").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
    )
    return bucket


def finished_event(
    org_id: str = "org-kgmu",
    *,
    days_ago: int = 3,
    hours: int = 6,
    specialty: str = "76",
    title: str = "Школа терапевта: артериальная гипертензия",
) -> tuple[str, str]:
    """A finished event (held `days_ago`) of an organization: (event id, its day)."""
    ensure_bound()
    if not _org_exists(org_id):
        Organization(org_id=org_id, name="КГМУ", created_at=dt.datetime.now(dt.UTC)).save()
    day = (dt.datetime.now(MSK) - dt.timedelta(days=days_ago)).date()
    start = dt.datetime(day.year, day.month, day.day, 10, tzinfo=MSK)
    event_id = f"ev-{secrets.token_hex(6)}"
    now = dt.datetime.now(dt.UTC)
    CatalogElement(
        element_id=event_id,
        kind="event",
        status="finished",
        sort_key=f"{day.isoformat()}#{event_id}",
        title=title,
        specialties=[specialty],
        hours=hours,
        starts_on=day.isoformat(),
        ends_on=day.isoformat(),
        days=[
            EventDay(
                date=day.isoformat(),
                starts_at=start.isoformat(),
                ends_at=(start + dt.timedelta(hours=6)).isoformat(),
                hours=hours,
            )
        ],
        format="in_person",
        organizer_id=org_id,
        created_key=f"{now.isoformat()}#{event_id}",
        organizer_name="КГМУ",
        capacity=50,
        created_at=now,
        updated_at=now,
    ).save()
    return event_id, day.isoformat()


def _org_exists(org_id: str) -> bool:
    try:
        Organization.get(org_id)
    except Organization.DoesNotExist:
        return False
    return True


def upload(
    client: Any,
    headers: dict,
    content: bytes,
    *,
    name: str = "справка.pdf",
    content_type: str = "application/pdf",
    declared_size: int | None = None,
) -> Any:
    """Ask for a presigned POST and upload like a browser; returns the API's answer (the
    document id in `json_body["id"]` when it was 201)."""
    resp = client.http.post(
        "/api/me/applications/documents",
        body=json.dumps(
            {
                "file_name": name,
                "content_type": content_type,
                "size": declared_size if declared_size is not None else len(content),
            }
        ),
        headers=headers,
    )
    if resp.status_code != 201:
        return resp
    form = resp.json_body["upload"]
    sent = requests.post(
        form["url"], data=form["fields"], files={"file": (name, content, content_type)}, timeout=30
    )
    assert sent.status_code in (200, 201, 204), sent.text
    return resp


def file(client: Any, headers: dict, body: dict[str, Any]) -> Any:
    body = {"request_id": secrets.token_hex(8), **body}
    return client.http.post("/api/me/applications", body=json.dumps(body), headers=headers)
