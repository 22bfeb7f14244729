"""Family mutual aid (杭州 第二十六条第(六)项): grant a close relative the use of historical funds, list, revoke."""

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "portal:mutual_aid"


NOT_GRANTED = "未能办理共济授权"


@pytest.fixture
def son(insured, person_a, relate):
    child = insured(name="王小宝", birth=dt.date(2000, 2, 2))
    relate(person_a, child, "child")
    return child


def refusal(page: str) -> str:
    """The form's error block (what the person is told), to compare answers byte for byte."""
    start = page.index('class="errorlist')
    return page[start : page.index("</ul>", start)]


def test_grant_to_a_child_by_name_and_id_then_revoke(client_a, person_a, son):
    from accounts.models import MutualAidGrant

    response = client_a.post(
        reverse(URL), {"name": "王小宝", "id_number": son.id_number, "relation": "child"}
    )
    assert response.status_code == 302
    grant = MutualAidGrant.objects.get(holder=person_a, relative=son)
    assert grant.relation == "child" and grant.is_active
    assert grant.channel == "portal"
    page = client_a.get(reverse(URL)).content.decode()
    assert "王小宝" in page
    assert son.masked_id_number in page and son.id_number not in page
    assert "子女" in page and "撤销授权" in page

    response = client_a.post(reverse("portal:revoke_mutual_aid", args=[grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_on is not None
    page = client_a.get(reverse(URL)).content.decode()
    assert "已撤销" in page
    # revoked twice → 404 (no live grant of A with that id)
    assert client_a.post(reverse("portal:revoke_mutual_aid", args=[grant.pk])).status_code == 404


def test_same_answer_whoever_the_name_and_id_belong_to_no_oracle(client_a, person_a, son, insured):
    """Issue 11 #9: a wrong name, a stranger who is insured, a relative not on record and one not insured
    all get the same answer, so the form tells nobody whether a name and ID number are an insured person."""
    from accounts.models import MutualAidGrant
    from enrollment.models import Enrolment

    stranger = insured(name="李路人", birth=dt.date(1988, 3, 3))
    mother = insured(name="王母", birth=dt.date(1950, 1, 1))
    Enrolment.objects.filter(person=mother).delete()
    answers = []
    for name, id_number, relation in (
        ("王大宝", son.id_number, "child"),  # the name does not match the ID number
        ("李路人", stranger.id_number, "child"),  # insured, but no relation on record
        ("王小宝", son.id_number, "parent"),  # on record, but as a child, not a parent
        ("王母", mother.id_number, "parent"),  # not insured (and not on record)
    ):
        response = client_a.post(reverse(URL), {"name": name, "id_number": id_number, "relation": relation})
        assert response.status_code == 400
        page = response.content.decode()
        assert NOT_GRANTED in page and "第二十六条第(六)项" in page
        answers.append(refusal(page))
    assert len(set(answers)) == 1, answers
    assert not MutualAidGrant.objects.exists()


def test_relative_on_record_but_not_insured_is_refused(client_a, person_a, insured, relate):
    """On record (household register) but not insured in the province: refused with the same answer."""
    from accounts.models import MutualAidGrant
    from enrollment.models import Enrolment

    mother = insured(name="王母", birth=dt.date(1950, 1, 1))
    relate(person_a, mother, "parent")
    Enrolment.objects.filter(person=mother).delete()
    response = client_a.post(
        reverse(URL), {"name": "王母", "id_number": mother.id_number, "relation": "parent"}
    )
    assert response.status_code == 400 and NOT_GRANTED in response.content.decode()
    assert not MutualAidGrant.objects.exists()


def test_bad_id_number_checksum_is_refused_on_its_field(client_a, person_a, son):
    wrong = son.id_number[:17] + ("0" if son.id_number[17] != "0" else "1")
    response = client_a.post(reverse(URL), {"name": "王小宝", "id_number": wrong, "relation": "child"})
    assert response.status_code == 400
    assert "校验位错误" in response.content.decode()


def test_short_id_number_says_18_digits(client_a, person_a):
    response = client_a.post(reverse(URL), {"name": "王小宝", "id_number": "123", "relation": "child"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_number-errors"' in page
    assert "居民身份证号码应为18位" in page


def test_relation_outside_close_relatives_is_refused(client_a, person_a, son):
    response = client_a.post(
        reverse(URL), {"name": "王小宝", "id_number": son.id_number, "relation": "cousin"}
    )
    assert response.status_code == 400
    assert 'id="relation-errors"' in response.content.decode()


def test_self_grant_is_refused(client_a, person_a):
    response = client_a.post(
        reverse(URL), {"name": "王小明", "id_number": person_a.id_number, "relation": "spouse"}
    )
    assert response.status_code == 400
    assert NOT_GRANTED in response.content.decode()


def test_second_live_grant_is_refused(client_a, person_a, son):
    data = {"name": "王小宝", "id_number": son.id_number, "relation": "child"}
    assert client_a.post(reverse(URL), data).status_code == 302
    response = client_a.post(reverse(URL), data)
    assert response.status_code == 400
    assert NOT_GRANTED in response.content.decode()


def test_grants_received_are_listed_for_the_relative(client_b, person_a, person_b, relate):
    from accounts.services import grant_mutual_aid

    relate(person_a, person_b, "spouse")
    grant_mutual_aid(holder=person_a, relative=person_b, relation="spouse")
    page = client_b.get(reverse(URL)).content.decode()
    assert "授权我使用的家庭成员账户" in page
    assert "王小明" in page
    assert person_a.masked_id_number in page and person_a.id_number not in page
