"""English for what the policy code computes at request time (issue 15): the estimator's result, a
benefit-status reason, a refusal on a portal form, an API 4xx. Stored records (settlement lines, statements)
stay as stored; what is computed for display is shown in the reader's language.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.i18n.test_english import CJK, chinese_left, database_strings, english

pytestmark = pytest.mark.django_db


def _portal_login(client, person):
    from users.models import User

    if person.user_id is None:
        user = User.objects.create_user(username=f"p{person.pk}", password="pw-2024-english", role=User.Role.INSURED)
        person.user = user
        person.save(update_fields=["user"])
    else:
        user = person.user
        user.set_password("pw-2024-english")
        user.save()
    client.login(username=user.username, password="pw-2024-english")


BILLS = [
    {"kind": "inpatient", "institution_level": "level3", "eligible": "30000.00", "self_pay_first": "800.00",
     "out_of_scope": "500.00", "special_drug": "0.00"},
    {"kind": "inpatient", "institution_level": "community", "eligible": "400000.00", "self_pay_first": "0",
     "out_of_scope": "0", "special_drug": "20000.00"},
    {"kind": "outpatient", "institution_level": "other", "eligible": "3000.00", "self_pay_first": "100.00",
     "out_of_scope": "0", "special_drug": "0"},
    {"kind": "pharmacy", "institution_level": "level3", "eligible": "1200.00", "self_pay_first": "0",
     "out_of_scope": "50.00", "special_drug": "0"},
]


@pytest.mark.parametrize("username", ["zhangsan", "zhoushan"])
def test_the_estimators_result_in_english_shows_no_chinese_outside_the_data(client, demo, username):
    from enrollment.models import Person

    person = Person.objects.get(user__username=username)
    english(client)
    client.login(username=username, password="demo-pass-2024")
    data = database_strings()
    left = {}
    for bill in BILLS:
        response = client.post(reverse("portal:estimate"), {**bill, "date": timezone.localdate().isoformat()})
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="result"' in page, (person.name, bill)
        left[bill["kind"] + bill["institution_level"]] = chinese_left(page, data)
    assert {key: lines for key, lines in left.items() if lines} == {}
