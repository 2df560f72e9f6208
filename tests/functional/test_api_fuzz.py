"""A bounded property-based run of the whole API from its own OpenAPI document (schemathesis):
generated bodies, paths and queries, anonymous and signed in, through the local origin (the
API Gateway event shape). Every answer is below 500, and every error is in the contract's shape."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.slow

_SITE = Path(tempfile.mkdtemp(prefix="nmo-fuzz-site-"))
(_SITE / "index.html").write_text("<h1>НМО</h1>", encoding="utf-8")


def _origin() -> Any:
    from app import app
    from nmo_cli.devserver import PortalOrigin
    from nmo_cli.site_build import DEFAULT_CSP

    return PortalOrigin(_SITE, app, max_body=64 * 1024, csp=DEFAULT_CSP)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", _origin())


@pytest.fixture
def signed_in(esia: Any) -> dict[str, str]:
    """A person with every role, and ЕСИА (the emulator) configured for the login routes."""
    from tests.people import login_headers, make_person

    person = make_person(
        "1000000999",
        roles=["specialist", "organizer", "moderator"],
        specialties=[("76", "2023-03-15")],
        organization_id="org-fuzz",
    )
    headers = login_headers(person)
    return {"Cookie": headers["Cookie"], "X-CSRF-Token": headers["X-CSRF-Token"]}


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,  # I/O through moto: no timing assumptions
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases every run: a failure here is reproducible
)
def test_every_route_answers_generated_input_without_a_5xx(
    case: Any, signed_in: dict[str, str]
) -> None:
    for headers in ({}, signed_in):
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
        content_type = response.headers.get("Content-Type", "")
        if isinstance(content_type, list):
            content_type = content_type[0]
        if response.status_code >= 400 and "json" in content_type:
            error = response.json()["error"]
            assert set(error) >= {"code", "message", "field"}
            assert any("а" <= ch.lower() <= "я" for ch in error["message"]), error
