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
        user = User.objects.create_user(
            username=f"p{person.pk}", password="pw-2024-english", role=User.Role.INSURED
        )
        person.user = user
        person.save(update_fields=["user"])
    else:
        user = person.user
        user.set_password("pw-2024-english")
        user.save()
    client.login(username=user.username, password="pw-2024-english")


BILLS = [
    {
        "kind": "inpatient",
        "institution_level": "level3",
        "eligible": "30000.00",
        "self_pay_first": "800.00",
        "out_of_scope": "500.00",
        "special_drug": "0.00",
    },
    {
        "kind": "inpatient",
        "institution_level": "community",
        "eligible": "400000.00",
        "self_pay_first": "0",
        "out_of_scope": "0",
        "special_drug": "20000.00",
    },
    {
        "kind": "outpatient",
        "institution_level": "other",
        "eligible": "3000.00",
        "self_pay_first": "100.00",
        "out_of_scope": "0",
        "special_drug": "0",
    },
    {
        "kind": "pharmacy",
        "institution_level": "level3",
        "eligible": "1200.00",
        "self_pay_first": "0",
        "out_of_scope": "50.00",
        "special_drug": "0",
    },
]


def test_the_estimators_result_in_english_shows_no_chinese_outside_the_data(client, demo):
    """Zhoushan's words are checked on seeded bills below (its demo persons load only on illustrative figures)."""
    english(client)
    client.login(username="zhangsan", password="demo-pass-2024")
    data = database_strings()
    left = {}
    for bill in BILLS:
        response = client.post(reverse("portal:estimate"), {**bill, "date": timezone.localdate().isoformat()})
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="result"' in page, bill
        left[bill["kind"] + bill["institution_level"]] = chinese_left(page, data)
    assert {key: lines for key, lines in left.items() if lines} == {}


def test_an_estimate_cites_the_regions_articles_in_english(client, demo):
    client.login(username="zhangsan", password="demo-pass-2024")
    english(client)
    response = client.post(reverse("portal:estimate"), {**BILLS[0], "date": timezone.localdate().isoformat()})
    page = response.content.decode()
    assert "Inpatient deductible at" in page
    assert "Hangzhou art. 28(1)" in page  # 杭州 第二十八条第(一)项: the inpatient deductible
    assert "第二十八条" not in page


def test_the_estimate_in_chinese_is_unchanged(client, demo):
    client.login(username="zhangsan", password="demo-pass-2024")
    response = client.post(reverse("portal:estimate"), {**BILLS[0], "date": timezone.localdate().isoformat()})
    page = response.content.decode()
    assert "住院起付标准 三级医疗机构" in page and "杭州 第二十八条第(一)项" in page
    assert "Hangzhou" not in page


def test_the_benefit_status_of_every_uncovered_person_in_english_shows_no_chinese_outside_the_data(
    client, demo
):
    """Suspended for arrears, waiting after an interruption or a transfer, deceased: the reason and its article."""
    from enrollment.models import Person
    from enrollment.selectors import benefit_status

    today = timezone.localdate()
    uncovered = [p for p in Person.objects.all() if not benefit_status(person=p, on=today).eligible]
    assert len(uncovered) >= 3
    data = database_strings()
    left, reasons = {}, []
    for person in uncovered:
        client.logout()
        _portal_login(client, person)
        english(client)
        page = client.get(reverse("portal:home")).content.decode()
        assert 'id="status"' in page and "status-no" in page
        left[person.pk] = chinese_left(page, data)
        reasons.append(page)
    assert {pk: lines for pk, lines in left.items() if lines} == {}
    assert any("benefits suspended from" in page for page in reasons)  # the arrears check's suspension
    assert all("Hangzhou art." in page or "Zhoushan art." in page for page in reasons)


def test_the_benefit_status_in_chinese_is_unchanged(client, demo):
    from enrollment.models import Person
    from enrollment.selectors import benefit_status

    today = timezone.localdate()
    person = next(p for p in Person.objects.all() if not benefit_status(person=p, on=today).eligible)
    status = benefit_status(person=person, on=today)
    _portal_login(client, person)
    page = client.get(reverse("portal:home")).content.decode()
    assert status.reason in page and CJK.search(status.reason)


def test_a_refused_portal_form_in_english_shows_no_chinese_outside_the_data(client, demo):
    """The estimator refuses a date out of range and a contracted visit away from a community centre; mutual
    aid refuses an unknown relative, citing the region's article in English."""
    client.login(username="zhangsan", password="demo-pass-2024")
    english(client)
    data = database_strings()
    today = timezone.localdate()
    refused = [
        client.post(
            reverse("portal:estimate"), {**BILLS[2], "date": (today - dt.timedelta(days=800)).isoformat()}
        ),
        client.post(
            reverse("portal:estimate"), {**BILLS[2], "date": today.isoformat(), "at_contracted_centre": "on"}
        ),
        client.post(
            reverse("portal:mutual_aid"),
            {"name": "Nobody", "id_number": "11010519491231002X", "relation": "child"},
        ),
    ]
    pages = [response.content.decode() for response in refused]
    assert all('class="errorlist' in page for page in pages)
    assert {
        index: chinese_left(page, data) for index, page in enumerate(pages) if chinese_left(page, data)
    } == {}
    assert "Hangzhou art." in pages[2]


