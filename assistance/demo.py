"""Demo data of medical assistance: recipients, a post-hoc application, a special case at each state.

Idempotent by natural keys: persons by ID number, certificates by `external_id`, bills by
institution + bill number (a replay returns the first settlement), the post-hoc application by
person and period, cases by person and reason. Needs the claims demo's institutions and the
users demo's clerks (guiyuan 柜员, shenhe 审核, guanli 管理).

- 周救助 (低保, portal login `jiuzhu` / demo-pass-2024): two outpatient bills settled before the
  certificate reached the agency's system, one after (immediate assistance); a pending post-hoc
  application for the first two; one special application of her own, from the portal.
- 吴特困 (特困): special cases at every state (applied, under review, rejected, approved, refused, paid).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

PORTAL_USERNAME = "jiuzhu"
PORTAL_PASSWORD = "demo-pass-2024"
COMMUNITY = "C330100003"

PERSONS = [
    # key, name, area, birth, sequence, district, certificate kind
    ("zhoujiuzhu", "周救助", "330106", dt.date(1970, 3, 8), 512, "西湖区", "minimum_living"),
    ("wutekun", "吴特困", "330102", dt.date(1958, 9, 1), 523, "上城区", "extreme_poverty"),
]

CASES = [
    # reason, amount, target state, approved amount
    ("【演示】肾透析长期治疗，救助后自付仍高（待审核）", "6000.00", "applied", None),
    ("【演示】恶性肿瘤术后化疗，家庭特别困难（待联席会议研究）", "20000.00", "under_review", None),
    ("【演示】门诊购药费用（审核不予上报）", "800.00", "rejected", None),
    ("【演示】突发重病住院，自付费用高（联席会议同意，待支付）", "15000.00", "approved", "10000.00"),
    ("【演示】牙科美容修复（联席会议不同意）", "5000.00", "refused", None),
    ("【演示】脑卒中康复治疗（已支付）", "12000.00", "paid", "8000.00"),
]


def _year() -> int:
    today = timezone.localdate()
    return today.year if today >= dt.date(today.year, 3, 1) else today.year - 1


def _person(key, name, area, birth, sequence, district):
    from accounts.services import open_account
    from core.identity import make_resident_id
    from enrollment.models import Enrolment, Person

    number = make_resident_id(area, birth, sequence)
    person, created = Person.objects.get_or_create(
        id_number=number,
        defaults={"name": name, "birth_date": birth, "sex": "F", "hukou_district": district},
    )
    start = dt.date(_year() - 3, 1, 1)
    if not person.enrolments.exists():
        Enrolment.objects.create(
            person=person, scheme="employee", category="active", district=district, start_date=start, first_paid_on=start
        )
    from accounts.models import Account

    if not Account.objects.filter(person=person).exists():
        open_account(person=person, on=start, category="active")
    return person


def _certificate(person, kind, key):
    from enrollment.models import Certificate

    start = dt.date(_year(), 1, 1)
    Certificate.objects.get_or_create(
        external_id=f"demo-assistance-{key}",
        defaults={
            "person": person,
            "kind": kind,
            "valid_from": start if kind != "extreme_poverty" else dt.date(_year() - 2, 1, 1),
            "registered_on": start if kind != "extreme_poverty" else dt.date(_year() - 2, 1, 1),
            "source": Certificate.Source.CIVIL_AFFAIRS,
        },
    )


def _bill(person, number, day, eligible, stdout):
    from claims import services as claims_services
    from claims.models import Institution

    institution = Institution.objects.filter(code=COMMUNITY).first()
    if institution is None:
        stdout.write("assistance: claims demo institutions missing; no demo bills")
        return None
    bill = claims_services.BillInput(
        bill_number=number, kind="outpatient", date=day, eligible=Decimal(eligible), self_pay_first=Decimal("50.00")
    )
    body = {"demo": True, "person": person.pk, "bill_number": number, "date": str(day), "eligible": eligible}
    try:
        settlement, _created = claims_services.settle(person=person, institution=institution, bill=bill, body=body)
    except claims_services.ClaimError as error:
        stdout.write(f"assistance: bill {number} not settled: {error.text}")
        return None
    return settlement


def _portal_user(person):
    from users.models import User

    user, created = User.objects.get_or_create(
        username=PORTAL_USERNAME, defaults={"role": User.Role.INSURED, "last_name": "周", "first_name": "救助"}
    )
    if created or not user.check_password(PORTAL_PASSWORD):
        user.set_password(PORTAL_PASSWORD)
        user.role = User.Role.INSURED
        user.save()
    if person.user_id != user.pk:
        type(person).objects.filter(user=user).exclude(pk=person.pk).update(user=None)
        person.user = user
        person.save(update_fields=["user"])
    return user


def _clerk(username):
    from users.models import User

    return User.objects.filter(username=username).first() or User.objects.filter(is_superuser=True).first()


def _cases(person, stdout):
    from .models import SpecialCase
    from .services import apply_special, decide_special, pay_special, review_special

    counter, review, admin = _clerk("guiyuan"), _clerk("shenhe"), _clerk("guanli")
    made = 0
    for index, (reason, amount, target, approved) in enumerate(CASES, start=1):
        if SpecialCase.objects.filter(person=person, reason=reason).exists():
            continue
        case = apply_special(person=person, reason=reason, amount=amount, user=counter)
        made += 1
        if target == "applied":
            continue
        case = review_special(
            case=case,
            user=review,
            forward=target != "rejected",
            note="情况属实，上报联席会议" if target != "rejected" else "普通门诊购药已按规定救助，不属特殊困难",
        )
        if target in ("under_review", "rejected"):
            continue
        meeting = timezone.localdate() - dt.timedelta(days=7)
        case = decide_special(
            case=case,
            user=admin,
            approved=target != "refused",
            meeting_date=meeting,
            minutes_number=f"医救联〔{meeting.year}〕演示{index}号",
            amount=approved,
            refusal_reason="" if target != "refused" else "美容性质费用不属医疗救助范围",
        )
        if target == "paid":
            pay_special(case=case, user=review)
    stdout.write(f"assistance: {made} demo special cases made ({SpecialCase.objects.count()} in all)")


def load(stdout) -> None:
    from .models import PostHocApplication
    from .services import AssistanceError, apply_special, create_posthoc, post_immediate

    year = _year()
    people = {}
    for key, name, area, birth, sequence, district, _kind in PERSONS:
        people[key] = _person(key, name, area, birth, sequence, district)
    zhou, wu = people["zhoujiuzhu"], people["wutekun"]
    # two bills settled before her certificate reached the system: no immediate assistance
    _bill(zhou, f"DEMO-JZ-{year}-1", dt.date(year, 1, 12), "3200.00", stdout)
    _bill(zhou, f"DEMO-JZ-{year}-2", dt.date(year, 2, 3), "1800.00", stdout)
    for key, _name, _area, _birth, _seq, _district, kind in PERSONS:
        _certificate(people[key], kind, key)
    _bill(zhou, f"DEMO-JZ-{year}-3", dt.date(year, 2, 20), "1500.00", stdout)  # immediate assistance
    _portal_user(zhou)
    start, end = dt.date(year, 1, 1), dt.date(year, 2, 15)
    if not PostHocApplication.objects.filter(person=zhou, period_start=start, period_end=end).exists():
        try:
            application = create_posthoc(person=zhou, period_start=start, period_end=end, note="【演示】证件登记后补办")
            stdout.write(f"assistance: post-hoc application {application.pk}, preview {application.preview_total}")
        except AssistanceError as error:
            stdout.write(f"assistance: no post-hoc application: {error.text}")
    _cases(wu, stdout)
    from .models import SpecialCase

    reason = "【演示】本人网上申请：长期服药负担重"
    if not SpecialCase.objects.filter(person=zhou, reason=reason).exists():
        apply_special(
            person=zhou, reason=reason, amount="3000.00", user=zhou.user, applicant=SpecialCase.Applicant.PORTAL
        )
    written = post_immediate()
    stdout.write(
        f"assistance: recipients 周救助 (低保), 吴特困 (特困); immediate postings written {written}; "
        f"portal login {PORTAL_USERNAME} / {PORTAL_PASSWORD}"
    )
