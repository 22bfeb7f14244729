"""Family mutual aid (杭州 第二十六条第(六)项): grant a close relative the use of historical funds, list, revoke."""

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "portal:mutual_aid"


@pytest.fixture
def son(insured):
    return insured(name="王小宝", birth=dt.date(2000, 2, 2))


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


def test_name_must_match_the_id_number(client_a, person_a, son):
    from accounts.models import MutualAidGrant

    response = client_a.post(
        reverse(URL), {"name": "王大宝", "id_number": son.id_number, "relation": "child"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_number-errors"' in page
    assert "未找到姓名与证件号码相符的参保人" in page
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
    assert "不能授权给本人" in response.content.decode()


def test_second_live_grant_is_refused(client_a, person_a, son):
    data = {"name": "王小宝", "id_number": son.id_number, "relation": "child"}
    assert client_a.post(reverse(URL), data).status_code == 302
    response = client_a.post(reverse(URL), data)
    assert response.status_code == 400
    assert "已有有效的共济授权" in response.content.decode()


def test_relative_not_insured_is_refused_with_the_article(client_a, person_a, insured):
    from enrollment.models import Enrolment

    mother = insured(name="王母", birth=dt.date(1950, 1, 1))
    Enrolment.objects.filter(person=mother).delete()
    response = client_a.post(
        reverse(URL), {"name": "王母", "id_number": mother.id_number, "relation": "parent"}
    )
    assert response.status_code == 400
    assert "第二十六条第(六)项" in response.content.decode()


def test_grants_received_are_listed_for_the_relative(client_b, person_a, person_b):
    from accounts.services import grant_mutual_aid

    grant_mutual_aid(holder=person_a, relative=person_b, relation="spouse")
    page = client_b.get(reverse(URL)).content.decode()
    assert "授权我使用的家庭成员账户" in page
    assert "王小明" in page
    assert person_a.masked_id_number in page and person_a.id_number not in page
