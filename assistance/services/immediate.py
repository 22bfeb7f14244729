"""Immediate assistance (即时救助, 杭州 art. 50(1); 舟山 art. 42) into the assistance fund's book.

The settlement engine computes immediate assistance inside the settlement, as before. The book
gets it from an idempotent posting job (`post_immediate`, Celery task
`assistance.tasks.post_immediate_assistance`, also a button in the admin), not from a hook the
settlement calls:

- The settlement is the hot path (bench/settlement.py: six round trips, pipelined writes). A
  hook, even after commit, adds a transaction and round trips to every settlement that carries
  assistance, and an on-commit hook is lost when the process dies between the commit and the hook:
  the book would then silently miss a payment.
- The job reads settlements through `claims.selectors` (claims knows nothing of assistance), in
  id order from a little before the highest id already posted, skips what is posted (one posting
  per settlement row, unique), and is safe to run any time, any number of times, concurrently
  (`ignore_conflicts` on the unique source). A reversal is a settlement row with the negative
  assistance: it posts the money back to the fund.
- `selectors.book_balance` proves the book against the settlements at any time; the report page
  runs the job before it reads.
"""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from claims import selectors as claims_selectors
from enrollment import selectors as enrollment_selectors
from policy import assistance as rules
from policy.regions import region_of

from ..models import AssistancePosting, Channel

# settlement ids are drawn before commit: a row may commit after a higher one; look back this far
LOOK_BACK = 10_000


def post_immediate(*, batch: int = 1000) -> int:
    """Post every settlement row's assistance not posted yet; returns how many postings were written."""
    posted = AssistancePosting.objects.filter(source_kind=AssistancePosting.SourceKind.SETTLEMENT)
    high = posted.aggregate(high=Max("settlement_id"))["high"] or 0
    start = max(0, high - LOOK_BACK)
    written = 0
    while True:
        rows = list(claims_selectors.settlements_with_assistance(from_id=start, limit=batch))
        if not rows:
            return written
        known = set(
            posted.filter(settlement_id__in=[r.pk for r in rows]).values_list("settlement_id", flat=True)
        )
        new = [_posting(row) for row in rows if row.pk not in known]
        if new:
            AssistancePosting.objects.bulk_create(new, ignore_conflicts=True)
            written += len(new)
        start = rows[-1].pk + 1


def _posting(settlement) -> AssistancePosting:
    person = settlement.person
    on = settlement.bill_date
    recipient = enrollment_selectors.recipient_on(person, on)
    enrolment = enrollment_selectors.enrolment_on(person, on)
    district = enrolment.district if enrolment else (person.hukou_district or "-")
    reversal = settlement.kind == "reversal"
    text = f"{'冲正退回' if reversal else '即时救助'} 结算单 {settlement.bill_number}（{on}）"
    created = timezone.localdate(settlement.created) if settlement.created else on
    return AssistancePosting(
        fund="assistance",
        channel=Channel.IMMEDIATE,
        person=person,
        region=settlement.region,
        year_key=settlement.year_key,
        certificate_kind=recipient.kind if recipient else "",
        outpatient=settlement.bill_kind not in rules.INPATIENT_KINDS,
        district=district,
        posted_on=created,
        amount=-settlement.assistance_paid,
        source_kind=AssistancePosting.SourceKind.SETTLEMENT,
        source_id=str(settlement.pk),
        settlement=settlement,
        article=region_of(settlement.region).article("assistance.immediate"),
        text=text[:200],
    )
