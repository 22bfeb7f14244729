"""Demo persons in every category and status, employers, certificates, GP contracts, filings, transfers.

Dates are relative to the day of loading so that "today's status" shows every case.
Idempotent: persons by ID number, employers by credit code, the rest by natural keys;
an enrolment is made only when the person has none with that start date.
Payments (and so benefits) come from `contributions.demo`.
"""

import datetime as dt

from django.utils import timezone

from core import dates
from core.identity import make_credit_code, make_resident_id, mask_id_number

from .models import Certificate, Employer, Enrolment, Filing, GpContract, Person, Transfer
from .services import enrol, switch_scheme

PORTAL_USERNAME = "zhangsan"
PORTAL_PASSWORD = "demo-pass-2024"

EMPLOYERS = [
    # key, name, 17-character body (check character computed), district
    ("tech", "杭州云帆科技有限公司", "91330102MA2DEM001", "上城区"),
    ("hospital", "杭州西湖文旅集团有限公司", "91330106MA2DEM002", "西湖区"),
]

# key, name, area code, birth date, sequence, hukou_local, district
PERSONS = [
    ("zhangsan", "张三", "330102", dt.date(1985, 6, 15), 11, True, "上城区"),
    ("lisi", "李四", "330102", dt.date(1979, 2, 3), 21, True, "上城区"),
    ("wangfang", "王芳", "330106", dt.date(1975, 8, 20), 42, True, "西湖区"),
    ("zhaomin", "赵敏", "330106", dt.date(1988, 11, 2), 62, True, "西湖区"),
    ("qianlao", "钱老", "330102", dt.date(1961, 1, 10), 31, True, "上城区"),
    ("sunli", "孙丽", "330102", dt.date(1990, 4, 18), 82, True, "上城区"),
    ("zhouqiang", "周强", "310104", dt.date(1992, 7, 7), 51, False, "西湖区"),
    ("wuxiaobao", "吴小宝", "330102", dt.date(2017, 3, 3), 71, True, "上城区"),
    ("zhengda", "郑大学", "330381", dt.date(2005, 9, 9), 91, False, "西湖区"),
    ("fengyi", "冯一", "330106", dt.date(1968, 12, 12), 102, True, "西湖区"),
    ("chenye", "陈业", "330102", dt.date(1983, 5, 5), 111, True, "上城区"),
    ("weixie", "卫协", "330106", dt.date(1972, 10, 1), 121, True, "西湖区"),
    ("chucan", "褚残", "330102", dt.date(1980, 1, 20), 132, True, "上城区"),
]


# Zhoushan (issue 14): one person of each scheme, loaded only while Zhoushan runs on its
# ILLUSTRATIVE parameter set (POLICY_ILLUSTRATIVE=1, as `make demo` sets it): its
# official file has no figures. Every page and PDF showing them carries the 示例参数 notice.
ZHOUSHAN = "zhoushan"
ZS_EMPLOYERS = [("zs_fishery", "舟山示例水产有限公司（演示）", "91330902MA2DEM101", "定海区")]
# key, name, area code, birth date, sequence (odd: a man), category, start (months ago, None: 1 Jan last year)
ZS_PERSONS = [
    ("zs_chenhai", "陈海", "330902", dt.date(1982, 4, 12), 301, "active"),
    ("zs_yeshan", "叶珊", "330902", dt.date(1994, 8, 8), 312, "flexible"),
    ("zs_baolao", "鲍老", "330902", dt.date(1955, 2, 2), 321, "retired"),
    ("zs_lexiaomei", "乐小梅", "330903", dt.date(1988, 10, 10), 332, "adult_tier1"),
]
ZS_PORTAL_USERNAME = "zhoushan"


def zhoushan_illustrative() -> bool:
    """True when Zhoushan's figures in force come from its illustrative set (the demo's case)."""
    from policy.regions import region_of

    return region_of(ZHOUSHAN).illustrative(timezone.localdate())


def anchor() -> dt.date:
    """The first day of the current month: every demo date is counted from it."""
    return dates.month_start(timezone.localdate())


def months_ago(months: int) -> dt.date:
    return dates.add_months(anchor(), -months)


def person(key: str) -> Person:
    for item in ZS_PERSONS:
        if item[0] == key:
            return Person.objects.get(id_number=make_resident_id(item[2], item[3], item[4]))
    for item in PERSONS:
        if item[0] == key:
            _key, _name, area, birth, sequence, _local, _district = item
            return Person.objects.get(id_number=make_resident_id(area, birth, sequence))
    raise KeyError(key)


def employer(key: str) -> Employer:
    for item in EMPLOYERS + ZS_EMPLOYERS:
        if item[0] == key:
            return Employer.objects.get(credit_code=make_credit_code(item[2]))
    raise KeyError(key)


