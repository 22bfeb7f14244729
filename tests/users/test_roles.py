"""The clerk groups 柜员/审核/管理: permissions found at run time, idempotent, nothing ever deleted
from the ledgers, history only read."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from users.services import ADMINISTRATION, COUNTER, REVIEW, setup_roles

pytestmark = pytest.mark.django_db


def codes(group_name):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=group_name).permissions.select_related("content_type")
    }


def test_setup_roles_creates_three_groups_and_is_idempotent():
    first = setup_roles()
    snapshot = {name: codes(name) for name in first}
    second = setup_roles()
    assert first == second
    assert set(first) == {COUNTER, REVIEW, ADMINISTRATION}
    assert Group.objects.count() == 3
    assert {name: codes(name) for name in second} == snapshot


def test_setup_roles_command_prints_counts(capsys):
    call_command("setup_roles")
    out = capsys.readouterr().out
    assert "柜员:" in out and "审核:" in out and "管理:" in out


def test_only_administration_manages_users_and_api_clients():
    setup_roles()
    assert {"users.add_user", "users.change_apiclient", "users.delete_apitoken"} <= codes(ADMINISTRATION)
    assert not any(code.startswith("users.") for code in codes(COUNTER) | codes(REVIEW))


def test_counter_never_deletes_and_review_never_deletes():
    setup_roles()
    for name in (COUNTER, REVIEW):
        assert not any(".delete_" in code for code in codes(name))


def test_history_is_only_viewed_and_ledgers_never_deleted():
    setup_roles()
    for name in (COUNTER, REVIEW, ADMINISTRATION):
        for code in codes(name):
            app_label, codename = code.split(".")
            action, model = codename.split("_", 1)
            if model.startswith("historical"):
                assert action == "view", code
            if app_label in {"accounts", "claims"}:
                assert action != "delete", code


def test_a_models_permissions_are_picked_up_when_they_appear():
    """Run before an app has models, then again after: the new model's permissions join."""
    setup_roles()
    content_type = ContentType.objects.create(app_label="enrollment", model="futurerecord")
    for action in ("view", "add", "change", "delete"):
        Permission.objects.create(
            content_type=content_type, codename=f"{action}_futurerecord", name=f"Can {action}"
        )
    setup_roles()
    assert {
        "enrollment.view_futurerecord",
        "enrollment.add_futurerecord",
        "enrollment.change_futurerecord",
    } <= codes(COUNTER)
    assert "enrollment.delete_futurerecord" not in codes(COUNTER)
    assert "enrollment.delete_futurerecord" in codes(ADMINISTRATION)


def test_counter_clerk_gets_the_groups_permissions_through_the_group(django_user_model):
    setup_roles()
    clerk = django_user_model.objects.create_user(username="g", role="clerk", is_staff=True)
    clerk.groups.add(Group.objects.get(name=COUNTER))
    assert not clerk.has_perm("users.add_user")
    expected = codes(COUNTER)
    assert expected, "the counter group has permissions once the apps have models"
    assert all(clerk.has_perm(code) for code in expected)
