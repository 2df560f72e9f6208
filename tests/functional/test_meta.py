import json


def test_can_check_health(client):
    resp = client.http.get("/api/health")
    assert resp.status_code == 200
    assert resp.json_body == {"status": "ok"}


def test_openapi_lists_every_route_with_a_russian_summary(client):
    from app import app

    doc = client.http.get("/api/openapi.json").json_body
    assert doc["openapi"].startswith("3.")
    for path, methods in app.routes.items():
        for method in methods:
            op = doc["paths"][path][method.lower()]
            assert op["summary"], f"{method} {path} has no summary"


def test_body_over_one_megabyte_is_refused_with_413(client):
    body = json.dumps({"x": "a" * (1024 * 1024 + 10)})
    resp = client.http.post("/api/health", body=body, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    assert resp.json_body["error"]["code"] == "payload_too_large"


def test_unknown_catalog_specialty_gets_a_russian_400_naming_the_field(client):
    resp = client.http.get("/api/catalog/elements?specialty=99999")
    assert resp.status_code == 400
    body = resp.json_body
    assert body["error"]["field"] == "specialty"
    assert "специальност" in body["error"]["message"]


def test_unexpected_failure_is_a_500_in_the_error_shape_without_a_stack_trace(client, monkeypatch):
    from chalicelib.services import catalog

    def boom(params):
        raise RuntimeError("secret detail 112-233-445 95")

    monkeypatch.setattr(catalog, "list_published", boom)
    resp = client.http.get("/api/catalog/elements")
    assert resp.status_code == 500
    assert resp.json_body["error"]["code"] == "internal_error"
    assert "secret" not in resp.body.decode()


def test_malformed_json_body_gets_400_not_500():
    from chalice.app import Request
    from chalicelib.errors import InvalidInput
    from chalicelib.web import json_body

    for raw in (b"{not json", b"\xff\xfe", b"[1,2]", b""):
        req = Request(
            {
                "body": raw.decode("latin-1"),
                "isBase64Encoded": False,
                "headers": {},
                "multiValueQueryStringParameters": None,
                "pathParameters": None,
                "requestContext": {"httpMethod": "POST", "resourcePath": "/x"},
                "stageVariables": None,
            }
        )
        try:
            json_body(req)
        except InvalidInput as err:
            assert err.message
        else:
            raise AssertionError(f"{raw!r} accepted")


# The contract of api.md: paths the cabinet page, organizers' tools and outside clients rely on.
API_CONTRACT = {
    ("GET", "/api/auth/esia/login"),
    ("GET", "/api/auth/esia/callback"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/me"),
    ("GET", "/api/catalog/elements"),
    ("GET", "/api/events/{event_id}"),
    ("GET", "/api/me/cycles"),
    ("GET", "/api/me/credits"),
    ("POST", "/api/me/credits/codes"),
    ("GET", "/api/me/credits/export"),
    ("GET", "/api/me/registrations"),
    ("POST", "/api/events/{event_id}/registrations"),
    ("DELETE", "/api/events/{event_id}/registrations/me"),
    ("PUT", "/api/me/consent"),
    ("POST", "/api/organizer/events"),
    ("PUT", "/api/organizer/events/{event_id}"),
    ("POST", "/api/organizer/events/{event_id}/submit"),
    ("GET", "/api/organizer/events/{event_id}/registrations"),
    ("POST", "/api/organizer/events/{event_id}/attendance"),
    ("GET", "/api/moderation/events"),
    ("POST", "/api/moderation/events/{event_id}/decision"),
    ("GET", "/api/health"),
    ("GET", "/api/openapi.json"),
}


def test_openapi_document_covers_the_whole_api_contract(client):
    doc = client.http.get("/api/openapi.json").json_body
    published = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    assert API_CONTRACT <= published, sorted(API_CONTRACT - published)


def test_openapi_documents_redirects_and_required_body_fields(client):
    from chalicelib.openapi import REQUEST_BODIES

    doc = client.http.get("/api/openapi.json").json_body
    login = doc["paths"]["/api/auth/esia/login"]["get"]["responses"]
    assert "302" in login and "200" not in login
    plan = doc["paths"]["/api/me/plan"]["post"]["requestBody"]
    assert plan["required"] is True
    assert plan["content"]["application/json"]["schema"]["required"] == ["element_id", "specialty"]
    for method, path in REQUEST_BODIES:  # no schema for a route that does not exist
        assert method.lower() in doc["paths"][path], (method, path)
