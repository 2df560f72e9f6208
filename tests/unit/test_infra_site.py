"""The site stack: a private bucket read only by its CDN, /api/* on the same origin uncached,
and security headers on every answer."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

INFRA = Path(__file__).resolve().parents[2] / "infra"
sys.path.insert(0, str(INFRA))

import package as api_package  # noqa: E402

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return dict(api_package.load_template(INFRA / "site.yaml")["Resources"])


@pytest.fixture(scope="module")
def distribution(resources: dict[str, Any]) -> dict[str, Any]:
    return dict(resources["Distribution"]["Properties"]["DistributionConfig"])


def _api_behaviour(distribution: dict[str, Any]) -> dict[str, Any]:
    (behaviour,) = [b for b in distribution["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    return dict(behaviour)


def test_site_bucket_is_private_and_encrypted(resources):
    bucket = resources["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert "WebsiteConfiguration" not in bucket


def test_only_this_distribution_may_read_the_bucket(resources):
    statements = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${Distribution}")
        assert statement["Action"] in ("s3:GetObject", "s3:ListBucket")


def test_site_origin_uses_origin_access_control(distribution):
    (site,) = [o for o in distribution["Origins"] if o["Id"] == "site"]
    assert site["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert site["S3OriginConfig"]["OriginAccessIdentity"] == ""


def test_api_is_served_on_the_same_origin_under_api_without_caching(distribution):
    behaviour = _api_behaviour(distribution)
    (api,) = [o for o in distribution["Origins"] if o["Id"] == behaviour["TargetOriginId"]]
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert api["OriginPath"] == {"Fn::Sub": "/${ApiStageName}"}
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert set(behaviour["AllowedMethods"]) >= {"GET", "POST", "PUT", "PATCH", "DELETE"}
    assert behaviour["ViewerProtocolPolicy"] == "https-only"


def test_api_receives_the_session_cookie_csrf_header_and_query_but_not_host(resources):
    config = resources["ApiOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert config["CookiesConfig"]["CookieBehavior"] == "all"
    assert config["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    headers = {h.lower() for h in config["HeadersConfig"]["Headers"]}
    assert {"x-csrf-token", "content-type"} <= headers
    assert "host" not in headers


def test_no_error_page_replaces_the_api_json_errors(distribution):
    assert "CustomErrorResponses" not in distribution


def test_every_answer_carries_the_security_headers(resources, distribution):
    policy_ref = {"Ref": "SecurityHeadersPolicy"}
    assert distribution["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == policy_ref
    assert _api_behaviour(distribution)["ResponseHeadersPolicyId"] == policy_ref
    headers = resources["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"]
    assert headers["ContentSecurityPolicy"]["ContentSecurityPolicy"] == {
        "Ref": "ContentSecurityPolicy"
    }


def test_default_content_security_policy_allows_no_inline_scripts():
    template = api_package.load_template(INFRA / "site.yaml")
    csp = template["Parameters"]["ContentSecurityPolicy"]["Default"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_http_visitors_are_sent_to_https_for_pages(distribution):
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
