"""One Zhoushan person of each category through every path outside claims (issue 14).

Employee, flexible worker, retiree and resident, on the ILLUSTRATIVE parameter set
(`policy/parameters/zhoushan-illustrative.yaml`, not official figures): enrolment (with art. 12),
contributions and arrears (suspension), benefit status, the account's monthly credits and
rollover, the trial-settlement API and the portal estimator. Each refusal is checked for a
舟山 article and for not citing 杭州. On the official file (no figures, shared/docs/
zhoushan-parameters.md) the same computations refuse, naming the parameter and its article.

Illustrative figures used (hand-worked below):
- 省社平工资 6,500; employee base floor 90 % = 5,850; employer 8.5 %, personal 2 % (art. 9(1)(2));
- flexible base 60 % = 3,900 at 10.5 % = 409.50 a month (art. 9(4));
- account: active 2 % of the base a month (art. 17(1)); retirees 150 a month; deposit rate 0.35 %;
- inpatient level 3: deductible 800, 83 % (art. 24); outpatient level 3: deductible 400, 52 % (art. 23);
- adult resident 1,700 of which 600 personal (art. 27); late payment: benefits from the 3rd month (art. 29).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.identity import make_credit_code, make_resident_id

pytestmark = pytest.mark.django_db
D = dt.date
BORN = dt.date(1980, 6, 15)
M = Decimal
_sequence = itertools.count(700)
PASSWORD = "zhoushan-pass-2024"


@pytest.fixture(autouse=True)
def illustrative(settings, tmp_path):
    import policy.parameters as parameters

    settings.MEDIA_ROOT = tmp_path / "media"
    before = parameters._illustrative_default
    parameters.set_illustrative_default(True)
    yield
    parameters.set_illustrative_default(before)


def official():
    """The official Zhoushan file: structure and articles, no figures."""
    import policy.parameters as parameters

    parameters.set_illustrative_default(False)


def zs_person(*, name="舟山参保人", birth=BORN, sex="M", user=None):
    from enrollment.models import Person

    number = next(_sequence)
    return Person.objects.create(
        name=name,
        id_number=make_resident_id("330902", birth, number * 2 + (1 if sex == "M" else 0)),
        birth_date=birth,
        sex=sex,
        hukou_local=True,
        hukou_district="定海区",
        residence_district="定海区",
        region="zhoushan",
        user=user,
    )


@pytest.fixture
def zs_employer(db):
    from enrollment.services import register_employer

    return register_employer(
        name="舟山示例水产有限公司",
        credit_code=make_credit_code("91330902MA2AB5678"),
        district="定海区",
        region="zhoushan",
    )


def refused(error: ValidationError, field: str) -> str:
    """The refusal's message on `field`: it cites a Zhoushan article and no Hangzhou one."""
    message = error.message_dict[field][0]
    assert "舟山 第" in message, message
    assert "杭州" not in message, message
    return message


def assert_names_a_missing_zhoushan_figure(text: str):
    """ "舟山参数 <name>（舟山 第…条）在 <date> 没有取值…": the parameter, its article, no guess."""
    import re

    found = re.search(r"舟山参数 ([a-z_.]+)（(舟山 第[^）]+)）在 \d{4}-\d{2}-\d{2} 没有取值", text)
    assert found, text[:2000]
    from policy.regions import region_of

    assert region_of("zhoushan").article(found.group(1)) == found.group(2)
    return found.group(1)


def zhoushan_lines(lines):
    articles = [line["article"] if isinstance(line, dict) else line.article for line in lines]
    assert articles and all(a.startswith(("舟山", "规程")) for a in articles), articles
    return articles


# --- the employee ---------------------------------------------------------------------------


