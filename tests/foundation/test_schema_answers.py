"""What schemathesis found answered against /api/schema/ (issue 11, the CI step `make api-check`):
each answer is now documented, with the body the schema gives it."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient

from core import schema as core_schema
from tests.schema_check import assert_conforms

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    return client.get("/api/schema/?format=json").json()


def test_framework_error_is_detail_not_an_apps_refusal(schema):
    """Was: assistance's ErrorSerializer also made a component `Error`, which replaced core.schema's, so
    every documented 401/403/404/429 said `{"errors": …}` while the API answered `{"detail": …}`."""
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"] and "errors" not in error["properties"]


def test_a_component_clash_fails_schema_generation():
    result = {"components": {"schemas": {"Error": {"type": "object", "required": ["errors"]}}}, "paths": {}}
    with pytest.raises(ImproperlyConfigured, match="Error"):
        core_schema.document_framework_answers(result, None, None, True)


def test_not_found_on_a_detail_route_matches_the_schema(schema, api_client_factory):
    """Was: GET /settlements/{id}/, /maternity/applications/{id}/ and the clearings answered a 404
    `{"detail"}` the schema (through the clash) said was `{"errors"}`."""
    hospital, _ = api_client_factory(kind="institution", scopes=("settlement",), organisation_code="H1")
    employer, _ = api_client_factory(kind="employer", scopes=("maternity",), organisation_code="91330000X")
    for http, path, url in [
        (hospital, "/api/v1/settlements/{id}/", "/api/v1/settlements/999999/"),
        (hospital, "/api/v1/institutions/clearings/{id}/", "/api/v1/institutions/clearings/999999/"),
        (employer, "/api/v1/maternity/applications/{id}/", "/api/v1/maternity/applications/999999/"),
    ]:
        response = http.get(url)
        assert response.status_code == 404
        assert_conforms(schema, path, "get", response)


def test_a_page_past_the_end_is_a_documented_404(schema, api_client_factory):
    """Was an undocumented 404: `?page=null` (DRF's "invalid page") on every paginated list."""
    employer, _ = api_client_factory(kind="employer", scopes=("maternity",), organisation_code="91330000X")
    response = employer.get("/api/v1/maternity/applications/", {"page": "null"})
    assert response.status_code == 404
    assert_conforms(schema, "/api/v1/maternity/applications/", "get", response)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if any(p["name"] == "page" for p in operation.get("parameters", [])):
                assert "404" in operation["responses"], (method, path)


def test_maternity_field_errors_match_the_documented_400(schema, api_client_factory):
    """Was a mismatched 400: POST /maternity/applications/ without its required fields answers DRF's
    `{field: [reasons]}`, documented only as the maternity refusal `{field, detail, article}`."""
    employer, _ = api_client_factory(kind="employer", scopes=("maternity",), organisation_code="91330000X")
    response = employer.post("/api/v1/maternity/applications/", {}, format="json")
    assert response.status_code == 400 and {"id_number", "event_kind", "event_date"} <= set(response.json())
    assert_conforms(schema, "/api/v1/maternity/applications/", "post", response)


def test_unparsable_json_matches_the_documented_400_on_intake(schema, api_client_factory):
    """Was: `{"detail": "JSON parse error …"}` on /certificates/ did not match its documented 400."""
    civil, _ = api_client_factory(kind="civil_affairs", scopes=("certificates",))
    response = civil.post("/api/v1/certificates/", data=b"\xc2ZS", content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()
    assert_conforms(schema, "/api/v1/certificates/", "post", response)


def test_the_400_of_every_operation_with_a_body_may_be_field_errors(schema):
    """A serializer's `is_valid` answers `{field: [reasons]}` wherever a body is validated."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            documented = operation["responses"]["400"]["content"]["application/json"]["schema"]
            alternatives = documented.get("anyOf", [documented])
            assert {"$ref": "#/components/schemas/ValidationErrors"} in alternatives, (method, path)


def test_unauthenticated_answer_matches_the_schema(schema):
    response = APIClient().post("/api/v1/certificates/", {"records": []}, format="json")
    assert response.status_code == 401
    assert_conforms(schema, "/api/v1/certificates/", "post", response)
