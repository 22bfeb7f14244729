"""`load_demo` twice: same rows, no error; the demo logins work."""

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_load_demo_twice_gives_the_same_row_counts(capsys):
    call_command("load_demo")
    first = row_counts()
    out = capsys.readouterr().out
    call_command("load_demo")
    second = row_counts()
    grown = {label: (first[label], second[label]) for label in first if first[label] != second[label]}
    records = {label: n for label, n in grown.items() if ".Historical" not in label}
    history = {label: n for label, n in grown.items() if ".Historical" in label}
    assert not records, f"a second load_demo duplicated rows (before, after): {records}"
    # An unchanged record saved again (update_or_create) writes a "changed" history row:
    # noise in the audit trail. Demo loaders should get_or_create, or save only what differs.
    assert not history, f"a second load_demo wrote history for unchanged records (before, after): {history}"
    assert first["users.User"] >= 1 + 3 + 4  # admin, three clerks, four API clients
    assert first["auth.Group"] == 3
    assert "http://127.0.0.1:8000/admin/" in out
    assert "admin / admin-pass-2024" in out
    assert "zhangsan / demo-pass-2024" in out
    assert "POLICY_ILLUSTRATIVE=1" in out  # Zhoushan persons only on the illustrative figures
    assert "/healthz" in out and "/api/docs/" in out


def test_demo_logins(client):
    call_command("load_demo")
    admin = authenticate(username="admin", password="admin-pass-2024")
    assert admin is not None and admin.is_superuser and admin.is_clerk
    assert authenticate(username="guiyuan", password="demo-pass-2024").groups.get().name == "柜员"
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION="Bearer demo-tax-bureau-token-2024")
    assert response.status_code == 200


def test_admin_password_is_not_reset_by_a_second_run():
    call_command("load_demo")
    from users.models import User

    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-agency-2024")
    admin.save()
    call_command("load_demo")
    assert authenticate(username="admin", password="changed-by-the-agency-2024") is not None
