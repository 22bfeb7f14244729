"""Business actions on persons and enrolments: each a plain function, one transaction.

Who may enrol in what is checked here against 杭州 art. 11, 12, 20, 21, 30, 73 (舟山 art. 8,
12, 26, 62); a refusal is an `EnrolmentError` naming the field and the article, and
nothing is written.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from core import dates
from core.identity import mask_id_number
from policy.parameters import ParameterError
from policy.regions import region_of

from . import account_opening, paid_months
from .models import (
    CERTIFICATE_PRIORITY,
    EMPLOYEE_CATEGORIES,
    RESIDENT_CATEGORIES,
    Category,
    Certificate,
    Employer,
    Enrolment,
    FamilyRelation,
    Filing,
    GpContract,
    Person,
    Scheme,
    Transfer,
)

log = logging.getLogger(__name__)
CERTIFICATE_KINDS = CERTIFICATE_PRIORITY

ADULT_TIERS = {Category.ADULT_TIER1, Category.ADULT_TIER2, Category.ADULT_TIER3}
# 杭州 art. 31: tier 3 only in 桐庐县、淳安县、建德市 (with local approval); the urban districts choose 1 or 2.
TIER3_DISTRICTS = {"桐庐县", "淳安县", "建德市"}


class EnrolmentError(ValidationError):
    """A refused enrolment action: a dict of field -> message (with the article)."""


def _refuse(field: str, message: str):
    raise EnrolmentError({field: [message]})


@transaction.atomic
def register_person(**fields) -> Person:
    """Register a person after validating identity (GB 11643; permits per 杭州 art. 105)."""
    person = Person(**fields)
    person.full_clean()
    if Person.objects.filter(id_number=person.id_number).exists():
        _refuse("id_number", f"证件号码 {mask_id_number(person.id_number)} 已登记")
    person.save()
    log.info("person registered: %s", mask_id_number(person.id_number))
    return person


@transaction.atomic
def register_employer(*, name: str, credit_code: str, district: str, region: str | None = None) -> Employer:
    employer = Employer(name=name, credit_code=credit_code, district=district)
    if region:
        employer.region = region
    employer.full_clean()
    employer.save()
    return employer


def _scheme_of(category: str) -> str:
    if category in EMPLOYEE_CATEGORIES:
        return Scheme.EMPLOYEE
    if category in RESIDENT_CATEGORIES:
        return Scheme.RESIDENT
    _refuse("category", f"未知的参保类别 {category!r}")


def _parent_in_employee_scheme(parent: Person | None, on: dt.date, *, min_months: int = 0) -> bool:
    if parent is None:
        return False
    enrolments = list(parent.enrolments.filter(scheme=Scheme.EMPLOYEE))
    if not any(e.covers(on) for e in enrolments):
        return False
    if min_months:
        # 杭州 art. 30(1): 累计缴费满 3 年, counted from the parent's paid months
        months = paid_months.local_actual_months(parent, until=on)
        return months >= min_months
    return True


def check_eligibility(
    *,
    person: Person,
    category: str,
    district: str,
    start_date: dt.date,
    employer: Employer | None = None,
    school: str = "",
    school_level: str = "",
    parent: Person | None = None,
    local_actual_months: int | None = None,
    in_local_pension_scheme: bool = False,
) -> None:
    """Refuse, naming the field and the article, a category the person may not enrol in."""
    region = region_of(person.region)
    age = dates.age_on(person.birth_date, start_date)
    if person.death_date and start_date > person.death_date:
        _refuse("start_date", "参保人已死亡，不能办理参保")
    if category == Category.RETIRED:
        _refuse(
            "category",
            "退休人员待遇须先办理医保退休资格确认（缴费年限核验）后由系统登记"
            f"（{region.article('enrollment.retirement_confirmation')}）",
        )
    if category == Category.ACTIVE and employer is None:
        _refuse(
            "employer",
            f"在职职工须由用人单位办理参保（{region.article('enrollment.employer_enrols')}）",
        )
    if category == Category.AGREEMENT and not region.has("contributions.agreement"):
        _refuse(
            "category",
            f"{region.name}医保办法没有协缴人员这一参保类别（{region.article('contributions.employee_enrolment')}）",
        )
    if category != Category.ACTIVE and employer is not None and category in EMPLOYEE_CATEGORIES:
        if category not in {Category.AGREEMENT}:
            _refuse(
                "employer", f"灵活就业、失业人员不经用人单位参保（{region.article('enrollment.flexible')}）"
            )
    if category == Category.FLEXIBLE:
        _check_flexible(person, region, district, start_date, age, local_actual_months)
    if category in {Category.ACTIVE, Category.FLEXIBLE} and not in_local_pension_scheme:
        _check_first_employee_age(person, start_date, age)
    if category in RESIDENT_CATEGORIES:
        _check_resident(person, category, district, start_date, age, school, school_level, parent)


def _check_flexible(person, region, district, start_date, age, local_actual_months) -> None:
    """Who may enrol as a flexible worker: the working age, and the rules a region declares
    (杭州 art. 12(1) the hukou district, 12(2) a non-local person's local years)."""
    art12 = region.article("enrollment.flexible")
    try:
        params = region.parameters(start_date)
        min_age = int(params["flexible.min_working_age"])
        key = "enrolment.flexible_nonlocal_local_months"
        nonlocal_months = int(params[key]) if region.has(key) else None
    except ParameterError as error:
        _refuse("category", str(error))
    if age < min_age:
        _refuse("category", f"未满{min_age}周岁，不在劳动年龄段内，不能以灵活就业人员身份参保（{art12}）")
    if not person.hukou_local and nonlocal_months is not None:
        if local_actual_months is None or local_actual_months < nonlocal_months:
            years = (
                "未知"
                if local_actual_months is None
                else f"{local_actual_months // 12}年{local_actual_months % 12}个月"
            )
            _refuse(
                "category",
                f"非本市户籍人员本市职工医保实际缴费年限须累计满{nonlocal_months // 12}年方可以灵活就业人员身份参保，"
                f"当前 {years}（{region.article('enrolment.flexible_nonlocal_local_months')}）",
            )
    in_district = region.has("enrollment.flexible_hukou_district")
    if person.hukou_local and in_district and person.hukou_district and district != person.hukou_district:
        _refuse(
            "district",
            f"本市户籍灵活就业人员应在户籍所属辖区（{person.hukou_district}）参保"
            f"（{region.article('enrollment.flexible_hukou_district')}）",
        )


def _check_first_employee_age(person: Person, start_date: dt.date, age: int) -> None:
    """A region that declares it (舟山 art. 12): a first employee enrolment must be under the statutory
    retirement age, unless the person is in the local employee pension scheme."""
    region = region_of(person.region)
    key = "enrolment.first_employee_retirement_age"
    if not region.has(key):
        return
    if person.enrolments.filter(scheme=Scheme.EMPLOYEE, start_date__lt=start_date).exists():
        return
    try:
        limit = int(region.parameters(start_date)[key][person.sex])
    except ParameterError as error:
        _refuse("category", str(error))
    if age >= limit:
        _refuse(
            "start_date",
            f"首次参加本市职工医保的人员应未超过法定退休年龄（{limit}周岁），参保日已满{age}周岁，"
            f"已参加本市职工基本养老保险的除外（{region.article(key)}）",
        )


def _check_resident(person, category, district, start_date, age, school, school_level, parent):  # noqa: C901 (issue 13: split by its owner)
    region = region_of(person.region)
    art30 = region.article("enrollment.resident_scope")
    foreign = person.id_type == Person.IdType.FOREIGN_PERMIT
    if category != Category.STUDENT:
        # 杭州 art. 30(1)(3) / 舟山 art. 26(1)(3): the minor and adult ages
        try:
            params = region.parameters(start_date)
            minor_limit = int(params["resident.minor_age_limit"])
            adult_age = int(params["resident.adult_age"])
            key = "enrolment.preschool_parent_months"
            preschool_parent_months = int(params[key]) if region.has(key) else 0
        except ParameterError as error:
            _refuse("category", str(error))
    if region.has("enrollment.adult_single_standard") and category in {
        Category.ADULT_TIER2,
        Category.ADULT_TIER3,
    }:
        _refuse(
            "category",
            f"{region.name}成年人城乡居民医保不分档，请登记为 adult_tier1（成年人）"
            f"（{region.article('enrollment.adult_single_standard')}）",
        )
    if category == Category.STUDENT:
        if not school:
            _refuse("school", f"大学生医保须填写就读的高等院校（{art30}第(二)项）")
        if foreign:
            _refuse("category", f"外籍学生不纳入城乡居民医保参保范围（{art30}）")
        return
    if category == Category.CHILD:
        if foreign:
            _refuse("category", f"外籍学生和外籍学龄前儿童不纳入参保范围（{art30}）")
        if person.hukou_local:
            if age >= minor_limit and not (school and school_level == "primary_secondary"):
                _refuse(
                    "category",
                    f"已满{minor_limit}周岁且不在本市中小学校就读，不属于少儿医保参保范围（{art30}第(一)项）",
                )
        else:
            in_school = bool(school) and school_level == "primary_secondary"
            if in_school:
                if not _parent_in_employee_scheme(parent, start_date):
                    _refuse(
                        "parent",
                        f"非本市户籍在校学生参加少儿医保，须父母一方已参加本市职工医保（{art30}第(一)项）",
                    )
            elif age < 7:
                if not _parent_in_employee_scheme(parent, start_date, min_months=preschool_parent_months):
                    paid = f"且累计缴费满{preschool_parent_months // 12}年" if preschool_parent_months else ""
                    _refuse(
                        "parent",
                        f"非本市户籍学龄前儿童参加少儿医保，须父母一方已参加本市职工医保{paid}（{art30}第(一)项）",
                    )
            else:
                _refuse("school", f"非本市户籍少年儿童须在本市中小学校就读（{art30}第(一)项）")
    if category in ADULT_TIERS:
        if age < adult_age:
            _refuse(
                "category",
                f"未满{adult_age}周岁，应参加少儿医保，不能以其他城乡居民身份参保（{art30}第(三)项）",
            )
        if not person.hukou_local and region.has("enrollment.adult_local_hukou_only"):
            _refuse(
                "category",
                f"其他城乡居民医保限本市户籍人员（{region.article('enrollment.adult_local_hukou_only')}）",
            )
        tier3 = region.has("enrollment.adult_tier3_districts")
        if tier3 and category == Category.ADULT_TIER3 and district not in TIER3_DISTRICTS:
            _refuse(
                "category",
                f"市区其他城乡居民只能选择一档或二档缴费（{region.article('enrollment.adult_tier3_districts')}）",
            )
    # art. 30 ¶2: local hukou in the hukou district, others where they live (students excepted)
    expected = person.hukou_district if person.hukou_local else person.residence_district
    if region.has("enrollment.resident_district") and expected and district != expected:
        _refuse(
            "district",
            f"{'本市户籍人员应在户籍所属辖区' if person.hukou_local else '非本市户籍人员应在居住地所属辖区'}"
            f"（{expected}）参保（{region.article('enrollment.resident_district')}）",
        )


def _check_single_scheme(person: Person, start_date: dt.date, end_date: dt.date | None, exclude=None) -> None:
    """杭州 art. 73 / 舟山 art. 62: one basic scheme at a time."""
    qs = person.enrolments.select_for_update().all()
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    for other in qs:
        overlaps = (other.end_date is None or other.end_date >= start_date) and (
            end_date is None or other.start_date <= end_date
        )
        if overlaps:
            art = region_of(person.region).article("enrollment.single_scheme")
            _refuse(
                "start_date",
                f"同一时期内只能参加一种基本医疗保险：已有{other.get_scheme_display()}（{other.get_category_display()}，"
                f"{other.start_date}起）参保登记，须先办理终止或险种转换（{art}）",
            )


@transaction.atomic
def enrol(
    *,
    person: Person,
    category: str,
    district: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    employer: Employer | None = None,
    school: str = "",
    school_level: str = "",
    parent: Person | None = None,
    eligible_since: dt.date | None = None,
    local_actual_months: int | None = None,
    in_local_pension_scheme: bool = False,
    note: str = "",
    credit_base: Decimal | None = None,
    pension: Decimal | None = None,
    handled_on: dt.date | None = None,
    _allow_retired: bool = False,
) -> Enrolment:
    """Enrol a person in one scheme and category after the eligibility checks.

    An employee enrolment opens the personal account in the same transaction, or brings an
    existing one up to date (杭州 art. 22(3), 26(4)): current funds are preset from the month the
    enrolment is handled (`handled_on`, default today; not before the start date) to December,
    at `credit_base` (the monthly contribution base) or, for a retiree, `pension`.
    """
    Person.objects.select_for_update().filter(pk=person.pk).first()
    scheme = _scheme_of(category)
    if not district:
        _refuse("district", "请填写参保辖区")
    if end_date and end_date < start_date:
        _refuse("end_date", "参保终止日期不能早于开始日期")
    if not _allow_retired:
        if category == Category.FLEXIBLE and not person.hukou_local and local_actual_months is None:
            local_actual_months = _local_actual_months(person)
        check_eligibility(
            person=person,
            category=category,
            district=district,
            start_date=start_date,
            employer=employer,
            school=school,
            school_level=school_level,
            parent=parent,
            local_actual_months=local_actual_months,
            in_local_pension_scheme=in_local_pension_scheme,
        )
    if scheme == Scheme.RESIDENT and end_date is None:
        end_date = _resident_year_end(category, start_date)
    _check_single_scheme(person, start_date, end_date)
    enrolment = Enrolment(
        person=person,
        region=person.region,
        scheme=scheme,
        category=category,
        district=district,
        employer=employer,
        school=school,
        school_level=school_level,
        start_date=start_date,
        end_date=end_date,
        parent=parent,
        eligible_since=eligible_since,
        note=note,
    )
    enrolment.full_clean()
    enrolment.save()
    if scheme == Scheme.EMPLOYEE:
        account_opening.enrolled(
            enrolment,
            on=max(start_date, handled_on or timezone.localdate()),
            base=credit_base,
            pension=pension,
        )
    log.info("enrolled %s in %s/%s from %s", mask_id_number(person.id_number), scheme, category, start_date)
    return enrolment


def _local_actual_months(person: Person) -> int:
    """Actual local paid months, from the contributions app (杭州 art. 12(2), 19)."""
    return paid_months.local_actual_months(person)


def _resident_year_end(category: str, start_date: dt.date) -> dt.date:
    """Resident enrolments run to the end of the settlement year (规程 §2; students 31 August)."""
    if category == Category.STUDENT:
        year = start_date.year + (1 if start_date.month >= 9 else 0)
        return dt.date(year, 8, 31)
    return dt.date(start_date.year, 12, 31)


@transaction.atomic
def end_enrolment(*, enrolment: Enrolment, end_date: dt.date, reason: str) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if end_date < enrolment.start_date:
        _refuse("end_date", "参保终止日期不能早于开始日期")
    if enrolment.end_date and enrolment.end_date < end_date:
        _refuse("end_date", f"该参保登记已于{enrolment.end_date}终止")
    enrolment.end_date = end_date
    enrolment.end_reason = reason
    enrolment.save(update_fields=["end_date", "end_reason"])
    return enrolment


@transaction.atomic
def switch_scheme(*, person: Person, category: str, district: str, on: dt.date, **kwargs) -> Enrolment:
    """险种转换 (杭州 art. 73): end the current enrolment the day before and enrol in the new one.

    What the person already paid is not refunded; benefits across the switch follow
    art. 73(1)(2)(3), as `benefit_status` derives them.
    """
    current = person.enrolments.select_for_update().filter(start_date__lt=on).order_by("-start_date").first()
    if current is None or (current.end_date and current.end_date < on - dt.timedelta(days=1)):
        _refuse(
            "category",
            f"当前没有可转换的参保登记（{region_of(person.region).article('enrollment.single_scheme')}）",
        )
    if _scheme_of(category) == current.scheme:
        _refuse(
            "category",
            f"新旧险种相同（{current.get_scheme_display()}），无需办理险种转换"
            f"（{region_of(person.region).article('enrollment.single_scheme')}）",
        )
    end_enrolment(enrolment=current, end_date=on - dt.timedelta(days=1), reason=Enrolment.EndReason.SWITCH)
    return enrol(person=person, category=category, district=district, start_date=on, **kwargs)


@transaction.atomic
def record_transfer_in(
    *,
    person: Person,
    other_place: str,
    transferred_on: dt.date,
    from_scheme: str = Scheme.EMPLOYEE,
    continuous_months_before: int = 0,
    transferred_months: int = 0,
    organisational_transfer: bool = False,
    note: str = "",
) -> Transfer:
    """转入 (杭州 art. 76(1)): who may bring contribution years from elsewhere."""
    age = dates.age_on(person.birth_date, transferred_on)
    allowed = (
        person.hukou_local
        or organisational_transfer
        or (person.sex == Person.Sex.MALE and age < 50)
        or (person.sex == Person.Sex.FEMALE and age < 40)
    )
    region = region_of(person.region)
    if not allowed and region.has("enrollment.transfer_in_nonlocal"):
        local = _local_actual_months(person)
        if local < 120:
            _refuse(
                "person",
                "非本市户籍人员转入须男性不满50周岁、女性不满40周岁，或本市实际缴费年限累计满10年，"
                f"或经组织部门批准调动（{region.article('enrollment.transfer_in_nonlocal')}）",
            )
    transfer = Transfer(
        person=person,
        direction=Transfer.Direction.IN,
        other_place=other_place,
        transferred_on=transferred_on,
        from_scheme=from_scheme,
        continuous_months_before=continuous_months_before,
        transferred_months=transferred_months,
        transferred_until=transferred_on,
        organisational_transfer=organisational_transfer,
        note=note,
    )
    transfer.full_clean()
    transfer.save()
    return transfer


@transaction.atomic
def record_transfer_out(
    *, person: Person, other_place: str, transferred_on: dt.date, note: str = ""
) -> Transfer:
    """转出 (杭州 art. 76(3)(4)): retirees are not transferred; arrears must be paid first."""
    region = region_of(person.region)
    current = person.enrolments.select_for_update().filter(end_date__isnull=True).first()
    if current and current.category == Category.RETIRED:
        _refuse(
            "person",
            f"已享受职工医保退休待遇的人员，医保关系不予转移（{region.article('enrollment.transfer_retiree')}）",
        )
    if current and current.scheme == Scheme.EMPLOYEE and region.has("enrollment.transfer_arrears"):
        owed = paid_months.arrears_months(current, until=transferred_on)
        if owed:
            _refuse(
                "person",
                f"转移前欠缴职工医保费 {len(owed)} 个月，补缴后方可办理转移（{region.article('enrollment.transfer_arrears')}）",
            )
    if current:
        end_enrolment(enrolment=current, end_date=transferred_on, reason=Enrolment.EndReason.TRANSFER_OUT)
    transfer = Transfer.objects.create(
        person=person,
        direction=Transfer.Direction.OUT,
        other_place=other_place,
        transferred_on=transferred_on,
        note=note,
    )
    return transfer


@transaction.atomic
def record_certificate(
    *,
    person: Person,
    kind: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    registered_on: dt.date | None = None,
    source: str = Certificate.Source.COUNTER,
    number: str = "",
    external_id: str | None = None,
) -> Certificate:
    """持证登记 (杭州 art. 13(5), 15, 52): benefits count from the registration day."""
    certificate = Certificate(
        person=person,
        kind=kind,
        number=number,
        valid_from=valid_from,
        valid_to=valid_to,
        registered_on=registered_on or timezone.localdate(),
        source=source,
        external_id=external_id or None,
    )
    if valid_to and valid_to < valid_from:
        _refuse("valid_to", "有效期止不能早于有效期起")
    certificate.full_clean()
    certificate.save()
    return certificate


@transaction.atomic
def record_gp_contract(
    *, person: Person, centre_code: str, valid_from: dt.date, valid_to=None, centre_name=""
) -> GpContract:
    if valid_to and valid_to < valid_from:
        _refuse("valid_to", "签约止日期不能早于签约起日期")
    overlapping = person.gp_contracts.filter(valid_from__lte=valid_to or dt.date.max).exclude(
        valid_to__lt=valid_from
    )
    if overlapping.exists():
        _refuse(
            "valid_from",
            f"同一时期只能签约一家社区卫生服务机构（{region_of(person.region).article('enrollment.gp_contract')}）",
        )
    contract = GpContract(
        person=person,
        centre_code=centre_code,
        centre_name=centre_name,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def record_filing(*, person: Person, kind: str, valid_from: dt.date, valid_to=None, **extra) -> Filing:
    if valid_to and valid_to < valid_from:
        _refuse("valid_to", "备案终止日期不能早于生效日期")
    filing = Filing(person=person, kind=kind, valid_from=valid_from, valid_to=valid_to, **extra)
    filing.full_clean()
    filing.save()
    return filing


# What a certificate record may name (anything else is refused, issue 11)
CERTIFICATE_INTAKE_FIELDS = frozenset(
    {"id", "id_number", "kind", "number", "valid_from", "valid_to", "registered_on"}
)


def intake_certificate(record: dict, *, source: str) -> tuple[Certificate, bool]:
    """One certificate from civil affairs or the disability federation, idempotent on its record id."""
    from core.intake import date_from, field_error, refuse_unknown, text_from

    from .selectors import person_from

    refuse_unknown(record, CERTIFICATE_INTAKE_FIELDS)
    record_id = str(record["id"]).strip()
    existing = Certificate.objects.filter(external_id=record_id).first()
    person = person_from(record)
    if existing:
        if existing.person_id != person.pk:
            raise field_error("id", f"记录号 {record_id} 已用于另一参保人的证件")
        return existing, False
    kind = str(record.get("kind") or "")
    if kind not in CERTIFICATE_KINDS:
        raise field_error("kind", f"证件种类应为 {', '.join(CERTIFICATE_KINDS)} 之一，收到 {kind!r}")
    certificate = record_certificate(
        person=person,
        kind=kind,
        number=text_from(record, "number", max_length=Certificate._meta.get_field("number").max_length),
        valid_from=date_from(record, "valid_from"),
        valid_to=date_from(record, "valid_to", required=False),
        registered_on=date_from(record, "registered_on", required=False),
        source=source,
        external_id=record_id,
    )
    return certificate, True


def intake_certificates(records, *, source: str = Certificate.Source.CIVIL_AFFAIRS):
    """Bulk certificates (杭州 art. 13(5), 15, 52): all or nothing, idempotent per record id."""
    from core.intake import run_intake

    return run_intake(records, lambda record: intake_certificate(record, source=source))


@transaction.atomic
def record_family_relation(
    *,
    person: Person,
    relative: Person,
    kind: str,
    source: str,
    verified_by,
    verified_on: dt.date | None = None,
    document_number: str = "",
) -> FamilyRelation:
    """A clerk records a close relation after checking the household register or a certificate.

    `kind` is what `relative` is to `person`. One record per pair, whichever way round it was
    entered: a second one is refused, naming the first.
    """
    if person.pk == relative.pk:
        _refuse("relative", "近亲属不能是本人")
    if kind not in FamilyRelation.Kind.values:
        _refuse("kind", "近亲属限配偶、子女和父母")
    if source not in FamilyRelation.Source.values:
        _refuse("source", "请选择关系依据")
    if verified_by is None or not getattr(verified_by, "is_authenticated", False):
        _refuse("verified_by", "家庭关系须由经办人核验后登记")
    Person.objects.select_for_update().filter(pk__in=sorted((person.pk, relative.pk))).order_by("pk").first()
    existing = FamilyRelation.objects.filter(
        models.Q(person=person, relative=relative) | models.Q(person=relative, relative=person)
    ).first()
    if existing is not None:
        _refuse("relative", f"已登记两人的家庭关系：{existing.get_kind_display()}（{existing.verified_on}）")
    return FamilyRelation.objects.create(
        person=person,
        relative=relative,
        kind=kind,
        source=source,
        document_number=document_number,
        verified_by=verified_by,
        verified_on=verified_on or timezone.localdate(),
    )
