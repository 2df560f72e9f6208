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
