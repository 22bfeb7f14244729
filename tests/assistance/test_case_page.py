"""The special case's admin page (issue 16): the person's year (assistance paid, cash paid, certificate),
the history of moves, and the next allowed step as a button for the clerk who may take it."""

import pytest
from django.urls import reverse

from assistance import services

from .conftest import D, certify, outpatient, settle

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_the_year_the_moves_and_the_next_step(person_factory, clerks, hospital, client):
    person = person_factory()
    certify(person, "minimum_living", valid_from=D(2023, 1, 1))
    paid = settle(hospital, outpatient(person, "A", "2026-11-20", eligible="6000.00"))  # in the case's year
    case = services.apply_special(
        person=person, reason="自付仍高", amount="8000.00", files=[], user=clerks["counter"]
    )
    case = services.review_special(case=case, user=clerks["review"], forward=True, note="情况属实，上报")
    url = reverse("admin:assistance_specialcase_change", args=[case.pk])

    client.force_login(clerks["admin"])
    page = client.get(url).content.decode()
    # the person's year
    year = page[page.index('id="year-summary"') : page.index('id="case-moves"')]
    assert "最低生活保障家庭成员" in year and "（2026）" in year
    assert f"<th>即时救助</th><td>{paid['assistance_paid']}</td>" in year
    assert f"<th>个人现金支付</th><td>{paid['cash_paid']}</td>" in year
    # the moves, in order, with who moved them
    moves = page[page.index('id="case-moves"') :]
    assert moves.index("已申请") < moves.index("审核上报，待联席会议研究")
    assert "a-counter" in moves and "a-review" in moves and "情况属实，上报" in moves
    # the next step the articles allow, for the clerk who may take it
    steps = page[page.index('id="next-steps"') :]
    assert reverse("admin:assistance_case_decide", args=[case.pk]) in steps and "录入联席会议决定" in steps

    services.decide_special(
        case=case,
        user=clerks["admin"],
        approved=True,
        amount="5000.00",
        meeting_date=D(2024, 6, 1),
        minutes_number="杭医救联〔2024〕3号",
    )
    page = client.get(url).content.decode()
    moves = page[page.index('id="case-moves"') :]
    assert "联席会议同意" in moves and "杭医救联〔2024〕3号" in moves and "a-admin" in moves

    client.force_login(clerks["counter"])  # the counter takes applications only: no step for it here
    page = client.get(url).content.decode()
    assert 'id="next-steps"' not in page and 'id="case-moves"' in page
