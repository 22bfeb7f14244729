"""Demo data loads twice without duplicates and shows every status (today's date)."""

import io

import pytest
from django.utils import timezone

from contributions.models import ContributionRecord, ResidentPayment
from enrollment.demo import person
from enrollment.models import Enrolment, Person, Suspension
from enrollment.selectors import benefit_status

pytestmark = pytest.mark.django_db


def load_all():
    import contributions.demo
    import enrollment.demo
    import policy.demo

    out = io.StringIO()
    for module in (policy.demo, enrollment.demo, contributions.demo):
        module.load(out)
    return out.getvalue()


def test_demo_is_idempotent_and_covers_every_status():
    output = load_all()
    counts = (
        Person.objects.count(),
        Enrolment.objects.count(),
        ContributionRecord.objects.count(),
        ResidentPayment.objects.count(),
        Suspension.objects.count(),
    )
    load_all()
    assert counts == (
        Person.objects.count(),
        Enrolment.objects.count(),
        ContributionRecord.objects.count(),
        ResidentPayment.objects.count(),
        Suspension.objects.count(),
    )
    assert "zhangsan" in output
    today = timezone.localdate()

    zhangsan = benefit_status(person=person("zhangsan"), on=today)
    assert zhangsan.eligible and zhangsan.category == "active" and zhangsan.contracted_gp
    assert person("zhangsan").user.username == "zhangsan" and person("zhangsan").user.role == "insured"
    assert person("zhangsan").user.check_password("demo-pass-2024")

    lisi = benefit_status(person=person("lisi"), on=today)
    assert not lisi.eligible and "第十五条" in lisi.article
    zhaomin = benefit_status(person=person("zhaomin"), on=today)
    assert not zhaomin.eligible and "第十六条" in zhaomin.article
    zhouqiang = benefit_status(person=person("zhouqiang"), on=today)
    assert not zhouqiang.eligible and "第七十八条" in zhouqiang.article
    qianlao = benefit_status(person=person("qianlao"), on=today)
    assert qianlao.eligible and qianlao.category == "retired"
    wangfang = benefit_status(person=person("wangfang"), on=today)
    assert wangfang.eligible and wangfang.certificate == "minimum_living"
    assert benefit_status(person=person("wuxiaobao"), on=today).category == "child"
    assert benefit_status(person=person("chenye"), on=today).enrolment_category == "unemployed"
    assert ContributionRecord.objects.filter(person=person("wangfang"), personal_payable=0).count() == 12


def test_demo_agreement_payer_is_covered():
    load_all()
    status = benefit_status(person=person("weixie"), on=timezone.localdate())
    assert status.eligible and status.enrolment_category == "agreement"