def _enrol_once(who: Person, start: dt.date, **kwargs) -> Enrolment:
    """An employee enrolment opens the account as at the counter (杭州 art. 22(3)): handled, for the demo,
    no earlier than January of last year, so that `accounts.demo` shows last year's credits and rollover."""
    existing = who.enrolments.filter(start_date=start).first()
    handled_on = max(start, dt.date(anchor().year - 1, 1, 1))
    return existing or enrol(person=who, start_date=start, handled_on=handled_on, **kwargs)


def load(stdout) -> None:
    for _key, name, body, district in EMPLOYERS:
        Employer.objects.get_or_create(
            credit_code=make_credit_code(body), defaults={"name": name, "district": district}
        )
    for _key, name, area, birth, sequence, local, district in PERSONS:
        number = make_resident_id(area, birth, sequence)
        Person.objects.get_or_create(
            id_number=number,
            defaults={
                "name": name,
                "birth_date": birth,
                "sex": "M" if sequence % 2 else "F",
                "hukou_local": local,
                "hukou_district": district if local else "",
                "residence_district": district,
                "phone": "1380000" + f"{sequence:04d}",
            },
        )
    foreigner, _ = Person.objects.get_or_create(
        id_number="USA330100198503079",
        defaults={
            "name": "John Smith",
            "id_type": Person.IdType.FOREIGN_PERMIT,
            "birth_date": dt.date(1985, 3, 7),
            "sex": "M",
            "hukou_local": False,
            "residence_district": "西湖区",
        },
    )
    year_start = dt.date(anchor().year, 1, 1)
    tech, tourism = employer("tech"), employer("hospital")

    # active employees (杭州 art. 11(1)); a foreigner by permit (art. 105)
    zhangsan = person("zhangsan")
    _enrol_once(zhangsan, dt.date(2015, 3, 1), category="active", district="上城区", employer=tech)
    _enrol_once(foreigner, dt.date(2022, 5, 1), category="active", district="西湖区", employer=tourism)
    # flexible workers (art. 12): one falls into arrears in contributions.demo, one holds 低保
    _enrol_once(person("lisi"), dt.date(2019, 1, 1), category="flexible", district="上城区")
    _enrol_once(person("wangfang"), dt.date(2020, 6, 1), category="flexible", district="西湖区")
    # interruption (art. 16): stopped 7 months ago, back 2 months ago → waiting period
    zhaomin = person("zhaomin")
    first = _enrol_once(zhaomin, dt.date(2018, 1, 1), category="flexible", district="西湖区")
    if first.end_date is None:
        Enrolment.objects.filter(pk=first.pk).update(
            end_date=months_ago(7) - dt.timedelta(days=1), end_reason="stopped"
        )
    _enrol_once(zhaomin, months_ago(2), category="flexible", district="西湖区")
    # to retire in contributions.demo (art. 20): an unemployed person on benefit until then
    _enrol_once(person("qianlao"), dt.date(2020, 1, 1), category="unemployed", district="上城区")
    # switch (art. 73(1)): resident this year, flexible from 2 months ago
    sunli = person("sunli")
    _enrol_once(sunli, year_start, category="adult_tier1", district="上城区")
    if not sunli.enrolments.filter(start_date=months_ago(2)).exists() and months_ago(2) > year_start:
        switch_scheme(person=sunli, category="flexible", district="上城区", on=months_ago(2))
    # transfer in from Shanghai without 12 continuous months (art. 78)
    zhouqiang = person("zhouqiang")
    Transfer.objects.get_or_create(
        person=zhouqiang,
        direction=Transfer.Direction.IN,
        transferred_on=months_ago(1),
        defaults={
            "other_place": "上海市",
            "from_scheme": "employee",
            "continuous_months_before": 5,
            "transferred_months": 36,
            "transferred_until": months_ago(1),
        },
    )
    _enrol_once(zhouqiang, months_ago(1), category="active", district="西湖区", employer=tourism)
    # residents (art. 30): a child (local), a university student, an adult tier 2, tier 1 with disability
    _enrol_once(person("wuxiaobao"), year_start, category="child", district="上城区")
    school_year = dt.date(anchor().year if anchor().month >= 9 else anchor().year - 1, 9, 1)
    _enrol_once(person("zhengda"), school_year, category="student", district="西湖区", school="浙江大学")
    _enrol_once(person("fengyi"), year_start, category="adult_tier2", district="西湖区")
    _enrol_once(person("chucan"), year_start, category="adult_tier1", district="上城区")
    # unemployed on benefit (art. 13(6), 15) and an agreement payer (art. 13(7))
    _enrol_once(person("chenye"), months_ago(4), category="unemployed", district="上城区")
    _enrol_once(person("weixie"), dt.date(2021, 1, 1), category="agreement", district="西湖区")

    # certificates (art. 13(5), 32, 52)
    for key, kind, source in [
        ("wangfang", Certificate.Source.COUNTER, "minimum_living"),
        ("fengyi", Certificate.Source.CIVIL_AFFAIRS, "low_income_edge"),
        ("chucan", Certificate.Source.DISABILITY_FEDERATION, "disability_grade2"),
    ]:
        Certificate.objects.get_or_create(
            external_id=f"DEMO-CERT-{key}",
            defaults={
                "person": person(key),
                "kind": source,
                "valid_from": dt.date(anchor().year - 1, 1, 1),
                "valid_to": dt.date(anchor().year + 1, 12, 31),
                "registered_on": dt.date(anchor().year - 1, 1, 15),
                "source": kind,
                "number": f"DEMO-{key.upper()}",
            },
        )
    # GP contracts (art. 29(4)(5), 40(3)) and a long-stay filing
    for key, code, name in [
        ("zhangsan", "H33010200001", "上城区湖滨街道社区卫生服务中心"),
        ("wuxiaobao", "H33010200001", "上城区湖滨街道社区卫生服务中心"),
        ("fengyi", "H33010600002", "西湖区北山街道社区卫生服务中心"),
    ]:
        GpContract.objects.get_or_create(
            person=person(key),
            centre_code=code,
            valid_from=dt.date(anchor().year, 1, 1),
            defaults={"centre_name": name, "valid_to": dt.date(anchor().year, 12, 31)},
        )
    Filing.objects.get_or_create(
        person=person("chucan"),
        kind=Filing.Kind.LONG_STAY,
        valid_from=dt.date(anchor().year, 1, 1),
        defaults={"destination": "海南省三亚市", "note": "异地长期居住备案（演示）"},
    )

    # the insured person's portal login (users.User, role insured)
    from users.models import User

    user, created = User.objects.get_or_create(
        username=PORTAL_USERNAME, defaults={"role": User.Role.INSURED, "last_name": "张", "first_name": "三"}
    )
    if created or not user.check_password(PORTAL_PASSWORD):
        user.set_password(PORTAL_PASSWORD)
        user.role = User.Role.INSURED
        user.save()
    if zhangsan.user_id != user.pk:
        Person.objects.filter(user=user).exclude(pk=zhangsan.pk).update(user=None)
        zhangsan.user = user
        zhangsan.save(update_fields=["user"])
    _load_zhoushan(stdout)
    stdout.write(
        f"enrollment: {Person.objects.count()} persons, {Employer.objects.count()} employers, "
        f"{Enrolment.objects.count()} enrolments; portal login {PORTAL_USERNAME} / {PORTAL_PASSWORD} "
        f"({zhangsan.name} {mask_id_number(zhangsan.id_number)})\n"
    )


