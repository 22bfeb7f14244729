"""Who is insured and how (杭州 ch.2–3, 8; 舟山 likewise).

Facts only: persons, employers, enrolments, certificates, GP contracts, filings,
suspensions, transfers. Whether a person may be settled on a date is never stored:
`enrollment.selectors.benefit_status` derives it from these records.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.identity import (
    birth_date_from_id,
    mask_id_number,
    normalise_id_number,
    sex_from_id,
    validate_credit_code,
    validate_resident_id,
)
from policy import regions
from policy.regions import region_choices, region_of


def default_region() -> str:
    """The deployment's region (a field default the migrations name here)."""
    return regions.default_region()


# The regions found from policy/parameters/ (one member per region file, named by its code in
# capitals); the same values and labels the migrations recorded.
Region = models.TextChoices("Region", [(code.upper(), (code, name)) for code, name in region_choices()])


class Employer(models.Model):
    """用人单位 (杭州 art. 11(1))."""

    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    district = models.CharField(_("所属辖区"), max_length=40)
    region = models.CharField(_("统筹地区"), max_length=16, choices=Region.choices, default=default_region)
    joined_on = models.DateField(
        _("纳入职工医保参保范围日期"),
        null=True,
        blank=True,
        help_text=_("以单位职工身份补缴的，补缴起始时间不得早于此日期"),
    )
    created = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("用人单位")
        verbose_name_plural = _("用人单位")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}（{self.credit_code}）"

    def clean(self):
        try:
            self.credit_code = validate_credit_code(self.credit_code)
        except ValidationError as error:
            raise ValidationError({"credit_code": error.messages})


class Person(models.Model):
    """参保人. Resident ID validated (GB 11643); foreigners and HK/Macao/Taiwan residents by permit (杭州 art. 105)."""

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("居民身份证")
        FOREIGN_PERMIT = "foreign_permit", _("外国人永久居留身份证/居留证件")
        HMT_PERMIT = "hmt_permit", _("港澳台居民居住证/通行证")

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    name = models.CharField(_("姓名"), max_length=100)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = models.CharField(_("证件号码"), max_length=32, unique=True)
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    hukou_local = models.BooleanField(_("本市户籍"), default=True)
    hukou_district = models.CharField(_("户籍所属辖区"), max_length=40, blank=True)
    residence_district = models.CharField(_("居住辖区"), max_length=40, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("联系地址"), max_length=200, blank=True)
    region = models.CharField(_("统筹地区"), max_length=16, choices=Region.choices, default=default_region)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name=_("门户登录账号"),
    )
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    created = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["user"])

    class Meta:
        verbose_name = _("参保人")
        verbose_name_plural = _("参保人")
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}（{self.masked_id_number}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def clean_fields(self, exclude=None):
        """Birth date and sex come from a valid resident ID; when absent, `clean` says why (art. 105)."""
        self.id_number = normalise_id_number(self.id_number)
        if self.id_type == self.IdType.RESIDENT_ID:
            try:
                number = validate_resident_id(self.id_number)
            except ValidationError:
                pass
            else:
                self.birth_date, self.sex = birth_date_from_id(number), sex_from_id(number)
        exclude = set(exclude or ())
        if self.birth_date is None:
            exclude.add("birth_date")
        if not self.sex:
            exclude.add("sex")
        super().clean_fields(exclude=exclude)

    def clean(self):
        """Resident IDs are checked and give birth date and sex; permits need both entered (杭州 art. 105)."""
        errors = {}
        self.id_number = normalise_id_number(self.id_number)
        if self.id_type == self.IdType.RESIDENT_ID:
            try:
                self.id_number = validate_resident_id(self.id_number)
            except ValidationError as error:
                errors["id_number"] = error.messages
            else:
                self.birth_date = birth_date_from_id(self.id_number)
                self.sex = sex_from_id(self.id_number)
        else:
            article = region_of(self.region or default_region()).article("enrollment.identity")
            if not self.id_number:
                errors["id_number"] = [f"请填写证件号码（{article}）。"]
            if not self.birth_date:
                errors["birth_date"] = [f"非居民身份证参保须录入出生日期（{article}）。"]
            if not self.sex:
                errors["sex"] = [f"非居民身份证参保须录入性别（{article}）。"]
        if self.hukou_local and not self.hukou_district:
            errors["hukou_district"] = [_("本市户籍人员须填写户籍所属辖区。")]
        if errors:
            raise ValidationError(errors)