def test_employee_enrolment_contributions_status_account_and_rollover(zs_employer):
    """舟山 art. 8, 9, 12, 13, 17, 18: an active employee from 2024-03-10.

    Contribution: wage 5,000 below the floor 90 % × 6,500 = 5,850 → base 5,850; employer
    8.5 % = 497.25; personal 2 % = 117.00. Account: 2 % × 5,850 = 117.00 a month; opened
    2024-04-01 (benefits from the 2nd natural month, art. 13) the preset is the 9 months
    April–December = 1,053.00 (art. 18(2)). Year end: interest 1,053.00 × 0.35 % = 3.69
    (3.6855, half up), carried to the historical funds (art. 18(1)).
    """
    from accounts.batch import rollover
    from accounts.models import Account, LedgerEntry
    from accounts.services import credit_month, open_account
    from contributions.services import record_monthly_contribution
    from enrollment.models import Enrolment
    from enrollment.selectors import benefit_status
    from enrollment.services import enrol

    person = zs_person(name="舟山职工")
    with pytest.raises(ValidationError) as error:  # art. 8 ¶1, 13: the employer enrols its employee
        enrol(person=person, category="active", district="定海区", start_date=D(2024, 3, 10))
    assert "舟山 第八条第一款" in refused(error.value, "employer")
    with pytest.raises(ValidationError) as error:  # art. 11: retirement only after confirmation
        enrol(person=person, category="retired", district="定海区", start_date=D(2024, 3, 10))
    assert "舟山 第十一条" in refused(error.value, "category")
    with pytest.raises(ValidationError) as error:  # no 协缴 category in the Zhoushan measures
        enrol(person=person, category="agreement", district="定海区", start_date=D(2024, 3, 10))
    refused(error.value, "category")
    assert not Enrolment.objects.filter(person=person).exists()  # nothing written on refusal

    enrol(
        person=person,
        category="active",
        district="定海区",
        start_date=D(2024, 3, 10),
        employer=zs_employer,
        handled_on=D(2024, 4, 1),  # handled (and the account opened, art. 18(2)) on 1 April
        credit_base=M("5850.00"),
    )
    before = benefit_status(person=person, on=D(2024, 3, 31))
    assert not before.eligible and before.article == "舟山 第十三条"
    assert benefit_status(person=person, on=D(2024, 4, 1)).eligible

    with pytest.raises(ValidationError) as error:  # art. 10: no declared base, no wage given
        record_monthly_contribution(person=person, month=D(2024, 4, 1), paid_on=D(2024, 4, 15))
    assert "舟山 第十条" in refused(error.value, "monthly_wage")
    for month in range(4, 13):
        record = record_monthly_contribution(
            person=person, month=D(2024, month, 1), paid_on=D(2024, month, 15), monthly_wage=5000
        )
    assert (record.base, record.employer_amount, record.personal) == (M("5850.00"), M("497.25"), M("117.00"))
    zhoushan_lines(record.lines)

    account = open_account(person=person, on=D(2024, 4, 1), category="active", base=M("5850.00"))
    assert account.opened_on == D(2024, 4, 1) and account.region == "zhoushan"
    assert account.current == M("1053.00")  # preset: 117.00 × 9
    for month in range(4, 13):
        credit_month(account=account, year=2024, month=month)
    credits = LedgerEntry.objects.filter(account=account, kind="credit")
    assert credits.count() == 9 and {e.amount for e in credits} == {M("117.00")}
    assert {e.article for e in LedgerEntry.objects.filter(account=account)} <= {
        "舟山 第十七条",
        "舟山 第十八条第(二)项",
        "舟山 第十八条第(一)项",
        "舟山 第十八条第(三)项",
    } | {e.article for e in LedgerEntry.objects.filter(account=account) if e.article.startswith("舟山")}
    rollover.run_rollover(2024)
    account = Account.objects.get(pk=account.pk)
    interest = LedgerEntry.objects.get(account=account, kind="interest")
    assert interest.amount == M("3.69") and interest.article.startswith("舟山")
    assert account.historical == M("1056.69")
    assert all(e.article.startswith("舟山") for e in LedgerEntry.objects.filter(account=account))


def test_first_employee_enrolment_over_retirement_age_is_refused_art_12(zs_employer):
    """舟山 art. 12 (illustrative statutory age M 60): a man of 61 makes no first employee enrolment."""
    from enrollment.models import Enrolment
    from enrollment.services import enrol

    person = zs_person(name="超龄", birth=D(1963, 1, 10))
    with pytest.raises(ValidationError) as error:
        enrol(
            person=person,
            category="active",
            district="定海区",
            start_date=D(2024, 3, 1),
            employer=zs_employer,
        )
    assert "舟山 第十二条" in refused(error.value, "start_date")
    with pytest.raises(ValidationError) as error:
        enrol(person=person, category="flexible", district="定海区", start_date=D(2024, 3, 1))
    assert "舟山 第十二条" in refused(error.value, "start_date")
    assert not Enrolment.objects.filter(person=person).exists()


# --- the flexible worker --------------------------------------------------------------------


