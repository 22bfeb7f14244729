"""A payment and the rollover at the same moment on PostgreSQL leave the ledger exactly right."""

import datetime as dt
import random
import threading
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection, transaction

from accounts import services
from accounts.batch import rollover
from accounts.models import Account, LedgerEntry
from accounts.selectors import audit_balances, balances

D = Decimal
ROLLOVER_KINDS = {"interest", "carry_over", "reconciliation", "overdraft_offset"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_payments_during_rollover_postgres(make_account, monkeypatch):
    accounts = [make_account(birth_date=dt.date(1960 + i % 30, 1 + i % 12, 1)) for i in range(120)]
    for account in accounts:
        services.transfer_in(
            person=account.person, amount=D("1000.00"), on=dt.date(2024, 2, 1), other_place="苏州"
        )
    monkeypatch.setattr(rollover, "after_chunk", lambda job, hi: time.sleep(0.1))  # a long-running rollover
    paid = []
    errors = []
    stop = threading.Event()

    def payer():
        try:
            rng = random.Random(7)
            number = 0
            while not stop.is_set():
                account = rng.choice(accounts)
                number += 1
                with transaction.atomic():
                    # as a settlement does: lock, read the balances, pay what they allow
                    held = balances(person=account.person, for_update=True)
                    services.pay_for_settlement(
                        person=account.person,
                        on=dt.date(2024, 12, 31),
                        current_funds=min(D("1.23"), max(held.current_funds, D("0"))),
                        historical_funds=min(D("0.45"), held.historical_funds),
                        source_type="settlement",
                        source_id=f"C-{number}",
                        text="门诊",
                        article="杭州 第二十四条",
                    )
                    time.sleep(0.002)  # hold the row lock a moment
                paid.append(f"C-{number}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def roller():
        try:
            time.sleep(0.05)
            rollover.run_rollover(2024, chunk_size=10)
        except Exception as error:  # pragma: no cover
            errors.append(error)
        finally:
            stop.set()
            connection.close()

    threads = [threading.Thread(target=payer), threading.Thread(target=roller)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert len(paid) > 20
    # Some payments landed before their account's rollover and some after (the test did interleave).
    after = LedgerEntry.objects.filter(
        source_id__startswith="C-",
        year=2024,
        id__gt=LedgerEntry.objects.filter(kind="interest")
        .order_by("id")
        .values_list("id", flat=True)
        .first(),
    )
    assert after.exists()
    assert audit_balances() == []
    assert Account.objects.exclude(rolled_over_year=2024).count() == 0
    # Every committed payment is in the ledger, once.
    assert LedgerEntry.objects.filter(source_id__startswith="C-").values(
        "source_id"
    ).distinct().count() == len(paid)
    # Each account's interest and carry-over were computed from its balance with every payment
    # committed before its rollover (entries before the rollover's own, by id) — none lost or counted twice.
    for account in Account.objects.all():
        entries = list(account.entries.order_by("id"))
        first_rollover = min(
            e.id
            for e in entries
            if (e.kind in ROLLOVER_KINDS or (e.kind == "catastrophic_premium" and e.year == 2025))
            and e.source_type == ""
        )
        before = [e for e in entries if e.id < first_rollover]
        current = sum((e.amount for e in before if e.bucket == "current"), D("0"))
        historical = sum((e.amount for e in before if e.bucket == "historical"), D("0"))
        assert account.last_interest == ((current + historical) * D("0.0035")).quantize(
            D("0.01"), ROUND_HALF_UP
        )
        assert account.last_carry_over == max(current, D("0"))