class Scheme(models.TextChoices):
    EMPLOYEE = "employee", _("职工医保")
    RESIDENT = "resident", _("城乡居民医保")


class Category(models.TextChoices):
    # 职工医保 (杭州 art. 11, 12, 20)
    ACTIVE = "active", _("在职职工")
    FLEXIBLE = "flexible", _("灵活就业人员")
    UNEMPLOYED = "unemployed", _("领取失业保险金人员")
    AGREEMENT = "agreement", _("协缴人员")
    RETIRED = "retired", _("退休人员")
    # 城乡居民医保 (杭州 art. 30)
    CHILD = "child", _("少年儿童")
    STUDENT = "student", _("大学生")
    ADULT_TIER1 = "adult_tier1", _("其他城乡居民（一档）")
    ADULT_TIER2 = "adult_tier2", _("其他城乡居民（二档）")
    ADULT_TIER3 = "adult_tier3", _("其他城乡居民（三档）")


EMPLOYEE_CATEGORIES = {
    Category.ACTIVE,
    Category.FLEXIBLE,
    Category.UNEMPLOYED,
    Category.AGREEMENT,
    Category.RETIRED,
}
RESIDENT_CATEGORIES = {
    Category.CHILD,
    Category.STUDENT,
    Category.ADULT_TIER1,
    Category.ADULT_TIER2,
    Category.ADULT_TIER3,
}


