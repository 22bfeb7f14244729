"""Demo data of medical assistance: recipients, a post-hoc application, a special case at each state.

Uses the persons of the enrollment demo and the bills of the claims demo, so it adds no persons,
enrolments or accounts of its own. Idempotent by natural keys: certificates by `external_id`, the
post-hoc application by person and period, cases by person and reason. The clerks are the users
demo's (guiyuan 柜员, shenhe 审核, guanli 管理).

- 李四 (lisi): his claims-demo bills of January and February were settled before his 低保
  certificate reached the agency (registered 1 January): a pending post-hoc application for them.
- 王芳 (wangfang, 低保 in the enrollment demo; portal login `jiuzhu` / demo-pass-2024): special cases
  at every state (applied, under review, rejected, approved, refused, paid) and one of her own from
  the portal. 冯一 (低边) and 褚残 (二级残疾) are recipients too.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

PORTAL_USERNAME = "jiuzhu"
PORTAL_PASSWORD = "demo-pass-2024"

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
    """The claims demo's bill year."""
    today = timezone.localdate()
    return today.year if today >= dt.date(today.year, 3, 1) else today.year - 1


def _certificate(person, kind, key):
    from enrollment.models import Certificate

    start = dt.date(_year(), 1, 1)
    Certificate.objects.get_or_create(
        external_id=f"demo-assistance-{key}",
        defaults={
            "person": person,
            "kind": kind,
            "valid_from": start,
            "registered_on": start,
            "source": Certificate.Source.CIVIL_AFFAIRS,
            "number": f"DEMO-JZ-{key.upper()}",
        },
    )


def _portal_user(person):
    from users.models import User

    user, created = User.objects.get_or_create(
        username=PORTAL_USERNAME,
        defaults={"role": User.Role.INSURED, "last_name": "周", "first_name": "救助"},
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
    from .services import AssistanceError, apply_special, decide_special, pay_special, review_special

    counter, review, admin = _clerk("guiyuan"), _clerk("shenhe"), _clerk("guanli")
    made = 0
    for index, (reason, amount, target, approved) in enumerate(CASES, start=1):
        if SpecialCase.objects.filter(person=person, reason=reason).exists():
            continue
        try:
            case = apply_special(person=person, reason=reason, amount=amount, user=counter)
        except AssistanceError as error:
            stdout.write(f"assistance: demo case not made: {error.text}")
            return
        made += 1
        if target == "applied":
            continue
        case = review_special(
            case=case,
            user=review,
            forward=target != "rejected",
            note="情况属实，上报联席会议"
            if target != "rejected"
            else "普通门诊购药已按规定救助，不属特殊困难",
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
    from enrollment.demo import person as demo_person

    from .models import PostHocApplication, SpecialCase
    from .services import AssistanceError, apply_special, create_posthoc, post_immediate

    try:
        lisi, wangfang = demo_person("lisi"), demo_person("wangfang")
    except Exception:  # noqa: BLE001 (the enrollment demo did not run)
        stdout.write("assistance: enrollment demo persons missing; no assistance demo")
        return
    year = _year()
    # his bills were settled by the claims demo before this certificate reached the system
    _certificate(lisi, "minimum_living", "lisi")
    _portal_user(wangfang)
    start, end = dt.date(year, 1, 1), dt.date(year, 2, 28)
    if not PostHocApplication.objects.filter(person=lisi, period_start=start, period_end=end).exists():
        try:
            application = create_posthoc(
                person=lisi, period_start=start, period_end=end, note="【演示】证件登记后补办"
            )
            stdout.write(
                f"assistance: post-hoc application {application.pk}, preview {application.preview_total}"
            )
        except AssistanceError as error:
            stdout.write(f"assistance: no post-hoc application: {error.text}")
    _cases(wangfang, stdout)
    reason = "【演示】本人网上申请：长期服药负担重"
    if not SpecialCase.objects.filter(person=wangfang, reason=reason).exists():
        try:
            apply_special(
                person=wangfang,
                reason=reason,
                amount="3000.00",
                user=wangfang.user,
                applicant=SpecialCase.Applicant.PORTAL,
            )
        except AssistanceError as error:
            stdout.write(f"assistance: no portal application: {error.text}")
    written = post_immediate()
    stdout.write(
        f"assistance: recipients 李四 (低保, post-hoc), 王芳 (低保, special cases, portal); immediate postings "
        f"written {written}; portal login {PORTAL_USERNAME} / {PORTAL_PASSWORD}"
    )
