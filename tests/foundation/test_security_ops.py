"""Findings 3 (JSON depth), 6 (JSON bodies only) and 8 (operations): /healthz over plain HTTP, the
schema and docs behind a login in production, JSON nested 5,000 deep."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PRODUCTION = {"SECURE_SSL_REDIRECT": True, "ALLOWED_HOSTS": ["medsec.example.org"], "DEBUG": False}


@override_settings(**PRODUCTION)
def test_healthz_answers_200_over_plain_http_by_ip_while_the_rest_redirects(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert client.get("/login/", HTTP_HOST="medsec.example.org").status_code == 301
    assert client.get("/healthz/", HTTP_HOST="medsec.example.org").status_code == 301


@override_settings(API_DOCS_PUBLIC=False)
def test_schema_and_docs_need_a_login_when_not_public(client, clerk, api_client_factory):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    http, _record = api_client_factory(kind="tax_bureau", scopes=("contributions",))
    assert http.get("/api/schema/?format=json").status_code == 200
    client.force_login(clerk)
    assert client.get("/api/schema/?format=json").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_production_settings_close_the_docs(monkeypatch):
    import importlib

    import config.settings as module

    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("SECRET_KEY", "test-only-" + "x" * 40)
    monkeypatch.delenv("API_DOCS_PUBLIC", raising=False)
    try:
        production = importlib.reload(module)
        assert production.API_DOCS_PUBLIC is False
    finally:
        monkeypatch.undo()
        importlib.reload(module)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/trial-settlements/", "/api/v1/settlements/", "/api/v1/contributions/", "/api/v1/certificates/"],
)
def test_json_nested_5000_deep_is_400_on_every_json_endpoint(clerk, path):
    http = APIClient()
    http.force_authenticate(clerk)
    body = "[" * 5000 + "]" * 5000
    response = http.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than" in str(response.content)


def test_nesting_depth_ignores_brackets_in_strings():
    from core.parsers import nesting_depth

    assert nesting_depth(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 3) == 1
    assert nesting_depth(b'{"a": "\\"[[[[[", "b": [[1]]}', 2) == 3
    assert nesting_depth(b"[[[[]]]]", 10) == 0  # under the cheap bound: not scanned


def test_form_and_multipart_bodies_are_refused_and_not_advertised(clerk, client):
    http = APIClient()
    http.force_authenticate(clerk)
    response = http.post("/api/v1/settlements/", {"id_number": "x"}, format="multipart")
    assert response.status_code == 415
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            assert set(content) <= {"application/json"}, (path, method, set(content))


def test_schema_documents_every_framework_status(client):
    """Finding 6: 400 was undocumented on /settlements/ and /settlements/trial/, 401/403/404 everywhere."""
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "401", "403", "429"} <= statuses, (path, method)
            if "{" in path:
                assert "404" in statuses, (path, method)
    refusal_403 = schema["paths"]["/api/v1/settlements/"]["post"]["responses"]["403"]
    assert {"$ref": "#/components/schemas/Error"} in refusal_403["content"]["application/json"]["schema"][
        "anyOf"
    ]


@override_settings(DEBUG=False)
def test_api_404_is_json(clerk):
    http = APIClient()
    http.force_authenticate(clerk)
    response = http.get("/api/v1/settlements/-1/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
