"""Applications' documents in object storage (S3 or an S3-compatible store), never through the
Lambda: the browser uploads with a presigned POST whose policy fixes the key, the content type,
the owner and the size range; the API then checks the object (size, first bytes) before an
application may name it; reviewers read it through presigned GET links valid for minutes.

Keys: `incoming/<owner tag>/<document id>` for uploads (expired by a lifecycle rule when never
attached), `applications/<application id>/<document id>` once attached. The owner tag is a hash of
the person's oid, so a key names nobody, and a document id taken from someone else's upload
points at an object that does not exist under the requester's own prefix.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from .errors import ServiceUnavailable
from .settings import get_settings

UPLOAD_SECONDS = 15 * 60
READ_SECONDS = 5 * 60
INCOMING = "incoming/"
ATTACHED = "applications/"

_lock = threading.Lock()
_client: tuple[tuple[str, str | None, str], Any] | None = None


def _s3() -> Any:
    """One client per configuration, made on first use (moto intercepts only later clients)."""
    global _client
    settings = get_settings()
    key = (settings.documents_bucket, settings.s3_endpoint, settings.region)
    with _lock:
        if _client is None or _client[0] != key:
            import boto3
            from botocore.config import Config

            config = Config(
                signature_version="s3v4",
                # A local or S3-compatible endpoint has no per-bucket host names.
                s3={"addressing_style": "path" if settings.s3_endpoint else "auto"},
                retries={"max_attempts": 3},
            )
            client = boto3.client(
                "s3", endpoint_url=settings.s3_endpoint, region_name=settings.region, config=config
            )
            _client = (key, client)
        return _client[1]


def _bucket() -> str:
    bucket = get_settings().documents_bucket
    if not bucket:
        raise ServiceUnavailable("Хранилище документов не настроено. Попробуйте позже.")
    return bucket


def owner_tag(oid: str) -> str:
    return hashlib.sha256(f"nmo-documents\x1f{oid}".encode()).hexdigest()[:24]


def incoming_key(oid: str, document_id: str) -> str:
    return f"{INCOMING}{owner_tag(oid)}/{document_id}"


def attached_key(application_id: str, document_id: str) -> str:
    return f"{ATTACHED}{application_id}/{document_id}"


def upload_form(
    oid: str, document_id: str, *, content_type: str, max_bytes: int, name: str
) -> dict[str, Any]:
    """A presigned POST: {url, fields}; S3 refuses another type, size, key or owner."""
    key = incoming_key(oid, document_id)
    fields = {
        "Content-Type": content_type,
        "x-amz-meta-owner": owner_tag(oid),
        "x-amz-meta-name": quote(name),
    }
    conditions: list[Any] = [
        {"Content-Type": content_type},
        {"x-amz-meta-owner": owner_tag(oid)},
        {"x-amz-meta-name": quote(name)},
        ["content-length-range", 1, max_bytes],
    ]
    form = _s3().generate_presigned_post(
        _bucket(), key, Fields=fields, Conditions=conditions, ExpiresIn=UPLOAD_SECONDS
    )
    return {"url": form["url"], "fields": form["fields"]}


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
    owner: str
    name: str
    head: bytes  # the first bytes, for the real type


def inspect_upload(oid: str, document_id: str, first_bytes: int) -> StoredObject | None:
    """The uploaded object under the person's own prefix, or None when there is none."""
    client = _s3()
    try:
        response = client.get_object(
            Bucket=_bucket(), Key=incoming_key(oid, document_id), Range=f"bytes=0-{first_bytes - 1}"
        )
    except client.exceptions.NoSuchKey:
        return None
    except client.exceptions.ClientError as err:
        # Without s3:ListBucket (least privilege) a missing key answers AccessDenied.
        code = err.response.get("Error", {}).get("Code")
        if code in ("NoSuchKey", "404", "InvalidRange", "AccessDenied", "403"):
            return None
        raise
    head = response["Body"].read()
    total = response.get("ContentRange", "").rpartition("/")[2]
    size = int(total) if total.isdigit() else int(response.get("ContentLength", len(head)))
    return StoredObject(
        size=size,
        content_type=str(response.get("ContentType", "")),
        owner=str((response.get("Metadata") or {}).get("owner", "")),
        name=unquote(str((response.get("Metadata") or {}).get("name", ""))),
        head=head,
    )


def attach(oid: str, document_id: str, application_id: str) -> None:
    """Copy an upload to its application's place (the incoming copy expires on its own)."""
    bucket = _bucket()
    _s3().copy_object(
        Bucket=bucket,
        Key=attached_key(application_id, document_id),
        CopySource={"Bucket": bucket, "Key": incoming_key(oid, document_id)},
        MetadataDirective="COPY",
    )


def read_link(application_id: str, document_id: str, *, name: str, content_type: str) -> str:
    """A presigned GET valid for a few minutes, served as a download. The URL carries no file
    name (names may contain a person's name; URLs end up in logs): the page shows the name."""
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    disposition = f'attachment; filename="{document_id}.{extension}"'
    return str(
        _s3().generate_presigned_url(
            "get_object",
            Params={
                "Bucket": _bucket(),
                "Key": attached_key(application_id, document_id),
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
            ExpiresIn=READ_SECONDS,
        )
    )
