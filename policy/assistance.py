"""Medical assistance (杭州 chapter 5, art. 46–53; 舟山 chapter 5, art. 40–45) as pure rules.

One answer, asked by everyone: the settlement engine's immediate assistance (through
`enrollment.selectors.benefit_status`), and `assistance/` for post-hoc assistance, the
fund book, the portal and the reports.

- `recipient_on(region, certificates, on)`: is the person a recipient on `on`, of which
  certificate kind, in which ratio group, from when, under which article (杭州 art. 47, 52:
  from the day the certificate is registered with the agency; 舟山 art. 41, 44: from the
  month after recognition, i.e. after the certificate's `valid_from`).
- `posthoc_recipient_on(...)`: the same, plus 舟山 art. 42(6): a newly recognised 特困 /
  低保 / 低边 person's bills of the N months before recognition are assisted post hoc.
- `personal_burden(region, components)`: the part of a settled bill assistance works on
  (杭州 art. 49: after basic, catastrophic and the current-year account; 舟山 art. 42: after
  basic and catastrophic, the account pays after assistance).
- `assist(...)`: what assistance pays on one burden against the year's caps, with lines.

Kinds are certificate kinds (`enrollment.models.CertificateKind` values); groups are the
keys of the region's `assistance.ratio` parameter. Which kinds a region assists and in which
group is the text of its articles (杭州 art. 47, 49; 舟山 art. 41), kept as the `rule:` of its
file's `assistance.*` entries (no region is named here); every figure (ratios, caps, months)
is a dated parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from policy.explain import Line
from policy.money import CENT, ZERO
from policy.parameters import declarations

# Highest priority first: a person holding two certificates is assisted under the first.
KIND_PRIORITY = (
    "extreme_poverty",
    "minimum_living",
    "disability_living",
    "disability_grade2",
    "low_income_edge",
    "three_old",
    "entitled_group",
    "downsized_worker",
    "hardship_worker",
)
KIND_NAMES = {
    "extreme_poverty": "特困人员",
    "minimum_living": "最低生活保障家庭成员",
    "disability_living": "残疾人基本生活保障对象",
    "disability_grade2": "二级及以上残疾人",
    "low_income_edge": "最低生活保障边缘家庭成员",
    "three_old": "“三老”人员",
    "entitled_group": "优抚对象",
    "downsized_worker": "享受国家定期定量补助的精减职工",
    "hardship_worker": "特困职工",
    "mental_disability": "精神残疾人",
}
GROUP_NAMES = {
    "extreme_poverty": "特困供养人员",
    "minimum_living": "最低生活保障家庭成员",
    "low_income_edge": "最低生活保障边缘家庭成员",
    "other_hardship": "其他特殊困难人员",
    "disability_living": "残疾人基本生活保障对象",
    "disability_grade2": "二级及以上残疾人",
}
# 舟山 art. 42(5): holders of a mental-disability certificate among the recipients.
MENTAL_DISABILITY = "mental_disability"
# ICD-10 chapter V (F00–F99): mental and behavioural disorders, the 治疗精神病相关医疗费用 of 舟山 art. 42(5).
PSYCHIATRIC_DIAGNOSIS_PREFIX = "F"
FULL = Decimal("1.00")
INPATIENT_KINDS = ("inpatient", "specified_disease")

# Which certificate kinds a region assists and in which group, from when a certificate counts,
# who reaches back before recognition, who may go to the joint meeting and whether the account
# pays first are the text of its articles: the `rule:` of these keys in policy/parameters/<region>.yaml.
# groups: {kind: group}; counts_from: registration_day | month_after_recognition
RECIPIENTS = "assistance.recipients"
PRE_RECOGNITION = "assistance.pre_recognition_months"  # groups: [group, ...] (舟山 art. 42(6))
SPECIAL = "assistance.special"  # groups: [group, ...]; none: any recipient (杭州 art. 53; 舟山 art. 45)
IMMEDIATE = "assistance.immediate"  # current_funds_first: bool (杭州 art. 24, 49; 舟山 art. 21)


def _rule(region: str, key: str) -> dict:
    """The `rule:` the region's file gives `key`; {} where the file has none (a region whose
    measures name no kinds assists none). An unknown region raises `UnknownRegion`."""
    declared = declarations(region).get(key)
    return (declared.rule or {}) if declared is not None else {}


def recipient_groups(region: str) -> dict[str, str]:
    """Certificate kind → ratio group, for the kinds the region assists (杭州 art. 47, 49; 舟山 art. 41)."""
    return _rule(region, RECIPIENTS).get("groups") or {}


class AssistanceRuleError(ValueError):
    """A rule cannot be applied to its input; `field` names what is wrong."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class CertificateFact:
    """The certificate values the rule needs (enrollment's `Certificate` rows, as plain values)."""

    kind: str
    valid_from: dt.date
    valid_to: dt.date | None
    registered_on: dt.date