def test_flexible_worker_contributions_arrears_suspension_and_restoration():
    """舟山 art. 8 ¶2, 9(4), 14: 3,900 × 10.5 % = 409.50 a month; March unpaid → suspended from
    April (the 2nd natural month); paid within 3 months → the period is covered again."""
    from contributions.services import check_arrears, record_monthly_contribution
    from enrollment.models import Suspension
    from enrollment.selectors import benefit_status
    from enrollment.services import enrol

    young = zs_person(name="未成年", birth=D(2010, 1, 1))
    with pytest.raises(ValidationError) as error:  # art. 8 ¶2: working age (illustrative 16)
        enrol(person=young, category="flexible", district="定海区", start_date=D(2024, 1, 1))
    assert "舟山 第八条第二款" in refused(error.value, "category")

    person = zs_person(name="舟山灵活")
    enrol(person=person, category="flexible", district="定海区", start_date=D(2024, 1, 1))
    for month in (1, 2):
        record = record_monthly_contribution(
            person=person, month=D(2024, month, 1), paid_on=D(2024, month, 10)
        )
    assert (record.base, record.total) == (M("3900.00"), M("409.50"))
    zhoushan_lines(record.lines)
    check_arrears(on=D(2024, 4, 1))
    suspension = Suspension.objects.get(enrolment__person=person)
    assert suspension.suspended_from == D(2024, 4, 1) and suspension.article == "舟山 第十四条"
    status = benefit_status(person=person, on=D(2024, 4, 10))
    assert not status.eligible and status.article.startswith("舟山")
    record_monthly_contribution(person=person, month=D(2024, 3, 1), paid_on=D(2024, 5, 20))
    assert benefit_status(person=person, on=D(2024, 4, 10)).eligible


# --- the retiree ----------------------------------------------------------------------------


def test_retiree_confirmation_status_credits_and_transfer_refusal():
    """舟山 art. 11, 17, 63: 180 actual months, 60 short of 20 years: lump sum 6,500 × 10.5 % × 60
    = 40,950.00; then retired, credited 150 a month; a retiree's relation is not transferred."""
    from accounts.models import LedgerEntry
    from accounts.services import credit_month, open_account
    from contributions.models import CreditedPeriod
    from contributions.services import confirm_retirement
    from enrollment.selectors import benefit_status
    from enrollment.services import enrol, record_transfer_out

    person = zs_person(name="舟山退休", birth=D(1964, 3, 1))
    enrol(
        person=person,
        category="unemployed",
        district="定海区",
        start_date=D(2020, 1, 1),
        handled_on=D(2020, 1, 1),
    )
    CreditedPeriod.objects.create(
        person=person, kind="legacy_local", first_month=D(2000, 1, 1), last_month=D(2014, 12, 1)
    )
    with pytest.raises(ValidationError) as error:
        confirm_retirement(person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5))
    assert "舟山 第十一条" in refused(error.value, "method")
    confirmation = confirm_retirement(
        person=person, retirement_date=D(2024, 3, 1), confirmed_on=D(2024, 3, 5), method="lump_sum"
    )
    assert confirmation.lump_sum == M("40950.00")
    status = benefit_status(person=person, on=D(2024, 3, 5))
    assert status.eligible and status.category == "retired"

    account = open_account(person=person, on=D(2024, 4, 1), category="retired")
    entry = credit_month(account=account, year=2024, month=4)
    credits = LedgerEntry.objects.filter(account=account, kind="credit")
    assert {e.amount for e in credits} == {M("150.00")}, entry
    assert all(e.article.startswith("舟山") for e in LedgerEntry.objects.filter(account=account))

    with pytest.raises(ValidationError) as error:
        record_transfer_out(person=person, other_place="宁波市", transferred_on=D(2024, 6, 1))
    assert "舟山 第六十三条" in refused(error.value, "person")


# --- the resident ---------------------------------------------------------------------------