def _load_zhoushan(stdout) -> None:
    """Zhoushan persons of each scheme (舟山 art. 8, 11, 26) on the illustrative figures, with a portal login."""
    if not zhoushan_illustrative():
        stdout.write(
            "enrollment: 舟山演示人员未加载（舟山正式参数文件无数值；设置 POLICY_ILLUSTRATIVE=1 使用示例参数）\n"
        )
        return
    for _key, name, body, district in ZS_EMPLOYERS:
        Employer.objects.get_or_create(
            credit_code=make_credit_code(body),
            defaults={"name": name, "district": district, "region": ZHOUSHAN},
        )
    fishery = employer("zs_fishery")
    start = dt.date(anchor().year - 1, 1, 1)
    for _key, name, area, birth, sequence, category in ZS_PERSONS:
        who, _created = Person.objects.get_or_create(
            id_number=make_resident_id(area, birth, sequence),
            defaults={
                "name": name,
                "birth_date": birth,
                "sex": "M" if sequence % 2 else "F",
                "hukou_local": True,
                "hukou_district": "定海区" if area == "330902" else "普陀区",
                "residence_district": "定海区" if area == "330902" else "普陀区",
                "phone": "1390580" + f"{sequence:04d}",
                "region": ZHOUSHAN,
            },
        )
        district = who.hukou_district
        if category == "active":
            _enrol_once(who, start, category=category, district=district, employer=fishery)
        elif category == "retired":  # retired before the demo's years (舟山 art. 11): registered as such
            _enrol_once(who, start, category=category, district=district, _allow_retired=True)
        elif category == "adult_tier1":
            _enrol_once(who, dt.date(anchor().year, 1, 1), category=category, district=district)
        else:
            _enrol_once(who, start, category=category, district=district)
    from users.models import User

    chenhai = person("zs_chenhai")
    user, created = User.objects.get_or_create(
        username=ZS_PORTAL_USERNAME,
        defaults={"role": User.Role.INSURED, "last_name": "陈", "first_name": "海"},
    )
    if created or not user.check_password(PORTAL_PASSWORD):
        user.set_password(PORTAL_PASSWORD)
        user.role = User.Role.INSURED
        user.save()
    if chenhai.user_id != user.pk:
        Person.objects.filter(user=user).exclude(pk=chenhai.pk).update(user=None)
        chenhai.user = user
        chenhai.save(update_fields=["user"])
    stdout.write(
        f"enrollment: 舟山 {len(ZS_PERSONS)} persons on the ILLUSTRATIVE figures (示例参数); "
        f"portal login {ZS_PORTAL_USERNAME} / {PORTAL_PASSWORD}\n"
    )
