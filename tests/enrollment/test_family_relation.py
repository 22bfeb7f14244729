"""Family mutual aid only to a relative on the agency's records (issue 11 #9; 杭州 art. 26(6))."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import MutualAidGrant
from accounts.services import grant_mutual_aid, open_account
from enrollment.models import Enrolment, FamilyRelation
from enrollment.selectors import relation_on_record
from enrollment.services import enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(make_person):
    person = make_person(name="王父")
    open_account(person=person, on=dt.date(2024, 1, 1), category="active")
    return person


@pytest.fixture
def child(make_person):
    person = make_person(name="王子", birth=dt.date(2016, 4, 4))
    Enrolment.objects.create(
        person=person,
        scheme="resident",
        category="child",
        district="上城区",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2024, 12, 31),
        first_paid_on=dt.date(2023, 12, 1),
    )
    return person


def test_grant_refused_until_the_relation_is_recorded_art26_6(parent, child, clerk):
    """The stated relation is not enough: the grant waits for a clerk-verified record."""
    with pytest.raises(ValidationError) as error:
        grant_mutual_aid(holder=parent, relative=child, relation="child", on=dt.date(2024, 3, 1))
    assert "户口簿或关系证明" in str(error.value.message_dict["relative"])
    from enrollment.services import record_family_relation

    record_family_relation(person=child, relative=parent, kind="parent", source="birth", verified_by=clerk)
    # entered the other way round (the parent is the child's parent): the same relation
    assert relation_on_record(person=parent, relative=child, kind="child")
    assert not relation_on_record(person=parent, relative=child, kind="spouse")
    grant = grant_mutual_aid(holder=parent, relative=child, relation="child", on=dt.date(2024, 3, 1))
    assert grant.relation == "child"
    with pytest.raises(ValidationError):  # recorded as a child, not as a parent
        grant_mutual_aid(holder=child, relative=parent, relation="child", on=dt.date(2024, 3, 1))


def test_parent_named_on_the_childs_enrolment_counts_as_recorded(parent, make_person):
    """A child enrolled with the parent named (the enrolment's 父母 field) is on record as that parent's child."""
    baby = make_person(name="王宝", birth=dt.date(2024, 2, 1))
    enrol(person=baby, category="child", district="上城区", start_date=dt.date(2024, 2, 1), parent=parent)
    assert relation_on_record(person=parent, relative=baby, kind="child")
    assert relation_on_record(person=baby, relative=parent, kind="parent")


def test_record_needs_a_clerk_and_refuses_a_second_record(parent, child, clerk):
    from enrollment.services import EnrolmentError, record_family_relation

    with pytest.raises(EnrolmentError) as error:
        record_family_relation(
            person=parent, relative=child, kind="child", source="household", verified_by=None
        )
    assert "verified_by" in error.value.message_dict
    record_family_relation(person=parent, relative=child, kind="child", source="household", verified_by=clerk)
    with pytest.raises(EnrolmentError):
        record_family_relation(
            person=child, relative=parent, kind="parent", source="birth", verified_by=clerk
        )
    assert FamilyRelation.objects.count() == 1


def test_clerk_records_a_relation_in_the_admin_and_ids_are_masked(client, clerk, parent, child):
    client.force_login(clerk)
    response = client.post(
        "/admin/enrollment/familyrelation/add/",
        {
            "person": parent.pk,
            "relative": child.pk,
            "kind": "child",
            "source": "household",
            "document_number": "HK-001",
            "verified_on": "2024-03-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    relation = FamilyRelation.objects.get()
    assert relation.verified_by == clerk
    page = client.get("/admin/enrollment/familyrelation/").content.decode()
    assert child.masked_id_number in page and child.id_number not in page
    assert not MutualAidGrant.objects.exists()