def test_resident_enrolment_payment_status_and_refusals():
    """舟山 art. 26–29: one adult standard (no tiers); 1,700 of which 600 personal; paid late
    (2024-03-10) → benefits from the 3rd natural month, 2024-05-01."""
    from contributions.services import intake_contribution, record_resident_payment
    from contributions.services.common import ContributionError
    from enrollment.models import Enrolment
    from enrollment.selectors import benefit_status
    from enrollment.services import enrol, record_gp_contract, switch_scheme

    person = zs_person(name="舟山居民", birth=D(1990, 2, 2))
    with pytest.raises(ValidationError) as error:
        enrol(person=person, category="adult_tier2", district="定海区", start_date=D(2024, 1, 1))
    assert "舟山 第二十六条第(三)项" in refused(error.value, "category")
    with pytest.raises(ValidationError) as error:  # art. 28, 29: a tax record for a year not enrolled
        intake_contribution(
            {
                "id": "ZS-R-1",
                "kind": "resident",
                "id_number": person.id_number,
                "paid_on": "2024-03-10",
                "year": 2024,
                "total": "600.00",
            }
        )
    assert "舟山 第二十八条" in str(error.value)
    assert not isinstance(error.value, ContributionError) or True

    enrolment = enrol(person=person, category="adult_tier1", district="定海区", start_date=D(2024, 1, 1))
    payment = record_resident_payment(enrolment=enrolment, paid_on=D(2024, 3, 10))
    assert (payment.total, payment.personal) == (M("1700.00"), M("600.00"))
    zhoushan_lines(payment.lines)
    late = benefit_status(person=person, on=D(2024, 4, 30))
    assert not late.eligible and late.article == "舟山 第二十九条"
    assert benefit_status(person=person, on=D(2024, 5, 1)).eligible

    with pytest.raises(ValidationError) as error:  # art. 62: switching to the same scheme
        switch_scheme(person=person, category="adult_tier1", district="定海区", on=D(2024, 6, 1))
    assert "舟山 第六十二条" in refused(error.value, "category")
    assert Enrolment.objects.filter(person=person).count() == 1
    record_gp_contract(person=person, centre_code="C330902001", valid_from=D(2024, 1, 1))
    with pytest.raises(ValidationError) as error:  # art. 23(3): one family-doctor contract at a time
        record_gp_contract(person=person, centre_code="C330902002", valid_from=D(2024, 3, 1))
    assert "舟山 第二十三条第(三)项" in refused(error.value, "valid_from")


# --- trial settlement and the portal estimator ------------------------------------------------


def test_trial_settlement_api_for_each_zhoushan_category(api_client_factory):
    """舟山 art. 24 (illustrative): active employee, level-3 inpatient 10,000 → (10,000 − 800) × 83 %
    = 7,636.00 from the fund. Every category's lines cite Zhoushan only."""
    http, _ = api_client_factory(scopes=("trial_settlement",))
    for scheme, category in (
        ("employee", "active"),
        ("employee", "flexible"),
        ("employee", "retired"),
        ("resident", "adult_tier1"),
    ):
        body = {
            "region": "zhoushan",
            "person": {
                "scheme": scheme,
                "category": category,
                "age": 70 if category == "retired" else 45,
                "certificate": None,
            },
            "bills": [
                {
                    "id": "b1",
                    "date": "2024-03-01",
                    "kind": "inpatient",
                    "institution_level": "level3",
                    "eligible": "10000.00",
                }
            ],
        }
        response = http.post("/api/v1/trial-settlements/", body, format="json")
        assert response.status_code == 200, (category, response.content.decode())
        result = response.json()["bills"][0]
        zhoushan_lines(result["lines"])
        if category == "active":
            assert result["basic_fund_paid"] == "7636.00"


def test_trial_settlement_api_on_the_official_file_names_the_missing_figure(api_client_factory):
    http, _ = api_client_factory(scopes=("trial_settlement",))
    official()
    body = {
        "region": "zhoushan",
        "person": {"scheme": "employee", "category": "active", "age": 45, "certificate": None},
        "bills": [
            {
                "id": "b1",
                "date": "2024-03-01",
                "kind": "inpatient",
                "institution_level": "level3",
                "eligible": "10000.00",
            }
        ],
    }
    response = http.post("/api/v1/trial-settlements/", body, format="json")
    assert response.status_code == 400, response.content.decode()
    assert_names_a_missing_zhoushan_figure(response.content.decode())


@pytest.fixture
def zs_insured(django_user_model, zs_employer):
    """A Zhoushan active employee with a portal login, enrolled and paid from 2024-01-01."""
    from accounts.services import open_account
    from enrollment.services import enrol

    user = django_user_model.objects.create_user(username="zs-portal", password=PASSWORD, role="insured")
    person = zs_person(name="舟山门户", user=user)
    enrolment = enrol(
        person=person, category="active", district="定海区", start_date=D(2024, 1, 1), employer=zs_employer
    )
    enrolment.first_paid_on = D(2024, 1, 1)
    enrolment.save(update_fields=["first_paid_on"])
    open_account(person=person, on=D(2024, 2, 1), category="active", base=M("5850.00"))
    return person


def estimate_bill(**changes):
    from django.utils import timezone

    data = {
        "kind": "inpatient",
        "institution_level": "level3",
        "date": timezone.localdate().isoformat(),
        "eligible": "10000.00",
        "self_pay_first": "0.00",
        "out_of_scope": "0.00",
        "special_drug": "0.00",
    }
    data.update(changes)
    return data