class Enrolment(models.Model):
    """One basic scheme at a time per person (杭州 art. 73). Open-ended while `end_date` is empty.

    `first_paid_on` is written by the contributions service when the first payment for this
    enrolment is recorded; benefits start the month after enrolment and payment (杭州 art. 15, 34).
    """

    class EndReason(models.TextChoices):
        SWITCH = "switch", _("转换险种")
        TRANSFER_OUT = "transfer_out", _("转出本统筹区")
        STOPPED = "stopped", _("停止参保")
        DEATH = "death", _("死亡")
        YEAR_END = "year_end", _("参保年度结束")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("参保人")
    )
    region = models.CharField(_("统筹地区"), max_length=16, choices=Region.choices, default=default_region)
    scheme = models.CharField(_("险种"), max_length=16, choices=Scheme.choices)
    category = models.CharField(_("参保类别"), max_length=16, choices=Category.choices)
    district = models.CharField(_("参保辖区"), max_length=40)
    employer = models.ForeignKey(
        Employer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("用人单位"),
    )
    school = models.CharField(_("就读学校"), max_length=200, blank=True)
    school_level = models.CharField(
        _("学校类别"),
        max_length=20,
        blank=True,
        choices=[("primary_secondary", _("中小学校（含幼托）")), ("higher", _("高等院校/科研院所"))],
    )
    start_date = models.DateField(_("参保开始日期"))
    end_date = models.DateField(_("参保终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=16, choices=EndReason.choices, blank=True)
    first_paid_on = models.DateField(_("首次缴费到账日期"), null=True, blank=True, editable=False)
    eligible_since = models.DateField(
        _("符合参保条件日期"),
        null=True,
        blank=True,
        help_text=_("超过3个月才办理参保缴费的，视为中断参保（条款依参保人所属统筹地区的医保办法）"),
    )
    parent = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="child_enrolments",
        verbose_name=_("父母一方"),
        help_text=_("非本市户籍少年儿童须父母一方参加本市职工医保（条款依参保人所属统筹地区的医保办法）"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参保登记")
        verbose_name_plural = _("参保登记")
        ordering = ["person_id", "start_date"]
        indexes = [models.Index(fields=["person", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="enrolment_end_after_start",
            )
        ]

    def __str__(self):
        return gettext("%(person)s %(scheme)s·%(category)s %(start)s起") % {
            "person": self.person,
            "scheme": self.get_scheme_display(),
            "category": self.get_category_display(),
            "start": self.start_date,
        }

    def covers(self, on) -> bool:
        return self.start_date <= on and (self.end_date is None or on <= self.end_date)


class CertificateKind(models.TextChoices):
    """持证 kinds, highest priority first (as benefit_status reports them)."""

    EXTREME_POVERTY = "extreme_poverty", _("特困人员救助供养证")
    MINIMUM_LIVING = "minimum_living", _("最低生活保障家庭证")
    DISABILITY_LIVING = "disability_living", _("残疾人基本生活保障证")
    DISABILITY_GRADE2 = "disability_grade2", _("二级及以上残疾人证")
    LOW_INCOME_EDGE = "low_income_edge", _("最低生活保障边缘家庭证")
    # 舟山 art. 41(4): other hardship persons set by the county government; art. 42(5): mental disability
    THREE_OLD = "three_old", _("“三老”人员")
    ENTITLED_GROUP = "entitled_group", _("优抚对象")
    DOWNSIZED_WORKER = "downsized_worker", _("享受国家定期定量补助的精减职工")
    HARDSHIP_WORKER = "hardship_worker", _("特困职工")
    MENTAL_DISABILITY = "mental_disability", _("精神残疾人证")


# The certificates of the contribution subsidies and the settlement contract (policy CERTIFICATES).
CERTIFICATE_PRIORITY = [
    CertificateKind.EXTREME_POVERTY.value,
    CertificateKind.MINIMUM_LIVING.value,
    CertificateKind.DISABILITY_LIVING.value,
    CertificateKind.DISABILITY_GRADE2.value,
    CertificateKind.LOW_INCOME_EDGE.value,
]


class Certificate(models.Model):
    """A certificate from civil affairs or the disability federation (杭州 art. 13(5), 15, 32, 52).

    Benefits count from the day it is registered with the agency (`registered_on`), and only
    while it is valid.
    """

    class Source(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", _("民政部门")
        DISABILITY_FEDERATION = "disability_federation", _("残联")
        COUNTER = "counter", _("经办窗口")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("参保人")
    )
    kind = models.CharField(_("证件种类"), max_length=24, choices=CertificateKind.choices)
    number = models.CharField(_("证件编号"), max_length=64, blank=True)
    valid_from = models.DateField(_("有效期起"))
    valid_to = models.DateField(_("有效期止"), null=True, blank=True)
    registered_on = models.DateField(_("经办机构登记日期"))
    source = models.CharField(_("来源"), max_length=24, choices=Source.choices, default=Source.COUNTER)
    external_id = models.CharField(_("来源系统记录号"), max_length=64, null=True, blank=True, unique=True)
    created = models.DateTimeField(_("录入时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("持证登记")
        verbose_name_plural = _("持证登记")
        ordering = ["person_id", "valid_from"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_to or ''}"

    def counts_on(self, on) -> bool:
        return (
            self.valid_from <= on
            and self.registered_on <= on
            and (self.valid_to is None or on <= self.valid_to)
        )


class GpContract(models.Model):
    """全科医生签约 (杭州 art. 29(4)(5), 40(3))."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="gp_contracts", verbose_name=_("参保人")
    )
    centre_code = models.CharField(_("签约社区卫生服务机构编码"), max_length=32)
    centre_name = models.CharField(_("签约机构名称"), max_length=200, blank=True)
    valid_from = models.DateField(_("签约起"))
    valid_to = models.DateField(_("签约止"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("家庭医生签约")
        verbose_name_plural = _("家庭医生签约")
        ordering = ["person_id", "valid_from"]

    def __str__(self):
        return f"{self.centre_name or self.centre_code} {self.valid_from}–{self.valid_to or ''}"

    def counts_on(self, on) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class Filing(models.Model):
    """备案: long stay elsewhere, referral out of province, abroad, specified disease (杭州 art. 64–69)."""

    class Kind(models.TextChoices):
        LONG_STAY = "long_stay", _("异地长期居住")
        REFERRAL_OUT = "referral_out", _("转外就医")
        ABROAD = "abroad", _("出国（境）")
        SPECIFIED_DISEASE = "specified_disease", _("规定病种")
        # 杭州 art. 67(3): a long-stay filer back home for care records the visit (临时回辖区就医)
        TEMPORARY_RETURN = "temporary_return", _("临时回参保地就医")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="filings", verbose_name=_("参保人")
    )
    kind = models.CharField(_("备案类型"), max_length=24, choices=Kind.choices)
    valid_from = models.DateField(_("备案生效日期"))
    valid_to = models.DateField(_("备案终止日期"), null=True, blank=True)
    destination = models.CharField(_("就医地/前往地"), max_length=100, blank=True)
    disease = models.CharField(_("病种"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("就医备案")
        verbose_name_plural = _("就医备案")
        ordering = ["person_id", "valid_from"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_to or ''}"

    def counts_on(self, on) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class Suspension(models.Model):
    """An unpaid month and the suspension it causes from the next month (杭州 art. 15, 16).

    Written only by `contributions.services` (arrears check, payment intake): one row per
    enrolment and unpaid month, so a second run of the check writes nothing. A payment for
    the month sets `lifted_on` and `restored_from` (the month after payment; after an
    interruption of 3 months or more, after the waiting period).
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="suspensions", verbose_name=_("参保登记")
    )
    unpaid_month = models.DateField(_("欠缴月份"))
    suspended_from = models.DateField(_("暂停待遇起始日"))
    lifted_on = models.DateField(_("补缴到账日期"), null=True, blank=True)
    restored_from = models.DateField(_("恢复待遇日期"), null=True, blank=True)
    article = models.CharField(_("依据条款"), max_length=100)
    created = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("欠费暂停")
        verbose_name_plural = _("欠费暂停")
        ordering = ["enrolment_id", "unpaid_month"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "unpaid_month"], name="one_suspension_per_month")
        ]

    def __str__(self):
        return gettext("%(person)s %(month)s 欠缴，%(since)s起暂停") % {
            "person": self.enrolment.person,
            "month": f"{self.unpaid_month:%Y-%m}",
            "since": self.suspended_from,
        }

    def blocks(self, on) -> bool:
        return self.suspended_from <= on and (self.restored_from is None or on < self.restored_from)


class Transfer(models.Model):
    """医保关系转移接续 (杭州 art. 76–80)."""

    class Direction(models.TextChoices):
        IN = "in", _("转入")
        OUT = "out", _("转出")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("参保人")
    )
    direction = models.CharField(_("方向"), max_length=4, choices=Direction.choices)
    other_place = models.CharField(_("对方统筹地区"), max_length=100)
    transferred_on = models.DateField(_("办理日期"))
    from_scheme = models.CharField(
        _("原参保险种"),
        max_length=16,
        choices=Scheme.choices,
        default=Scheme.EMPLOYEE,
        help_text=_(
            "外地居民医保转入本市职工医保的，等待期内享受最高档居民待遇（条款依参保人所属统筹地区的医保办法）"
        ),
    )
    continuous_months_before = models.PositiveSmallIntegerField(
        _("转入前12个月连续正常参加职工医保月数"),
        default=0,
        help_text=_("不足12个月的，须在本市连续缴费满6个月后享受待遇（条款依参保人所属统筹地区的医保办法）"),
    )
    transferred_months = models.PositiveIntegerField(_("转入缴费月数"), default=0)
    transferred_until = models.DateField(_("原参保地缴费年限计至"), null=True, blank=True)
    organisational_transfer = models.BooleanField(_("组织部门批准调动"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("转移接续")
        verbose_name_plural = _("转移接续")
        ordering = ["person_id", "transferred_on"]

    def __str__(self):
        return f"{self.person} {self.get_direction_display()} {self.other_place} {self.transferred_on}"


class FamilyRelation(models.Model):
    """A close relation the agency has on record: a household register's members, or a document a clerk
    checked (marriage or birth certificate, a police station's certificate of kinship).

    Family mutual aid is granted only to a relative recorded here (or named as the parent on a
    child's enrolment): the relation the person states is not enough.
    """

    class Kind(models.TextChoices):
        # what `relative` is to `person`
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")

    class Source(models.TextChoices):
        HOUSEHOLD = "household", _("户口簿（同一户家庭成员）")
        MARRIAGE = "marriage", _("结婚证")
        BIRTH = "birth", _("出生医学证明")
        KINSHIP = "kinship", _("亲属关系证明")

    INVERSE = {Kind.SPOUSE: Kind.SPOUSE, Kind.CHILD: Kind.PARENT, Kind.PARENT: Kind.CHILD}

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="relations", verbose_name=_("参保人")
    )
    relative = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="relations_as_relative", verbose_name=_("近亲属")
    )
    kind = models.CharField(_("近亲属是参保人的"), max_length=8, choices=Kind.choices)
    source = models.CharField(_("依据"), max_length=12, choices=Source.choices)
    document_number = models.CharField(_("证件/证明编号"), max_length=60, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("核验经办人"),
    )
    verified_on = models.DateField(_("核验日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("家庭关系")
        verbose_name_plural = _("家庭关系")
        ordering = ["person_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "relative"], name="enrollment_one_relation_per_pair"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="enrollment_relation_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.person} — {self.get_kind_display()} {self.relative}"