def _bad_trial(http, **headers):
    body = {
        "region": "hangzhou",
        "person": {"scheme": "employee", "category": "active", "age": 400, "contracted_gp": False},
        "bills": [
            {
                "id": "b",
                "date": "2024-03-01",
                "kind": "outpatient",
                "institution_level": "level3",
                "eligible": "1000000.01",
                "at_contracted_centre": True,
            },
            {
                "id": "b",
                "date": "x",
                "kind": "inpatient",
                "institution_level": "level3",
                "eligible": "1.00",
                "prescribed_at": "level3",
                "chronic_disease": "general",
            },
        ],
    }
    return http.post("/api/v1/trial-settlements/", body, format="json", **headers)


def test_an_api_refusal_with_accept_language_english_is_english(api_client_factory):
    http, _client = api_client_factory(scopes=("trial_settlement",))
    response = _bad_trial(http, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    errors = response.json()["errors"]
    assert len(errors) >= 6
    assert {field: text for field, text in errors.items() if CJK.search(text)} == {}
    # the plausibility limit (杭州 art. 90) is cited by the region's article
    assert "Hangzhou art. 90" in errors["bills[0].eligible"]
    scope = api_client_factory(scopes=("settlement",))[0].post(
        "/api/v1/trial-settlements/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert scope.status_code == 403 and not CJK.search(scope.content.decode())


def test_an_api_refusal_without_accept_language_stays_chinese(api_client_factory):
    """Chinese is the default; a browser's Accept-Language does not turn a page English (only the cookie does)."""
    http, _client = api_client_factory(scopes=("trial_settlement",))
    errors = _bad_trial(http).json()["errors"]
    assert CJK.search(errors["person.age"]) and CJK.search(errors["bills[0].eligible"])
    assert "杭州 第九十条" in errors["bills[0].eligible"]


def test_accept_language_does_not_turn_a_portal_page_english(client):
    page = client.get(reverse("portal:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "zh-hans"


def test_every_word_of_the_catalogue_has_its_english():
    """Each entry of policy.wording.WORDS is translated with the same placeholders."""
    from django.utils import translation

    from policy.wording import WORDS

    with translation.override("en"):
        missing = [w for w in WORDS if CJK.search(translation.gettext(w))]
    assert missing == []


def test_the_engines_words_on_random_bills_all_have_their_english():
    """The bench's seeded requests (every bill kind, level, certificate) through both regions' rules: every
    line's words and article read in English, so a rule whose words change without the catalogue fails here."""
    import sys
    from pathlib import Path

    from django.utils import translation

    from policy.settlement import trial_settle
    from policy.wording import cited, translated

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    from engine import generate  # type: ignore[import-not-found]

    import policy.parameters as parameters

    before = parameters._illustrative_default
    parameters.set_illustrative_default(True)  # Zhoushan's official file has no figures yet
    try:
        left, shown = _engine_words_left(generate, trial_settle, translation, translated, cited)
    finally:
        parameters.set_illustrative_default(before)
    assert sorted(left) == []
    assert all(count > 500 for count in shown.values()), shown


def _engine_words_left(generate, trial_settle, translation, translated, cited):
    left, shown = set(), {}
    with translation.override("en"):
        for region in ("hangzhou", "zhoushan"):
            shown[region] = 0
            for request in generate(150, 15):
                request["region"] = region
                try:
                    answer = trial_settle(json.loads(json.dumps(request)))
                except Exception:  # noqa: BLE001 (a request the region refuses has no lines to show)
                    continue
                for bill in answer["bills"]:
                    shown[region] += len(bill["lines"])
                    for line in bill["lines"]:
                        if CJK.search(translated(line["text"])):
                            left.add(line["text"])
                        if CJK.search(cited(line["article"])):
                            left.add(line["article"])
    return left, shown


def test_the_counter_reimbursement_page_cites_each_regions_own_deadline_article(client, demo):
    """Not 杭州 art. 65 for every region: each region's deadline from its file, in the reader's language."""
    from policy.claims import counter_deadline_rule
    from policy.regions import REGIONS

    client.login(username="admin", password="admin-pass-2024")
    page = client.get(reverse("admin:claims_settlement_reimburse")).content.decode()
    for region in REGIONS:
        assert counter_deadline_rule(region)[0] in page
    english(client)
    page = client.get(reverse("admin:claims_settlement_reimburse")).content.decode()
    assert "Hangzhou art. 65" in page and "Zhoushan art. 57, para. 2" in page


def test_the_api_schema_in_english_shows_chinese_only_as_a_term_in_brackets(admin_client):
    """An integrator reading the schema in English (Accept-Language under /api/) sees English; a Chinese
    term may stand in brackets after its English (e.g. "Reversal (冲正)"), never a sentence alone."""
    import re

    schema = admin_client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en")
    assert schema.status_code == 200 and schema["Content-Language"] == "en"
    text = json.loads(schema.content.decode())
    flat = json.dumps(text, ensure_ascii=False)
    assert CJK.findall(re.sub(r"[(（][^()（）]*[)）]", "", flat)) == []
    assert "Maternity allowances paid, by month, district and employer" in flat
    chinese = json.dumps(admin_client.get("/api/schema/", {"format": "json"}).json(), ensure_ascii=False)
    assert "生育津贴拨付汇总（按月、辖区、单位）" in chinese
