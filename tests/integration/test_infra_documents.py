"""The documents bucket of applications in the API stack: private, encrypted, TLS only, with a
lifecycle; the Lambda's role may only put and get objects under the two prefixes the code uses."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))

import package as api_package  # noqa: E402


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    built = api_package.package("pilot", tmp_path_factory.mktemp("api") / "out", offline=True)
    return dict(json.loads(built.template.read_text(encoding="utf-8")))


def test_documents_bucket_is_private_encrypted_and_expires_what_is_never_attached(template):
    bucket = template["Resources"]["DocumentsBucket"]
    props = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert all(props["PublicAccessBlockConfiguration"].values())
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    lifecycle = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    from chalicelib import document_store

    assert lifecycle["unattached-uploads"]["Prefix"] == document_store.INCOMING
    assert lifecycle["unattached-uploads"]["ExpirationInDays"] == 1
    assert lifecycle["attached-documents"]["Prefix"] == document_store.ATTACHED
    policy = template["Resources"]["DocumentsBucketPolicy"]["Properties"]["PolicyDocument"]
    tls = policy["Statement"][0]
    assert (tls["Effect"], tls["Condition"]["Bool"]["aws:SecureTransport"]) == ("Deny", "false")


def test_the_role_may_only_put_and_get_documents_under_the_codes_prefixes(template):
    role = template["Resources"]["DefaultRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    s3 = [s for s in statements if any(str(a).startswith("s3:") for a in s["Action"])]
    assert len(s3) == 1
    assert sorted(s3[0]["Action"]) == ["s3:GetObject", "s3:PutObject"]
    resources = [r["Fn::Sub"] for r in s3[0]["Resource"]]
    assert resources == [
        "${DocumentsBucket.Arn}/incoming/*",
        "${DocumentsBucket.Arn}/applications/*",
    ]
    env = template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["NMO_DOCUMENTS_BUCKET"] == {"Ref": "DocumentsBucket"}
