"""Settlement of an enrolled person's bill on the person's stored state (杭州 ch. 4, 5, 7).

One path serves the institution's real-time settlement (API), the trial settlement on
stored state (same computation, nothing written) and the clerk's reimbursement at the
counter (事后报销, art. 65):

1. the bill is checked (institution agreement art. 88, exclusions art. 71, the
   365-day stay art. 64(6), the counter deadline art. 65);
2. the person's benefit status on the bill date is read from enrolment records
   (insured that day, waiting period, suspension, scheme, category, certificates,
   GP contract); a refusal names its reason and article and writes nothing;
3. in ONE transaction: the person's accumulators row for the settlement year is
   created if missing and locked (`select_for_update`), then the account row; the
   policy engine computes; the settlement, its lines, the account ledger entries and
   the new accumulators are written (on PostgreSQL sent as one batch, `_settle_new`).

Order of bills. The engine's accumulators are year-to-date: bills are applied in the
order they are settled. A bill dated before the latest settled bill of the year is
settled on the current state (what every bill settled so far left), not re-inserted
into the past; earlier settlements are never recomputed.

Reversal (冲正) writes a second settlement with the negative of every amount and
line, returns the account payments (`accounts.services.reverse_source`) and
subtracts the settlement's own delta from the CURRENT accumulators (see
`claims.deltas`). Later settlements of the same year are not recomputed; the next
settlement sees the restored state. A settlement is reversed at most once.

Idempotency: the key is institution code + bill number (counter: `counter:` + person
+ bill number). The same key with the same request body returns the stored first
response; another body under the same key is a conflict. The settlement's unique key
finds them when its INSERT fails, so a first settlement makes no lookup for an earlier one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts.models import Account
from accounts.services import pay_for_settlement, refund_retirement_year_deductible, reverse_source
from config.rows import (
    insert_rows,
    next_key,
    pipelined,
    queue_one_joined,
    select_one,
    update_row,
)
from enrollment.models import Filing
from enrollment.selectors import age_on, benefit_status
from policy.explain import Line
from policy.money import ZERO
from policy.parameters import ParameterError, parameters_for
from policy.settlement import Bill, PersonProfile, YearState, settle_bill, settlement_year

from .deltas import delta, remove
from .models import Accumulator, Institution, Settlement, SettlementLine, Statement

logger = logging.getLogger(__name__)

SOURCE_TYPE = "claims.settlement"
# What lets the personal account pay a bill: current funds (杭州 art. 24), historical funds (art. 25).
ACCOUNT_ARTICLE = {"hangzhou": "杭州 第二十四条、第二十五条", "zhoushan": "舟山 第二十一条"}

# 杭州 art. 71: items whose costs the funds do not pay (item number, words).
EXCLUSIONS = {
    "abroad": ("二", "在境外就医的"),
    "third_party": ("三", "应当由第三人负担的"),
    "work_injury": ("四", "应当从工伤保险基金中支付的"),
    "public_health": ("五", "应当由公共卫生负担的"),
    "violation": ("六", "其他违反基本医疗保障政策规定的"),
}

# Modes a clerk settles at the counter and the engine's `settlement` value for each.
# 杭州 art. 65 para. 2–3: a non-networked bill, a networked one that failed, and an
# emergency at a non-designated institution are settled by the local rules.
ENGINE_MODE = {
    Settlement.Mode.LOCAL: "local",
    Settlement.Mode.DIRECT_OFFSITE: "direct_offsite",
    Settlement.Mode.REIMBURSED_IN_PROVINCE: "reimbursed_in_province",
    Settlement.Mode.REIMBURSED_OUT_OF_PROVINCE: "reimbursed_out_of_province",
    Settlement.Mode.NON_DESIGNATED_IN_REFERRAL_AREA: "non_designated_in_referral_area",
    Settlement.Mode.ABROAD_TEMPORARY: "abroad_temporary",
    Settlement.Mode.EMERGENCY_NON_DESIGNATED: "local",
    Settlement.Mode.UNFILED_SELF_REFERRAL: "unfiled_self_referral",
}


class ClaimError(ValidationError):
    """A domain error: `field -> message`, plus the article and the HTTP status it maps to."""

    status = 422
    code_name = "refused"

    def __init__(self, field_name: str, message: str, article: str = "", *, reason: str = ""):
        self.field_name, self.text, self.article = field_name, str(message), article
        self.reason = reason or self.code_name
        super().__init__({field_name: [self.text + (f"（{article}）" if article else "")]})

    def as_dict(self) -> dict:
        return {
            "detail": self.text,
            "reason": self.reason,
            "article": self.article,
            "errors": {self.field_name: [self.text]},
        }


class SettlementRefused(ClaimError):
    """The bill may not be settled (not insured that day, waiting, suspended, excluded, …)."""


class NotYourInstitution(ClaimError):
    status = 403
    code_name = "institution_mismatch"


class SettlementConflict(ClaimError):
    status = 409
    code_name = "conflict"


@dataclass
class BillInput:
    """A bill as received (API) or entered (counter); amounts already parsed as Decimal."""

    bill_number: str
    kind: str
    date: dt.date | None = None
    admission_date: dt.date | None = None
    discharge_date: dt.date | None = None
    settlement: str = Settlement.Mode.LOCAL
    at_contracted_centre: bool = False
    referred_by_contracted_centre: bool = False
    out_of_scope: Decimal = ZERO
    self_pay_first: Decimal = ZERO
    eligible: Decimal = ZERO
    special_drug: Decimal = ZERO
    diagnosis_codes: list[str] = field(default_factory=list)
    exclusion: str = ""
    third_party_unpaid: bool = False
    institution_level: str = ""
    institution_name: str = ""
    # 杭州 art. 64(6): a stay of a year is settled at its 365th day (interim) and again from the day after
    interim: bool = False
    period_start: dt.date | None = None


@dataclass
class Prepared:
    """Everything the engine needs, read before the transaction's locks are taken."""

    person: object
    institution: Institution | None
    bill: BillInput
    on: dt.date
    profile: object
    engine_bill: object
    params: object
    year: object
    status: object
    extra_lines: list = field(default_factory=list)


