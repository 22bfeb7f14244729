"""Demo maternity applications in each state (杭州 art. 56–60), through the same services as the product.

Four employees of 杭州云帆科技有限公司 (the `tech` employer of `enrollment.demo`; the demo employer
API client `demo-employer` acts for it): an approved birth (payment, fund posting, letter), a
difficult twin birth awaiting review, 11 months plus a back payment awaiting review (the
assessment says why it is refused), and a miscarriage refused by the review clerk.
Idempotent: persons by ID number, contributions by demo record ids, applications by the
employer's application number.
"""

import datetime as dt
from decimal import Decimal

from contributions.models import BackPayment, BaseDeclaration, ContributionRecord
from contributions.services import (
    ContributionError,
    declare_base,
    record_back_payment,
    record_monthly_contribution,
)
from core.identity import make_resident_id
from enrollment.demo import anchor, employer, months_ago, person, zhoushan_illustrative
from enrollment.models import Person
from enrollment.services import enrol
from users.models import ApiClient
from users.services import ensure_api_client

from . import services
from .models import Application

# key, name, birth, sequence (even: a woman), monthly wage, event kind, event (months ago, day),
# babies, difficult, first paid month (months ago), back-paid months (months ago), state wanted
WOMEN = [
    ("linxy", "林晓燕", dt.date(1993, 2, 14), 402, "12000", "birth", 4, 9, 1, False, 20, (), "approved"),
    ("hejing", "何静", dt.date(1991, 7, 3), 412, "9000", "birth", 2, 18, 2, True, 18, (), "submitted"),
    ("xuli", "许丽", dt.date(1995, 5, 20), 422, "8000", "birth", 1, 5, 1, False, 12, (12,), "submitted"),
    (
        "shenmei",
        "沈梅",
        dt.date(1990, 11, 11),
        432,
        "10000",
        "miscarriage_from_4_months",
        3,
        12,
        1,
        False,
        16,
        (),
        "refused",
    ),
]


def _person(key, name, birth, sequence) -> Person:
    number = make_resident_id("330102", birth, sequence)
    found = Person.objects.filter(id_number=number).first()
    if found:
        return found
    return Person.objects.create(
        name=name,
        id_number=number,
        birth_date=birth,
        sex="F",
        hukou_district="上城区",
        residence_district="上城区",
        phone="13800000000",
    )


def _contributions(who, tech, key, wage, first_ago, back_ago) -> None:
    start = months_ago(first_ago)
    if not who.enrolments.exists():
        enrol(person=who, category="active", district="上城区", start_date=start, employer=tech)
    for ago in range(first_ago, 0, -1):
        month = months_ago(ago)
        if ago in back_ago:
            continue
        if not BaseDeclaration.objects.filter(person=who, employer=tech, year=month.year).exists():
            declare_base(
                person=who,
                employer=tech,
                year=month.year,
                monthly_wage=Decimal(wage),
                declared_on=dt.date(month.year, 1, 5),
            )
        record_id = f"DEMO-maternity-{key}-{month:%Y%m}"
        if ContributionRecord.objects.filter(external_id=record_id).exists():
            continue
        try:
            record_monthly_contribution(
                person=who,
                month=month,
                paid_on=month.replace(day=15),
                source="tax_bureau",
                external_id=record_id,
            )
        except ContributionError:
            continue
    for ago in back_ago:
        month = months_ago(ago)
        if not BackPayment.objects.filter(person=who, first_month=month).exists():
            record_back_payment(
                person=who,
                identity="employee",
                first_month=month,
                last_month=month,
                paid_on=anchor(),
                employer=tech,
            )


def load(stdout) -> None:
    tech = employer("tech")
    existing = ApiClient.objects.filter(user__username="demo-employer").first()
    ensure_api_client(
        username="demo-employer",
        kind=ApiClient.Kind.EMPLOYER,
        scopes=existing.scopes if existing else ["maternity", "trial_settlement"],
        organisation_code=tech.credit_code,
    )
    for (
        key,
        name,
        birth,
        sequence,
        wage,
        kind,
        ago,
        day,
        babies,
        difficult,
        first_ago,
        back_ago,
        state,
    ) in WOMEN:
        who = _person(key, name, birth, sequence)
        _contributions(who, tech, key, wage, first_ago, back_ago)
        event_date = months_ago(ago).replace(day=day)
        reference = f"YF-DEMO-{key}"
        application = Application.objects.filter(employer=tech, employer_reference=reference).first()
        if application is None:
            application, _created = services.submit(
                person=who,
                employer=tech,
                employer_reference=reference,
                event_kind=kind,
                event_date=event_date,
                babies=babies,
                difficult_birth=difficult,
                source=Application.Source.API,
            )
        if application.status != Application.Status.SUBMITTED:
            continue
        if state == "approved":
            services.approve(application=application, user=None)
        elif state == "refused":
            services.refuse(application=application, user=None, reason="未提供符合规定的流产医学证明（演示）")
    _zhoushan_flexible_worker(stdout)
    counts = {
        status: Application.objects.filter(status=status).count() for status in Application.Status.values
    }
    stdout.write(f"maternity: applications {counts}; API client demo-employer acts for {tech.credit_code}\n")


def _zhoushan_flexible_worker(stdout) -> None:
    """舟山 art. 46, 48, 50, 52: the flexible worker 叶珊 (enrollment.demo) applies herself, as on the
    portal, for a birth 2 months ago; approved, the allowance is paid to her on her own base
    (ILLUSTRATIVE figures: the letter and the pages say 示例参数)."""
    if not zhoushan_illustrative():
        return
    who = person("zs_yeshan")
    event_date = months_ago(2).replace(day=6)
    application = Application.objects.filter(person=who, event_date=event_date).first()
    if application is None:
        application, _created = services.submit(
            person=who,
            employer=None,
            event_kind="birth",
            event_date=event_date,
            source=Application.Source.PORTAL,
        )
    if application.status == Application.Status.SUBMITTED and application.eligible:
        services.approve(application=application, user=None)
    application.refresh_from_db()
    stdout.write(
        f"maternity: 舟山 flexible worker {who.name} applied herself: {application.get_status_display()} "
        f"{application.amount} (示例参数)\n"
    )
