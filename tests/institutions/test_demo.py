"""institutions.demo.load: two agreements (one suspended for outpatient), a cleared month with its PDF, a DRG year
with its settlement, flags awaiting review; a second run neither fails nor duplicates."""

import io

import pytest

from institutions.models import Agreement, Breach, Clearing, DrgYear, DrgYearLine, Flag

pytestmark = pytest.mark.django_db


def test_demo_load_twice(person_factory, clerk):
    from claims import demo as claims_demo
    from institutions import demo

    person_factory()
    claims_demo.load(io.StringIO())
    out = io.StringIO()
    demo.load(out)
    assert Agreement.objects.count() == 2, out.getvalue()
    assert Breach.objects.filter(sanction="suspend_services", services=["outpatient"]).count() == 1
    year = demo._year()
    january = Clearing.objects.filter(month__year=year, month__month=1)
    assert january.exists() and all(c.state == "approved" and c.pdf_status == "ready" for c in january)
    assert Clearing.objects.filter(month__year=year, month__month=2, state="draft").exists()
    drg_year = DrgYear.objects.get(year=year - 1)
    lines = DrgYearLine.objects.filter(drg_year=drg_year)
    assert lines.count() == 2
    assert Flag.objects.filter(state="open").count() >= 2
    # the DRG year's bills went through the settlement service (the engine's amounts, explained, with their DRG)
    from claims.models import Settlement

    drg_bills = Settlement.objects.filter(bill_number__startswith=f"DEMO-DRG-{year - 1}-")
    assert drg_bills.count() == len(demo.DRG_BILLS), out.getvalue()
    assert "not settled" not in out.getvalue()
    assert not drg_bills.filter(idempotency_key__startswith="demo-drg:").exists()
    assert sorted(drg_bills.exclude(drg_code="").values_list("drg_code", flat=True)) == sorted(
        code for *_rest, code, _days, _cost in demo.DRG_BILLS if code
    )
    assert all(bill.lines.exists() and bill.basic_fund_paid > 0 for bill in drg_bills)
    counts = (
        Agreement.objects.count(),
        Breach.objects.count(),
        Clearing.objects.count(),
        Flag.objects.count(),
    )
    demo.load(io.StringIO())
    assert (
        Agreement.objects.count(),
        Breach.objects.count(),
        Clearing.objects.count(),
        Flag.objects.count(),
    ) == counts