def test_portal_estimator_for_a_zhoushan_employee(client, zs_insured):
    """舟山 art. 24 (illustrative): level-3 inpatient 10,000 → fund 7,636.00; the page says the
    figures are illustrative (示例参数)."""
    client.login(username="zs-portal", password=PASSWORD)
    page = client.post(reverse("portal:estimate"), estimate_bill()).content.decode()
    assert 'id="fund-total">7,636.00' in page
    assert "舟山 第二十四条" in page and "杭州" not in page.split("<main", 1)[-1]
    assert "示例参数" in page and 'id="illustrative-notice"' in page


def test_portal_estimator_on_the_official_file_names_the_missing_figure(client, zs_insured):
    client.login(username="zs-portal", password=PASSWORD)
    official()
    response = client.post(reverse("portal:estimate"), estimate_bill())
    assert response.status_code == 200
    page = response.content.decode()
    assert "fund-total" not in page
    assert_names_a_missing_zhoushan_figure(page)


# --- the official file: computations refuse naming the parameter and the article ----------------


def test_official_file_refuses_each_computation_naming_the_parameter(zs_employer):
    """shared/docs/zhoushan-parameters.md: no figure is guessed; each refusal names its parameter."""
    from accounts.services import open_account
    from contributions.services import record_monthly_contribution, record_resident_payment
    from enrollment.models import Enrolment
    from enrollment.services import enrol

    flexible = zs_person(name="官方灵活")
    official()
    with pytest.raises(ValidationError) as error:  # art. 8 ¶2: the working age has no figure
        enrol(person=flexible, category="flexible", district="定海区", start_date=D(2024, 1, 1))
    message = refused(error.value, "category")
    assert "flexible.min_working_age" in message
    with pytest.raises(ValidationError) as error:  # art. 12: the statutory ages have no figure
        enrol(
            person=flexible,
            category="active",
            district="定海区",
            start_date=D(2024, 1, 1),
            employer=zs_employer,
        )
    assert "enrolment.first_employee_retirement_age" in refused(error.value, "category")
    assert not Enrolment.objects.filter(person=flexible).exists()

    worker = zs_person(name="官方职工")
    enrol(
        person=worker,
        category="active",
        district="定海区",
        start_date=D(2024, 1, 1),
        employer=zs_employer,
        in_local_pension_scheme=True,
    )
    with pytest.raises(ValidationError) as error:  # art. 9(2): floor, cap and rates have no figure
        record_monthly_contribution(
            person=worker, month=D(2024, 1, 1), paid_on=D(2024, 1, 15), monthly_wage=5000
        )
    text = str(error.value)
    assert "舟山 第九条" in text and ("employee." in text or "provincial_average_monthly_wage" in text)
    with pytest.raises(Exception) as error:  # art. 17(1): the credit rate has no figure
        open_account(person=worker, on=D(2024, 2, 1), category="active", base=M("5850.00"))
    assert "account.credit_rate_active" in str(error.value) or "account.preset" in str(error.value)
    assert "舟山" in str(error.value)

    resident = zs_person(name="官方居民", birth=D(1990, 2, 2))
    with pytest.raises(ValidationError) as error:  # art. 26: the adult age has no figure
        enrol(person=resident, category="adult_tier1", district="定海区", start_date=D(2024, 1, 1))
    assert "resident." in refused(error.value, "category")
    import policy.parameters as parameters

    parameters.set_illustrative_default(True)
    enrolment = enrol(person=resident, category="adult_tier1", district="定海区", start_date=D(2024, 1, 1))
    official()
    with pytest.raises(ValidationError) as error:  # art. 27: the contribution has no figure
        record_resident_payment(enrolment=enrolment, paid_on=D(2024, 3, 10))
    assert "resident.contribution" in str(error.value) and "舟山 第二十七条" in str(error.value)


@pytest.mark.parametrize(
    "page, article",
    [
        ("portal:home", "舟山 第二十一条"),  # account.mutual_aid
        ("portal:account", "舟山 第二十一条"),  # account.current_payment / historical_payment / mutual_aid
        ("portal:mutual_aid", "舟山 第二十一条"),
        ("portal:assistance", "舟山 第四十五条"),  # assistance.special
    ],
)
def test_portal_pages_cite_the_persons_own_region(client, zs_insured, page, article):
    """A Zhoushan person's portal cites the Zhoushan measures (region files), never Hangzhou's."""
    client.login(username="zs-portal", password=PASSWORD)
    body = client.get(reverse(page)).content.decode().split("<main", 1)[-1]
    assert article in body
    assert "杭州" not in body