def request_digest(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_key(*, institution: Institution | None, bill_number: str, person=None, source: str) -> str:
    if source == Settlement.Source.COUNTER:
        return f"counter:{person.pk}:{bill_number}"
    return f"{institution.code}:{bill_number}"


# --- checks ---------------------------------------------------------------------------


def bill_date(bill: BillInput) -> dt.date:
    """The date that decides eligibility and the settlement year (杭州 art. 64(6): inpatient by discharge)."""
    if bill.kind == Settlement.BillKind.INPATIENT:
        if bill.discharge_date is None:
            raise SettlementRefused(
                "discharge_date",
                _("住院费用按出院结算，须填写出院日期"),
                "杭州 第六十四条第(六)项",
                reason="missing",
            )
        if bill.date and bill.date != bill.discharge_date:
            raise SettlementRefused(
                "date", _("住院费用的结算日期应为出院日期"), "杭州 第六十四条第(六)项", reason="date_mismatch"
            )
        if bill.admission_date and bill.admission_date > bill.discharge_date:
            raise SettlementRefused("admission_date", _("入院日期晚于出院日期"), "", reason="invalid")
        return bill.discharge_date
    if bill.date is None:
        raise SettlementRefused("date", _("须填写费用日期"), "", reason="missing")
    return bill.date


def check_long_stay(bill: BillInput, params, *, person) -> list:
    """杭州 art. 64(6): a stay of a full year (365 days) is settled then, once; the stay goes on.

    A bill covers at most 365 days from its start: the admission, or `period_start`, the day
    after the stay's previous interim settlement (which must exist and not be reversed). An
    interim bill (`interim`, the patient still in hospital) closes exactly 365 days; its
    `discharge_date` is the day it is settled up to, which also gives its settlement year.
    Returns the explanation line of a segment of a long stay.
    """
    if bill.kind != Settlement.BillKind.INPATIENT:
        if bill.interim or bill.period_start:
            raise SettlementRefused(
                "interim", _("中途结算仅适用于住院费用"), "杭州 第六十四条第(六)项", reason="invalid"
            )
        return []
    article = params.article("claims.long_stay_days")
    limit = params["claims.long_stay_days"]
    if bill.period_start and (bill.admission_date is None or bill.period_start <= bill.admission_date):
        raise SettlementRefused(
            "period_start", _("本段起始日期应晚于入院日期（须同时填写入院日期）"), article, reason="invalid"
        )
    start = bill.period_start or bill.admission_date
    if start is None:
        if bill.interim:
            raise SettlementRefused("admission_date", _("中途结算须填写入院日期"), article, reason="missing")
        return []
    if start > bill.discharge_date:
        raise SettlementRefused("period_start", _("本段起始日期晚于结算截止日期"), "", reason="invalid")
    days = (bill.discharge_date - start).days
    if days > limit:
        raise SettlementRefused(
            "discharge_date",
            _(
                "本段住院 %(days)s 天，超过 %(limit)s 天：连续住院满 %(limit)s 天应中途结算一次"
                "（interim=true，截止日期为入院或本段起始后第 %(limit)s 天），其后自次日起（period_start）续算"
            )
            % {"days": days, "limit": limit},
            article,
            reason="long_stay",
        )
    if bill.interim and days != limit:
        raise SettlementRefused(
            "interim",
            _("连续住院满 %(limit)s 天方可中途结算；本段 %(days)s 天，应按出院结算")
            % {"limit": limit, "days": days},
            article,
            reason="long_stay",
        )
    if bill.period_start:
        previous = Settlement.objects.filter(
            person=person,
            kind=Settlement.Kind.SETTLEMENT,
            status=Settlement.Status.SETTLED,
            bill_kind=Settlement.BillKind.INPATIENT,
            interim=True,
            admission_date=bill.admission_date,
            discharge_date=bill.period_start - dt.timedelta(days=1),
        )
        if not previous.exists():
            raise SettlementRefused(
                "period_start",
                _("未找到本次住院（入院 %(admission)s）截至 %(day)s 的中途结算，不能自 %(start)s 续算")
                % {
                    "admission": bill.admission_date.isoformat(),
                    "day": (bill.period_start - dt.timedelta(days=1)).isoformat(),
                    "start": bill.period_start.isoformat(),
                },
                article,
                reason="long_stay",
            )
    if not (bill.interim or bill.period_start):
        return []
    words = (
        _("连续住院满 %(limit)s 天中途结算") % {"limit": limit}
        if bill.interim
        else _("连续住院中途结算后续算")
    )
    return [
        Line(
            article=article,
            text=_("%(words)s：本段 %(start)s 至 %(end)s（入院 %(admission)s）")
            % {
                "words": words,
                "start": start.isoformat(),
                "end": bill.discharge_date.isoformat(),
                "admission": bill.admission_date.isoformat(),
            },
            amount=ZERO,
        )
    ]


def check_offsite_filing(institution: Institution | None, filings, on: dt.date) -> None:
    """Direct settlement away from Hangzhou needs the filing the measures ask for.

    杭州 art. 66: while an abroad filing (出国（境）备案) runs, the person's settlement is
    suspended. Art. 69(1): in the province, temporary trips settle directly with the card;
    art. 69(2): out of the province, a temporary trip's bill is paid in full and reimbursed at
    the counter, so direct settlement there needs a long-stay (art. 67) or referral (art. 68) filing.
    """
    filings = set(filings or ())
    if Filing.Kind.ABROAD in filings:
        raise SettlementRefused(
            "filings",
            _("%(day)s 处于出国（境）备案期间，暂停医疗费结算；回国后请先撤销备案") % {"day": on.isoformat()},
            "杭州 第六十六条",
            reason="filing",
        )
    if institution is None or institution.location != Institution.Location.OUT_OF_PROVINCE:
        return
    if not filings & {Filing.Kind.LONG_STAY, Filing.Kind.REFERRAL_OUT}:
        raise SettlementRefused(
            "filings",
            _(
                "跨省异地就医直接结算须在费用日期有有效的长住外地或转外就医备案；"
                "未备案的临时外出就医费用由个人全额垫付后至医保经办机构报销（先自理20%）"
            ),
            "杭州 第六十七条、第六十八条、第六十九条第(二)项",
            reason="filing",
        )


def check_exclusion(bill: BillInput) -> list:
    """杭州 art. 71: excluded costs are refused, naming the item; third-party costs the third party does not pay are advanced."""
    if not bill.exclusion:
        return []
    if bill.exclusion not in EXCLUSIONS:
        raise SettlementRefused(
            "exclusion", _("未知的除外情形 %(code)s") % {"code": bill.exclusion}, "", reason="invalid"
        )
    item, words = EXCLUSIONS[bill.exclusion]
    article = f"杭州 第七十一条第({item})项"
    if bill.exclusion == "third_party" and bill.third_party_unpaid:
        # 杭州 art. 71 para. 2: advanced by the fund, recovered from the third party.
        return [
            Line("杭州 第七十一条第二款", _("第三人不支付或无法确定第三人，医保基金先行支付后依法追偿"), ZERO)
        ]
    raise SettlementRefused(
        "exclusion",
        _("该费用属于“%(words)s”，不纳入医保基金支付范围") % {"words": words},
        article,
        reason="excluded",
    )


# Filings a bill needs on its date: (filing kind, what it is, article).
FILINGS_NEEDED = {
    Settlement.BillKind.SPECIFIED_DISEASE: ("specified_disease", "规定病种备案", "杭州 第七十条第(三)项"),
    Settlement.Mode.ABROAD_TEMPORARY: ("abroad", "出国（境）备案", "杭州 第六十六条"),
    Settlement.Mode.NON_DESIGNATED_IN_REFERRAL_AREA: ("referral_out", "转外就医备案", "杭州 第六十八条"),
}


def check_filings(kind: str, mode: str, filings) -> None:
    for key in (kind, mode):
        needed = FILINGS_NEEDED.get(key)
        if needed and needed[0] not in (filings or ()):
            raise SettlementRefused(
                "filings",
                _("费用日期当天没有有效的%(filing)s") % {"filing": needed[1]},
                needed[2],
                reason="filing",
            )


def check_kind_at_institution(institution: Institution | None, kind: str) -> None:
    """杭州 art. 64(4): a pharmacy's bills are pharmacy bills, and only a pharmacy's are."""
    if institution is None:
        return
    is_pharmacy = institution.kind == Institution.Kind.PHARMACY
    if is_pharmacy != (kind == Settlement.BillKind.PHARMACY):
        message = (
            _("定点零售药店只能结算药店购药费用") if is_pharmacy else _("药店购药费用只能由定点零售药店结算")
        )
        raise SettlementRefused("kind", message, "杭州 第六十四条第(四)项", reason="kind")


def check_institution(institution: Institution | None, on: dt.date) -> None:
    if institution is None:
        return
    refusal = institution.settlement_refusal(on)
    if refusal:
        message, article = refusal
        raise SettlementRefused("institution", message, article, reason="institution")


def check_counter_deadline(*, year, on_claim: dt.date, params) -> None:
    """杭州 art. 65: a bill paid in full is reimbursed by the end of the next settlement year."""
    years = params["claims.reimbursement_deadline_years"]
    end = year.end
    deadline = end.replace(year=end.year + years)
    if on_claim > deadline:
        raise SettlementRefused(
            "date",
            _("事后报销应在 %(deadline)s 前申请（费用发生的下一个结算年度年底前），已逾期")
            % {"deadline": deadline.isoformat()},
            params.article("claims.reimbursement_deadline_years"),
            reason="deadline",
        )


def settlement_mode(institution: Institution | None, bill: BillInput, source: str) -> str:
    """API bills are settled as the institution is: local in the city, direct off-site elsewhere (art. 65)."""
    if source == Settlement.Source.API:
        expected = (
            Settlement.Mode.LOCAL
            if institution.location == Institution.Location.IN_CITY
            else Settlement.Mode.DIRECT_OFFSITE
        )
        if bill.settlement and bill.settlement not in (expected, Settlement.Mode.LOCAL, ""):
            raise SettlementRefused(
                "settlement",
                _("直接结算只能按 %(mode)s 结算；先行垫付的费用请至医保经办机构事后报销")
                % {"mode": Settlement.Mode(expected).label},
                "杭州 第六十五条",
                reason="mode",
            )
        return expected
    if bill.settlement not in ENGINE_MODE:
        raise SettlementRefused(
            "settlement", _("未知的结算方式 %(mode)s") % {"mode": bill.settlement}, "", reason="invalid"
        )
    return bill.settlement


# --- preparing the engine's input ---------------------------------------------------------


def prepare(
    *,
    person,
    institution: Institution | None,
    bill: BillInput,
    source: str,
    today: dt.date,
    read_account: bool = True,
) -> Prepared:
    """Read the person's status and build the engine's input; raises SettlementRefused.

    `read_account=False` leaves the historical-funds choice (art. 25) to the caller, who
    reads it from the account row it locks (`settle`): one read of the account, not two.
    """
    on = bill_date(bill)
    check_institution(institution, on)
    check_kind_at_institution(institution, bill.kind)
    extra_lines = check_exclusion(bill)
    mode = settlement_mode(institution, bill, source)

    try:
        status = benefit_status(person=person, on=on)
    except ParameterError as error:
        raise SettlementRefused("person", str(error), getattr(error, "article", ""), reason="parameter")
    if not status.eligible:
        raise SettlementRefused("person", status.reason, status.article or "", reason="not_eligible")
    if bill.kind == Settlement.BillKind.SPECIFIED_DISEASE and not bill.diagnosis_codes:
        raise SettlementRefused(
            "diagnosis_codes", _("规定病种门诊须提供诊断编码"), "杭州 第七十条第(三)项", reason="missing"
        )
    check_filings(bill.kind, mode, status.filings)
    if source == Settlement.Source.API:
        check_offsite_filing(institution, status.filings, on)

    try:
        params = parameters_for(status.region, on)
        extra_lines = extra_lines + check_long_stay(bill, params, person=person)
    except ParameterError as error:
        raise SettlementRefused("region", str(error), getattr(error, "article", ""), reason="parameter")

    level = institution.level if institution else bill.institution_level
    if not level:
        raise SettlementRefused("institution_level", _("须填写就医机构等级"), "", reason="missing")
    if institution is not None:
        if status.category == "student":
            at_centre = institution.kind == Institution.Kind.CAMPUS_CLINIC
        else:
            at_centre = (
                bool(status.contracted_gp)
                and bool(status.contracted_centre_code)
                and (institution.code == status.contracted_centre_code)
            )
    else:
        at_centre = bool(bill.at_contracted_centre) and (
            bool(status.contracted_gp) or status.category == "student"
        )
    referred = bool(bill.referred_by_contracted_centre) and bool(status.contracted_gp)

    profile = PersonProfile(
        region=status.region,
        scheme=status.scheme,
        category=status.category,
        age=age_on(person, on),
        certificate=status.certificate,
        contracted_gp=bool(status.contracted_gp),
        use_historical_funds=account_selectors.uses_historical_funds(person=person) if read_account else True,
    )
    engine_bill = Bill(
        id=bill.bill_number,
        date=on,
        kind=bill.kind,
        institution_level=level,
        at_contracted_centre=at_centre,
        referred_by_contracted_centre=referred,
        settlement=ENGINE_MODE[mode],
        out_of_scope=bill.out_of_scope,
        self_pay_first=bill.self_pay_first,
        eligible=bill.eligible,
        special_drug=bill.special_drug,
    )
    year = settlement_year(profile, on, params)
    if source == Settlement.Source.COUNTER:
        check_counter_deadline(year=year, on_claim=today, params=params)
    bill.settlement = mode
    return Prepared(person, institution, bill, on, profile, engine_bill, params, year, status, extra_lines)


def full_state(state_dict: dict | None) -> dict:
    """The engine's YearState as a dict with every key present (what `claims.deltas` needs)."""
    return YearState.from_dict(state_dict or {}).to_dict()


def compute(prepared: Prepared, state_dict: dict, balances):
    """Run the engine on a state; returns the BillResult. Engine input errors become refusals."""
    state = YearState.from_dict(state_dict) if state_dict else YearState.empty()
    try:
        return settle_bill(
            person=prepared.profile,
            bill=prepared.engine_bill,
            state=state,
            balances=balances,
            params=prepared.params,
        )
    except ParameterError as error:
        raise SettlementRefused("settlement", str(error), getattr(error, "article", ""), reason="parameter")
    except (ValueError, ValidationError) as error:
        field_name = getattr(error, "field", "bill")
        message = getattr(error, "message", None) or str(error)
        raise SettlementRefused(field_name, message, "", reason="invalid")


def jsonb_order(value):
    """Keys in PostgreSQL jsonb's order (shorter first, then bytewise), so a replayed response is byte-identical."""
    if isinstance(value, dict):
        return {
            key: jsonb_order(value[key]) for key in sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        }
    if isinstance(value, list):
        return [jsonb_order(item) for item in value]
    return value


def response_of(settlement: Settlement) -> dict:
    """What the API answers for a settlement: its recorded answer with its id (the same bytes on every replay)."""
    return jsonb_order({**settlement.response, "settlement_id": settlement.pk})


def result_body(settlement: Settlement, result_dict: dict, extra_lines: list) -> dict:
    """The response an institution gets (and gets again on a retry)."""
    lines = [line.as_dict() for line in extra_lines] + list(result_dict.get("lines", []))
    body = {
        "bill_number": settlement.bill_number,
        "institution": settlement.institution.code if settlement.institution else settlement.institution_name,
        "person": settlement.person.masked_id_number,
        "date": settlement.bill_date.isoformat(),
        "year": settlement.year_key,
        "settlement": settlement.settlement_mode,
        "status": settlement.status,
    }
    for name in Settlement.COMPONENTS:
        body[name] = f"{getattr(settlement, name):.2f}"
    body["lines"] = lines
    return body


# --- settle -------------------------------------------------------------------------------


def _existing(key: str, digest: str):
    seen = select_one(Settlement, '"idempotency_key" = %s', [key])
    if seen is None or seen.request_digest == digest:
        return seen
    raise SettlementConflict(
        "bill_number",
        _("单据号 %(number)s 已以不同内容结算（结算号 %(id)s）；如需更正请先冲正")
        % {"number": seen.bill_number, "id": seen.pk},
        "",
    )


def _lock_rows(prepared: Prepared) -> tuple[Accumulator, Account | None, object]:
    """Lock the person's year-to-date row, then the account row (杭州 art. 24, 25); draw the settlement's key.

    Usually both rows exist and one joined SELECT … FOR UPDATE locks them in that order; the
    settlement's key is drawn right after it, once the rows are held, so a person's
    settlement ids give the order their bills were applied in. Both travel in one round
    trip. Otherwise (the year's first bill, or no account) the rows are locked one after
    the other, in the same order, and the key is drawn again after them: the year's row is
    created first by INSERT … ON CONFLICT DO NOTHING (no savepoint; a concurrent first bill
    makes it a no-op and the locking read waits for that transaction), so no settlement ever
    holds the account while it waits for the year's row (a reversal takes them in the same
    order). The key is None where the database gives keys on INSERT only (SQLite).
    """
    year, person = prepared.year, prepared.person
    locked = queue_one_joined(
        (Accumulator, Account),
        '"claims_accumulator" JOIN "accounts_account" ON "accounts_account"."person_id" = '
        '"claims_accumulator"."person_id"',
        '"claims_accumulator"."person_id" = %s AND "claims_accumulator"."year_key" = %s',
        [person.pk, year.key],
        for_update=True,
    )
    settlement_key = next_key(Settlement)
    both = locked()
    if both is not None:
        return (*both, settlement_key)
    accumulator = _locked_accumulator(person.pk, year.key)
    if accumulator is None:
        Accumulator.objects.bulk_create(
            [
                Accumulator(
                    person=person,
                    year_key=year.key,
                    region=prepared.profile.region,
                    year_start=year.start,
                    year_end=year.end,
                    state={},
                )
            ],
            ignore_conflicts=True,
        )
        accumulator = _locked_accumulator(person.pk, year.key)
    return accumulator, account_selectors.account_of(person, for_update=True), next_key(Settlement)


def _locked_accumulator(person_id: int, year_key: str) -> Accumulator | None:
    return select_one(
        Accumulator, '"person_id" = %s AND "year_key" = %s', [person_id, year_key], for_update=True
    )


def settle(
    *,
    person,
    institution: Institution | None,
    bill: BillInput,
    body: dict,
    user=None,
    source: str = Settlement.Source.API,
    today: dt.date | None = None,
) -> tuple[Settlement, bool]:
    """Settle one bill; returns (settlement, created). A replay of the same key and body returns the first.

    A replay is found by the settlement's unique key when its INSERT fails (or when the bill
    is refused now, e.g. the person has left since): a first settlement, the usual case,
    spends no query on looking for an earlier one.
    """
    today = today or timezone.localdate()
    key = idempotency_key(institution=institution, bill_number=bill.bill_number, person=person, source=source)
    digest = request_digest(body)
    try:
        return _settle_new(
            person=person,
            institution=institution,
            bill=bill,
            body=body,
            user=user,
            source=source,
            today=today,
            key=key,
            digest=digest,
        ), True
    except (IntegrityError, ClaimError):
        found = _existing(key, digest)  # settled before (a retry), or by a concurrent request
        if found is None:
            raise
        return found, False


def _settle_new(*, person, institution, bill, body, user, source, today, key, digest) -> Settlement:
    prepared = prepare(
        person=person, institution=institution, bill=bill, source=source, today=today, read_account=False
    )
    # one transaction; its statements go to PostgreSQL together where no answer is awaited
    with transaction.atomic(), pipelined():
        accumulator, account, settlement_key = _lock_rows(prepared)
        balances = account_selectors.balances_of(account)
        uses_historical = account_selectors.historical_funds_pay(account)
        if uses_historical != prepared.profile.use_historical_funds:
            prepared.profile = replace(prepared.profile, use_historical_funds=uses_historical)
        result = compute(prepared, accumulator.state, balances)
        settlement = _write(
            prepared,
            accumulator,
            result,
            account=account,
            settlement_key=settlement_key,
            key=key,
            digest=digest,
            body=body,
            user=user,
            source=source,
        )
        if source == Settlement.Source.COUNTER or (account is not None and account.category == "retired"):
            # (an API bill of a person still active is of no retirement year: no query for it)
            recheck_retirement_refund(
                person=person, year_key=prepared.year.key, year_end=prepared.year.end, today=today
            )
        return settlement


def recheck_retirement_refund(*, person, year_key: str, year_end: dt.date, today: dt.date) -> None:
    """杭州 art. 29(2): a bill of a year already closed changes what the retirement year's refund should be.

    The year-end task refunds the retirement year's excess deductible; a counter
    reimbursement of that year may come until the end of the next one (art. 65), and a
    reversal may come too. Either moves the year's deductible paid, so the refund is worked
    out again and the difference posted (`accounts.services.refund_retirement_year_deductible`;
    nothing for anybody who did not retire that year). Bills of the current year need
    nothing: the year-end task sees them.
    """
    if year_end < today and year_key.isdigit():
        refund_retirement_year_deductible(person=person, year=int(year_key), on=today)


def _write(
    prepared: Prepared,
    accumulator: Accumulator,
    result,
    *,
    account,
    key,
    digest,
    body,
    user,
    source,
    settlement_key=None,
) -> Settlement:
    """Write the settlement, its lines, the account payment and the new accumulators (rows locked by `settle`)."""

    bill = prepared.bill
    result_dict = result.as_dict()
    state_before = full_state(accumulator.state)
    state_after = full_state(result.state.to_dict())
    settlement = Settlement(
        kind=Settlement.Kind.SETTLEMENT,
        status=Settlement.Status.SETTLED,
        source=source,
        idempotency_key=key,
        request_digest=digest,
        request=json.loads(json.dumps(body, default=str)),
        person=prepared.person,
        institution=prepared.institution,
        institution_name=prepared.institution.name if prepared.institution else bill.institution_name,
        bill_number=bill.bill_number,
        bill_date=prepared.on,
        admission_date=bill.admission_date,
        discharge_date=bill.discharge_date,
        interim=bill.interim,
        period_start=bill.period_start,
        bill_kind=bill.kind,
        institution_level=prepared.engine_bill.institution_level,
        settlement_mode=bill.settlement,
        at_contracted_centre=prepared.engine_bill.at_contracted_centre,
        referred_by_contracted_centre=prepared.engine_bill.referred_by_contracted_centre,
        diagnosis_codes=list(bill.diagnosis_codes),
        region=prepared.profile.region,
        year_key=prepared.year.key,
        out_of_scope=bill.out_of_scope,
        self_pay_first=bill.self_pay_first,
        eligible=bill.eligible,
        special_drug=bill.special_drug,
        state_before=state_before,
        state_delta=delta(state_before, state_after),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        **{name: getattr(result, name) for name in Settlement.COMPONENTS},
    )
    # the answer is recorded with the settlement (one INSERT); its id is added when answered
    settlement.response = jsonb_order(result_body(settlement, result_dict, prepared.extra_lines))
    # the same INSERTs as save()/bulk_create, without compiling them on every bill (config.rows)
    if settlement_key is not None:
        settlement.pk = settlement_key()
    insert_rows([settlement])  # its key: drawn under the locks (PostgreSQL) or given by this INSERT
    lines = list(prepared.extra_lines) + list(result.lines)
    insert_rows(
        [
            SettlementLine(
                settlement=settlement,
                position=index,
                article=line.article,
                text=line.text,
                amount=line.amount,
            )
            for index, line in enumerate(lines, start=1)
        ]
    )
    if result.current_funds_paid or result.historical_funds_paid:
        pay_for_settlement(
            account=account,
            on=prepared.on,
            current_funds=result.current_funds_paid,
            historical_funds=result.historical_funds_paid,
            source_type=SOURCE_TYPE,
            source_id=str(settlement.pk),
            text=_("医疗费结算 %(number)s") % {"number": bill.bill_number},
            article=ACCOUNT_ARTICLE.get(prepared.profile.region, ACCOUNT_ARTICLE["hangzhou"]),
        )
    accumulator.state = state_after
    accumulator.settlements += 1
    update_row(accumulator, ("state", "settlements", "updated"))
    _queue_statement(settlement)
    return settlement


def _queue_statement(settlement: Settlement) -> None:
    """The pending statement row is the outbox: written with the settlement, rendered after it commits.

    With a broker, `claims.tasks.queue_pending_statements` (beat, every few seconds) sends the
    render tasks: no broker round trip inside a settlement, and a broker that is down when
    the settlement commits loses nothing. The embedded deployment (Celery eager) renders on commit.
    """
    insert_rows([Statement(settlement=settlement)])
    if renders_in_process():
        settlement_id = settlement.pk
        transaction.on_commit(lambda: queue_render(settlement_id))


def renders_in_process() -> bool:
    from .tasks import render_statement

    return bool(render_statement.app.conf.task_always_eager)


def queue_render(settlement_id: int) -> None:
    """Ask for the statement PDF; a broker or render failure never reaches the settlement."""
    from .tasks import render_eagerly, render_statement

    try:
        if renders_in_process():
            render_eagerly(settlement_id)
        else:
            render_statement.delay(settlement_id)
    except Exception:  # the statement stays `pending`/`failed`; a clerk can render it again
        logger.exception("statement of settlement %s not queued", settlement_id)


def trial(*, person, institution: Institution | None, bill: BillInput, today: dt.date | None = None) -> dict:
    """The settlement the bill would get now, on the person's stored state; nothing written, nothing locked."""
    prepared = prepare(
        person=person,
        institution=institution,
        bill=bill,
        source=Settlement.Source.API,
        today=today or timezone.localdate(),
    )
    accumulator = Accumulator.objects.filter(person=person, year_key=prepared.year.key).first()
    result = compute(
        prepared, accumulator.state if accumulator else {}, account_selectors.balances(person=person)
    )
    body = result.as_dict()
    body["lines"] = [line.as_dict() for line in prepared.extra_lines] + list(body.get("lines", []))
    body.update(
        {
            "trial": True,
            "bill_number": bill.bill_number,
            "person": person.masked_id_number,
            "date": prepared.on.isoformat(),
            "year": prepared.year.key,
            "settlement": bill.settlement,
        }
    )
    return body


# --- reversal -------------------------------------------------------------------------------


def reverse(*, settlement: Settlement, user=None, today: dt.date | None = None) -> Settlement:
    """Reverse (冲正) a settlement: negative amounts and lines, accounts returned, accumulators restored."""
    today = today or timezone.localdate()
    with transaction.atomic():
        original = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if original.kind != Settlement.Kind.SETTLEMENT:
            raise SettlementConflict("settlement", _("冲正记录不能再冲正"), "")
        if original.status == Settlement.Status.REVERSED:
            raise SettlementConflict("settlement", _("该结算已冲正，不能重复冲正"), "")
        accumulator = Accumulator.objects.select_for_update().get(
            person=original.person, year_key=original.year_key
        )
        state_before = full_state(accumulator.state)
        accumulator.state = full_state(remove(state_before, original.state_delta))
        accumulator.settlements += 1
        accumulator.save(update_fields=["state", "settlements", "updated"])
        reversal = Settlement.objects.create(
            kind=Settlement.Kind.REVERSAL,
            status=Settlement.Status.REVERSAL,
            source=original.source,
            reverses=original,
            idempotency_key=f"{original.idempotency_key}:reversal",
            request_digest=original.request_digest,
            request={"reverses": original.pk},
            person=original.person,
            institution=original.institution,
            institution_name=original.institution_name,
            bill_number=original.bill_number,
            bill_date=original.bill_date,
            admission_date=original.admission_date,
            discharge_date=original.discharge_date,
            interim=original.interim,
            period_start=original.period_start,
            bill_kind=original.bill_kind,
            institution_level=original.institution_level,
            settlement_mode=original.settlement_mode,
            at_contracted_centre=original.at_contracted_centre,
            referred_by_contracted_centre=original.referred_by_contracted_centre,
            diagnosis_codes=original.diagnosis_codes,
            region=original.region,
            year_key=original.year_key,
            out_of_scope=-original.out_of_scope,
            self_pay_first=-original.self_pay_first,
            eligible=-original.eligible,
            special_drug=-original.special_drug,
            state_before=state_before,
            state_delta=delta(state_before, accumulator.state),
            created_by=user if getattr(user, "is_authenticated", False) else None,
            **{name: -getattr(original, name) for name in Settlement.COMPONENTS},
        )
        SettlementLine.objects.bulk_create(
            SettlementLine(
                settlement=reversal,
                position=line.position,
                article=line.article,
                text=_("冲正：%(text)s") % {"text": line.text},
                amount=-line.amount,
            )
            for line in original.lines.all()
        )
        if original.current_funds_paid or original.historical_funds_paid:
            reverse_source(source_type=SOURCE_TYPE, source_id=str(original.pk), on=today)
        recheck_retirement_refund(
            person=original.person, year_key=original.year_key, year_end=accumulator.year_end, today=today
        )
        original.status = Settlement.Status.REVERSED
        original.save(update_fields=["status"])
        reversal.response = jsonb_order(reversal_body(reversal))
        Settlement.objects.filter(pk=reversal.pk).update(response=reversal.response)
        _queue_statement(reversal)
    return reversal


def reversal_body(reversal: Settlement) -> dict:
    body = {
        "settlement_id": reversal.pk,
        "reverses": reversal.reverses_id,
        "bill_number": reversal.bill_number,
        "institution": reversal.institution.code if reversal.institution else reversal.institution_name,
        "person": reversal.person.masked_id_number,
        "year": reversal.year_key,
        "status": reversal.status,
    }
    for name in Settlement.COMPONENTS:
        body[name] = f"{getattr(reversal, name):.2f}"
    body["lines"] = [line_dict(line) for line in reversal.lines.all()]
    return body


def line_dict(line: SettlementLine) -> dict:
    return {"article": line.article, "text": line.text, "amount": f"{line.amount:.2f}"}
