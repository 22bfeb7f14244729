"""Who may enrol in what: 杭州 art. 11, 12, 20, 21, 30, 73 (舟山 art. 8, 12, 26, 62).

A refusal is an `EnrolmentError` naming the field and the article; nothing is written.
"""

from __future__ import annotations

import datetime as dt

from core import dates
from policy.parameters import ParameterError
from policy.regions import region_of

from .. import paid_months
from ..models import EMPLOYEE_CATEGORIES, RESIDENT_CATEGORIES, Category, Employer, Person, Scheme
from .errors import _refuse

ADULT_TIERS = {Category.ADULT_TIER1, Category.ADULT_TIER2, Category.ADULT_TIER3}
# 杭州 art. 31: tier 3 only in 桐庐县、淳安县、建德市 (with local approval); the urban districts choose 1 or 2.
TIER3_DISTRICTS = {"桐庐县", "淳安县", "建德市"}


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