@dataclass(frozen=True)
class Recipient:
    """The answer: a recipient on a date, of which kind and group, since when, under which article."""

    kind: str
    group: str
    since: dt.date
    article: str
    psychiatric: bool = False
    pre_recognition: bool = False  # only through 舟山 art. 42(6): assisted post hoc, never at settlement

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def group_name(self) -> str:
        return GROUP_NAMES.get(self.group, self.group)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)


def counts_from(region: str, fact: CertificateFact) -> dt.date:
    """The first day a certificate counts for assistance (杭州 art. 52; 舟山 art. 44)."""
    if _rule(region, RECIPIENTS).get("counts_from", "registration_day") == "registration_day":
        return max(fact.valid_from, fact.registered_on)
    return _next_month(fact.valid_from)


def _valid_on(fact: CertificateFact, on: dt.date) -> bool:
    return fact.valid_to is None or on <= fact.valid_to


def _article(region: str) -> str:
    from policy.regions import article

    return article(region, "assistance.recipients")


def _psychiatric(region: str, facts: list[CertificateFact], on: dt.date) -> bool:
    """舟山 art. 42(5), where a region's file declares `assistance.psychiatric`: a mental-disability certificate
    valid on `on` (杭州 assists mental disability through its certificate kinds)."""
    if "assistance.psychiatric" not in declarations(region):
        return False
    return any(f.kind == MENTAL_DISABILITY and f.valid_from <= on and _valid_on(f, on) for f in facts)


def recipient_on(region: str, certificates: Iterable[CertificateFact], on: dt.date) -> Recipient | None:
    """Is the holder of `certificates` a recipient on `on`: the highest-priority kind that counts, or None."""
    groups = recipient_groups(region)
    facts = list(certificates)
    best = None
    for fact in facts:
        if fact.kind not in groups or not _valid_on(fact, on):
            continue
        since = counts_from(region, fact)
        if since > on:
            continue
        rank = KIND_PRIORITY.index(fact.kind)
        if best is None or rank < best[0]:
            best = (rank, fact, since)
    if best is None:
        return None
    _rank, fact, since = best
    return Recipient(
        kind=fact.kind,
        group=groups[fact.kind],
        since=since,
        article=_article(region),
        psychiatric=_psychiatric(region, facts, on),
    )


def posthoc_recipient_on(
    region: str, certificates: Iterable[CertificateFact], on: dt.date, params
) -> Recipient | None:
    """`recipient_on`, or else a newly recognised person's pre-recognition window (舟山 art. 42(6)).

    The window runs from N months (`assistance.pre_recognition_months`) before recognition
    (`valid_from`) up to the day benefits start; a missing N raises `MissingParameter`.
    """
    facts = list(certificates)
    found = recipient_on(region, facts, on)
    eligible = _rule(region, PRE_RECOGNITION).get("groups")
    if found is not None or not eligible:
        return found
    groups = recipient_groups(region)
    candidates = [
        f for f in facts if f.kind in groups and groups[f.kind] in eligible and on < counts_from(region, f)
    ]
    if not candidates:
        return None
    name = PRE_RECOGNITION
    months = int(params[name])
    best = None
    for fact in candidates:
        if _months_before(fact.valid_from, months) <= on:
            rank = KIND_PRIORITY.index(fact.kind)
            if best is None or rank < best[0]:
                best = (rank, fact)
    if best is None:
        return None
    fact = best[1]
    return Recipient(
        kind=fact.kind,
        group=groups[fact.kind],
        since=_months_before(fact.valid_from, months),
        article=params.article(name),
        psychiatric=_psychiatric(region, facts, on),
        pre_recognition=True,
    )


def special_allowed(region: str, recipient: Recipient) -> bool:
    """May this recipient's case go to the joint meeting (杭州 art. 53; 舟山 art. 45)."""
    allowed = _rule(region, SPECIAL).get("groups")
    return allowed is None or recipient.group in allowed


def group_of(region: str, kind: str) -> str:
    """The ratio group of a certificate kind in a region (舟山 art. 41(4): other hardship persons)."""
    return recipient_groups(region)[kind]


def is_psychiatric(diagnosis_codes: Iterable[str]) -> bool:
    """A bill of psychiatric treatment (舟山 art. 42(5)): a diagnosis in ICD-10 chapter V."""
    return any(
        str(code).strip().upper().startswith(PSYCHIATRIC_DIAGNOSIS_PREFIX) for code in diagnosis_codes or ()
    )


# --- the amount --------------------------------------------------------------------------


@dataclass(frozen=True)
class Components:
    """A settled bill's components (claims' `Settlement` fields) as plain values."""

    kind: str
    self_pay_first: Decimal
    eligible: Decimal
    special_drug: Decimal
    current_funds_paid: Decimal
    basic_fund_paid: Decimal
    catastrophic_paid: Decimal


def personal_burden(region: str, c: Components) -> Decimal:
    """The personal burden in assistance scope, as the engine's `_assistance` computes it (规程 §7)."""
    rest = c.self_pay_first + c.eligible + c.special_drug - c.basic_fund_paid - c.catastrophic_paid
    if _rule(region, IMMEDIATE).get("current_funds_first", True):
        rest -= c.current_funds_paid
    return rest if rest > ZERO else ZERO


