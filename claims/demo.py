"""Demo data of claims: four institutions, the institutions' API clients, a few settled bills with statements.

Idempotent: institutions by code, API clients by username, bills by institution + bill
number (a replay of the same bill returns the first settlement). A token is issued for
the pharmacy's client only when it has none; the key is printed once, at issue, and
only its prefix afterwards. Nothing secret is stored in the repository.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from . import services
from .models import Institution, InstitutionSuspension, Settlement, Statement

INSTITUTIONS = [
    # code, name, level, kind
    ("H330100001", "浙江大学医学院附属第一医院（演示）", "level3", "hospital"),
    ("H330100002", "杭州市西湖区人民医院（演示）", "other", "hospital"),
    ("C330100003", "西湖区翠苑街道社区卫生服务中心（演示）", "community", "community_centre"),
    ("P330100004", "老百姓大药房文三路店（演示）", "other", "pharmacy"),
]
HOSPITAL, _OTHER, COMMUNITY, PHARMACY = (row[0] for row in INSTITUTIONS)
# Zhoushan's demo persons (ILLUSTRATIVE figures) are treated in the city (舟山 art. 24, 56)
ZS_HOSPITAL = ("H330900001", "舟山医院（演示）", "level3", "hospital")
ZS_COMMUNITY = ("C330900002", "定海区昌国街道社区卫生服务中心（演示）", "community", "community_centre")


def _institutions(stdout) -> dict[str, Institution]:
    found = {}
    for code, name, level, kind in INSTITUTIONS:
        found[code], _created = Institution.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "kind": kind, "region": "hangzhou"}
        )
    # reading 25: a suspension already lifted (its history shows in the admin); a hospital
    # without direct settlement, whose bills are reimbursed at the counter
    other = found[_OTHER]
    if not other.suspensions.exists():
        InstitutionSuspension.objects.create(
            institution=other,
            start=dt.date(2024, 3, 1),
            end=dt.date(2024, 3, 31),
            reason="演示：协议检查期间暂停结算，已解除",
        )
    Institution.objects.get_or_create(
        code="H330100005",
        defaults={
            "name": "杭州某民营医院（演示，未联网）",
            "level": "other",
            "kind": "hospital",
            "region": "hangzhou",
            "networked": False,
        },
    )
    for code, name, level, kind in (ZS_HOSPITAL, ZS_COMMUNITY):
        found[code], _created = Institution.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "kind": kind, "region": "zhoushan"}
        )
    stdout.write(f"claims: {len(found) + 1} demo institutions")
    return found


def _api_clients(stdout) -> None:
    from users.models import ApiClient, ApiToken
    from users.services import ensure_api_client

    # users/demo.py's hospital client settles as the level-3 hospital
    updated = ApiClient.objects.filter(user__username="demo-hospital").update(organisation_code=HOSPITAL)
    if updated:
        stdout.write(f"claims: API client demo-hospital acts for {HOSPITAL}")
    client = ensure_api_client(
        username="demo-pharmacy",
        kind=ApiClient.Kind.INSTITUTION,
        scopes=["trial_settlement", "settlement"],
        organisation_code=PHARMACY,
    )
    token = client.tokens.filter(revoked__isnull=True).order_by("created").first()
    if token is None:
        _token, key = ApiToken.issue(client)
        stdout.write(f"claims: API client demo-pharmacy ({PHARMACY}) token, shown once: {key}")
    else:
        stdout.write(f"claims: API client demo-pharmacy ({PHARMACY}) keeps its token {token.prefix}…")


def _bill_dates() -> tuple[int, dt.date, dt.date, dt.date]:
    today = timezone.localdate()
    year = today.year if today >= dt.date(today.year, 3, 1) else today.year - 1
    return year, dt.date(year, 1, 10), dt.date(year, 2, 5), dt.date(year, 2, 20)


def _settle(person, institution, bill, stdout):
    body = {
        "demo": True,
        "person": person.pk,
        "bill_number": bill.bill_number,
        "kind": bill.kind,
        "date": str(bill.date or bill.discharge_date),
        "eligible": str(bill.eligible),
        "out_of_scope": str(bill.out_of_scope),
        "self_pay_first": str(bill.self_pay_first),
    }
    try:
        settlement, _created = services.settle(person=person, institution=institution, bill=bill, body=body)
    except services.ClaimError as error:
        stdout.write(f"claims: {person} bill {bill.bill_number} not settled: {error.text}")
        return None
    return settlement


def _mutual_aid(institutions, year: int, stdout) -> list:
    """杭州 art. 26(6): 张三 (the portal's demo login) grants his child 吴小宝 the use of his historical funds;
    the relation is on record from the household register; the boy's hospital bill draws on them.

    Settled before the family's own bills, so that 张三's historical funds are there to draw on.
    """
    from django.contrib.auth import get_user_model

    from accounts.services import AccountError, grant_mutual_aid
    from enrollment import demo as enrollment_demo
    from enrollment.models import FamilyRelation, Person
    from enrollment.services import record_family_relation

    try:
        holder, child = enrollment_demo.person("zhangsan"), enrollment_demo.person("wuxiaobao")
    except (KeyError, Person.DoesNotExist):
        return []
    clerk = get_user_model().objects.filter(is_staff=True).order_by("id").first()
    if clerk is None:
        return []
    if not FamilyRelation.objects.filter(person=holder, relative=child).exists():
        record_family_relation(
            person=holder,
            relative=child,
            kind="child",
            source="household",
            document_number="DEMO-HK-0001",
            verified_by=clerk,
            verified_on=dt.date(year, 1, 2),
        )
    if not holder.mutual_aid_given.filter(relative=child, revoked_on__isnull=True).exists():
        try:
            grant_mutual_aid(holder=holder, relative=child, relation="child", on=dt.date(year, 1, 2))
        except AccountError as error:
            stdout.write(f"claims: mutual aid for the demo not granted: {error.message_dict}\n")
            return []
    bill = services.BillInput(
        bill_number=f"DEMO-{year}-{child.pk}-GJ",
        kind="inpatient",
        admission_date=dt.date(year, 1, 20),
        discharge_date=dt.date(year, 1, 26),
        eligible=Decimal("18000.00"),
        out_of_scope=Decimal("420.00"),
        self_pay_first=Decimal("380.00"),
    )
    settlement = _settle(child, institutions[HOSPITAL], bill, stdout)
    if settlement is None:
        return []
    stdout.write(
        f"claims: mutual aid demo: {child} bill paid {settlement.mutual_aid_paid} from {holder}'s historical funds\n"
    )
    return [settlement]


def load(stdout) -> None:
    from enrollment.models import Person

    institutions = _institutions(stdout)
    _api_clients(stdout)
    year, outpatient_day, admission, discharge = _bill_dates()
    settled = _mutual_aid(institutions, year, stdout)
    people = list(Person.objects.order_by("id")[:6])
    # Zhoushan persons (illustrative figures) get the same bills: an inpatient one among them
    people += [p for p in Person.objects.filter(region="zhoushan").order_by("id")[:4] if p not in people]
    for person in people:
        in_city = person.region == "zhoushan"
        hospital = institutions[ZS_HOSPITAL[0] if in_city else HOSPITAL]
        community = institutions[ZS_COMMUNITY[0] if in_city else COMMUNITY]
        bills = [
            (
                community,
                services.BillInput(
                    bill_number=f"DEMO-{year}-{person.pk}-MZ",
                    kind="outpatient",
                    date=outpatient_day,
                    eligible=Decimal("1680.00"),
                    out_of_scope=Decimal("35.50"),
                    self_pay_first=Decimal("120.00"),
                ),
            ),
            (
                hospital,
                services.BillInput(
                    bill_number=f"DEMO-{year}-{person.pk}-ZY",
                    kind="inpatient",
                    admission_date=admission,
                    discharge_date=discharge,
                    eligible=Decimal("52000.00"),
                    out_of_scope=Decimal("860.00"),
                    self_pay_first=Decimal("1500.00"),
                ),
            ),
        ]
        for institution, bill in bills:
            settlement = _settle(person, institution, bill, stdout)
            if settlement is not None:
                settled.append(settlement)
    from .tasks import render

    rendered = 0
    for settlement in settled:
        statement = Statement.objects.filter(settlement=settlement).first()
        if statement is None or statement.status != Statement.Status.READY:
            render(settlement.pk)
            rendered += 1
    stdout.write(
        f"claims: {len(settled)} demo settlements ({Settlement.objects.count()} in all), {rendered} statements rendered now"
    )
