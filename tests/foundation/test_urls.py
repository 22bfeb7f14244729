"""The project's URLs answer: admin, API schema and docs, portal root."""

import pytest

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_json(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Medsec API"  # ASCII: a generated client is importable by its name
    assert "paths" in schema


def test_api_docs_page_renders(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_api_v1_requires_authentication(client):
    response = client.get("/api/v1/does-not-exist/")
    assert response.status_code in (401, 403, 404)


def test_portal_root_sends_anonymous_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    login = client.get(response["Location"])
    assert login.status_code == 200
    assert "参保人登录" in login.content.decode()


def test_admin_login_page_is_chinese(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "医保经办管理系统" in page
    assert "登录" in page