@dataclass(frozen=True)
class Caps:
    """The year's caps and what immediate and post-hoc assistance already used of them.

    `outpatient_cap` (杭州 art. 49(2): 普通门诊, by certificate) and `annual_cap` (舟山 art. 42(6):
    outpatient and inpatient together) are None where the region sets none for the group.
    """

    outpatient_cap: Decimal | None = None
    outpatient_cap_article: str = ""
    annual_cap: Decimal | None = None
    annual_cap_article: str = ""
    used_total: Decimal = ZERO
    used_outpatient: Decimal = ZERO

    def room(self, outpatient: bool) -> Decimal | None:
        rooms = []
        if self.annual_cap is not None:
            rooms.append(max(ZERO, self.annual_cap - self.used_total))
        if outpatient and self.outpatient_cap is not None:
            rooms.append(max(ZERO, self.outpatient_cap - self.used_outpatient))
        return min(rooms) if rooms else None

    def after(self, amount: Decimal, outpatient: bool) -> Caps:
        return Caps(
            self.outpatient_cap,
            self.outpatient_cap_article,
            self.annual_cap,
            self.annual_cap_article,
            self.used_total + amount,
            self.used_outpatient + (amount if outpatient else ZERO),
        )


def caps_for(region: str, recipient: Recipient, params, *, used_total=ZERO, used_outpatient=ZERO) -> Caps:
    """The caps of `recipient`'s group from the region's parameters (a missing figure raises, named)."""
    outpatient_cap = annual_cap = None
    outpatient_article = annual_article = ""
    from policy.regions import region_of

    if region_of(region).has("assistance.outpatient_annual_cap"):
        name = "assistance.outpatient_annual_cap"
        caps = params[name]
        if recipient.kind in caps:
            outpatient_cap = Decimal(caps[recipient.kind]).quantize(CENT)
            outpatient_article = params.article(name)
    else:
        name = "assistance.annual_cap"
        annual_cap = Decimal(params[name]).quantize(CENT)
        annual_article = params.article(name)
    return Caps(outpatient_cap, outpatient_article, annual_cap, annual_article, used_total, used_outpatient)


def ratio_for(region: str, recipient: Recipient, bill_kind: str, params, *, psychiatric_bill: bool = False):
    """(ratio, article, text) for one bill (杭州 art. 49; 舟山 art. 42(1)–(5))."""
    if psychiatric_bill and recipient.psychiatric:
        return FULL, _psychiatric_article(region), "持精神残疾人证人员治疗精神病相关医疗费用，全额救助"
    name = "assistance.ratio"
    table = params[name]
    value = table[recipient.group]
    if isinstance(value, dict):  # 杭州: by bill kind
        value = value["inpatient" if bill_kind in INPATIENT_KINDS else "outpatient"]
    return Decimal(value), params.article(name), f"医疗救助（{recipient.kind_name}）"


def _psychiatric_article(region: str) -> str:
    from policy.regions import article

    return article(region, "assistance.psychiatric")


@dataclass(frozen=True)
class Assisted:
    amount: Decimal
    would: Decimal  # before the caps
    ratio: Decimal
    outpatient: bool
    lines: tuple[Line, ...]


def assist(
    region: str,
    recipient: Recipient,
    bill_kind: str,
    burden: Decimal,
    caps: Caps,
    params,
    *,
    already: Decimal = ZERO,
    psychiatric_bill: bool = False,
) -> Assisted:
    """What assistance pays on `burden` beyond `already`, within what is left under `caps`."""
    outpatient = bill_kind not in INPATIENT_KINDS
    ratio, article, prefix = ratio_for(
        region, recipient, bill_kind, params, psychiatric_bill=psychiatric_bill
    )
    would = (burden * ratio).quantize(CENT, ROUND_HALF_UP)
    lines = [Line(article, f"{prefix}：个人负担 {burden:.2f} × {ratio * 100:.0f}%", would)]
    if recipient.pre_recognition:
        lines.insert(
            0,
            Line(
                recipient.article, f"新认定{recipient.group_name}，认定前规定月数内的医疗费纳入救助范围", ZERO
            ),
        )
    amount = would - already
    if already:
        lines.append(Line(article, f"已享受即时救助 {already:.2f}，本次补足差额", amount))
    if amount <= ZERO:
        return Assisted(ZERO, would, ratio, outpatient, tuple(lines))
    room = caps.room(outpatient)
    if room is not None and amount > room:
        amount = room
        if caps.annual_cap is not None and caps.room(False) == room:
            lines.append(
                Line(
                    caps.annual_cap_article,
                    f"年度救助限额 {caps.annual_cap:.2f}（门诊住院共用），以余额为限",
                    room,
                )
            )
        else:
            lines.append(
                Line(
                    caps.outpatient_cap_article,
                    f"普通门诊年度救助限额 {caps.outpatient_cap:.2f}，以余额为限",
                    room,
                )
            )
    return Assisted(amount, would, ratio, outpatient, tuple(lines))
