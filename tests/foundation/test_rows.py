"""core.rows reads what the ORM reads: same instance fields, converters applied (Decimal, JSON, dates)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from claims.models import Accumulator
from core.rows import select_all, select_one
from enrollment.models import Enrolment, Person


def _person():
    from core.identity import make_resident_id

    birth = dt.date(1990, 1, 1)
    return Person.objects.create(
        name="甲",
        id_number=make_resident_id("330106", birth, 7),
        birth_date=birth,
        sex="M",
        hukou_district="西湖区",
    )


def _fields(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


@pytest.mark.django_db
def test_select_one_matches_the_orm_including_json_and_dates():
    person = _person()
    Accumulator.objects.create(
        person=person,
        region="hangzhou",
        year_key="2024",
        year_start=dt.date(2024, 1, 1),
        year_end=dt.date(2024, 12, 31),
        state={"inpatient_deductible_paid": "800.00", "nested": {"a": [1, 2]}},
    )
    expected = Accumulator.objects.get(person=person, year_key="2024")
    found = select_one(Accumulator, '"person_id" = %s AND "year_key" = %s', [person.pk, "2024"])
    assert _fields(found) == _fields(expected)
    assert found.state == {"inpatient_deductible_paid": "800.00", "nested": {"a": [1, 2]}}
    assert isinstance(found.year_start, dt.date)
    assert found._state.adding is False  # a saved row: save() updates it
    assert select_one(Accumulator, '"person_id" = %s AND "year_key" = %s', [person.pk, "2025"]) is None
    with transaction.atomic():  # FOR UPDATE where the database has it (PostgreSQL), plain on SQLite
        assert select_one(Person, '"id" = %s', [person.pk], for_update=True).pk == person.pk


@pytest.mark.django_db
def test_select_all_orders_and_adds_extra_columns():
    person = _person()
    later = Enrolment.objects.create(
        person=person, scheme="employee", category="active", district="西湖区", start_date=dt.date(2024, 1, 1)
    )
    earlier = Enrolment.objects.create(
        person=person,
        scheme="resident",
        category="adult",
        district="西湖区",
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2023, 12, 31),
    )
    rows = select_all(
        Enrolment,
        '"person_id" = %s',
        [person.pk],
        order_by='"start_date"',
        extra=(("is_open", '"end_date" IS NULL'),),
    )
    assert [row.pk for row in rows] == [earlier.pk, later.pk]
    assert [bool(row.is_open) for row in rows] == [False, True]
    assert _fields(rows[1]) == _fields(Enrolment.objects.get(pk=later.pk))


@pytest.mark.django_db
def test_select_one_converts_decimals_like_the_orm():
    from accounts.models import Account

    person = _person()
    Account.objects.create(
        person=person, opened_on=dt.date(2024, 1, 1), birth_date=person.birth_date, current=Decimal("12.30")
    )
    found = select_one(Account, '"person_id" = %s', [person.pk])
    assert found.current == Decimal("12.30") and isinstance(found.current, Decimal)
    assert _fields(found) == _fields(Account.objects.get(person=person))


@pytest.mark.django_db
def test_insert_rows_and_update_row_write_what_save_writes():
    from django.utils import timezone

    from core.rows import insert_rows, update_row

    person = _person()
    before = timezone.now()
    rows = insert_rows(
        [
            Accumulator(
                person=person,
                region="hangzhou",
                year_key=key,
                year_start=dt.date(2024, 1, 1),
                year_end=dt.date(2024, 12, 31),
                state={"basic_fund_paid": "12.34"},
            )
            for key in ("2024", "2025")
        ]
    )
    assert [row.pk for row in rows] == list(
        Accumulator.objects.filter(person=person).order_by("pk").values_list("pk", flat=True)
    )
    stored = Accumulator.objects.get(pk=rows[0].pk)
    assert stored.state == {"basic_fund_paid": "12.34"} and stored.updated >= before  # auto_now set
    assert rows[0]._state.adding is False
    rows[0].state = {"basic_fund_paid": "99.99"}
    rows[0].settlements = 3
    update_row(rows[0], ("state", "settlements", "updated"))
    stored = Accumulator.objects.get(pk=rows[0].pk)
    assert (stored.state, stored.settlements) == ({"basic_fund_paid": "99.99"}, 3)
    assert Accumulator.objects.get(pk=rows[1].pk).settlements == 0  # only that row
    assert insert_rows([]) == []


@pytest.mark.django_db
def test_add_to_row_adds_in_sql():
    from accounts.models import Account
    from core.rows import add_to_row

    person = _person()
    account = Account.objects.create(
        person=person, opened_on=dt.date(2024, 1, 1), birth_date=person.birth_date, current=Decimal("12.30")
    )
    add_to_row(Account, account.pk, current=Decimal("-2.30"), historical=Decimal("5.01"))
    account.refresh_from_db()
    assert (account.current, account.historical) == (Decimal("10.00"), Decimal("5.01"))


@pytest.mark.django_db
def test_reads_queued_together_are_answered_in_order():
    from core.rows import queue_all, queue_one, together

    person = _person()
    with together():
        found = queue_one(Person, '"id" = %s', [person.pk])
        missing = queue_one(Person, '"id" = %s', [person.pk + 1000])
        everyone = queue_all(Person, '"id" >= %s', [0], order_by='"id"')
    assert _fields(found()) == _fields(Person.objects.get(pk=person.pk))
    assert missing() is None
    assert [p.pk for p in everyone()] == [person.pk]


@pytest.mark.postgres
@pytest.mark.django_db
def test_reads_queued_together_take_one_round_trip():
    """Three reads, one answer: the server sees them back to back, the client waits once."""
    from django.db import connection

    from core.rows import queue_one, together

    person = _person()
    connection.ensure_connection()
    waits = []
    original = connection.connection.wait

    def counting_wait(generator, *args, **kwargs):
        waits.append(1)
        return original(generator, *args, **kwargs)

    connection.connection.wait = counting_wait
    try:
        with together():
            answers = [queue_one(Person, '"id" = %s', [person.pk]) for _ in range(3)]
        sent = len(waits)
        assert [answer().pk for answer in answers] == [person.pk] * 3
        assert len(waits) == sent  # the answers were already there
    finally:
        del connection.connection.wait


def _try_lock_elsewhere(model, pk) -> str:
    """From another connection: lock the row without waiting; 'locked' if someone holds it."""
    import threading

    from django.db import OperationalError, connections

    outcome = []

    def attempt():
        try:
            with transaction.atomic():
                list(model.objects.select_for_update(nowait=True).filter(pk=pk))
            outcome.append("free")
        except OperationalError:
            outcome.append("locked")
        finally:
            connections.close_all()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return outcome[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_select_one_joined_for_update_locks_every_joined_row():
    from accounts.models import Account
    from core.rows import select_one_joined

    person = _person()
    account = Account.objects.create(
        person=person, opened_on=dt.date(2024, 1, 1), birth_date=person.birth_date
    )
    with transaction.atomic():
        found_person, found_account = select_one_joined(
            (Person, Account),
            '"enrollment_person" JOIN "accounts_account" ON "accounts_account"."person_id" = "enrollment_person"."id"',
            '"enrollment_person"."id" = %s',
            [person.pk],
            for_update=True,
        )
        assert (found_person.pk, found_account.pk) == (person.pk, account.pk)
        assert _try_lock_elsewhere(Person, person.pk) == "locked"
        assert _try_lock_elsewhere(Account, account.pk) == "locked"
    assert _try_lock_elsewhere(Account, account.pk) == "free"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pipelined_writes_are_sent_at_flush_and_fail_as_django_errors():
    """PostgreSQL pipeline: keys arrive at flush(); a queued statement's error is an IntegrityError, nothing stays."""
    from django.db import IntegrityError

    from core.rows import flush, insert_rows, pipelined

    person = _person()

    def accumulator(key):
        return Accumulator(
            person=person,
            region="hangzhou",
            year_key=key,
            year_start=dt.date(2024, 1, 1),
            year_end=dt.date(2024, 12, 31),
            state={},
        )

    with transaction.atomic(), pipelined():
        first = insert_rows([accumulator("2024")])[0]
        assert first.pk is None  # queued, not answered yet
        flush()
        assert first.pk is not None
        second = insert_rows([accumulator("2025")])[0]
    assert second.pk is not None  # the block's end answered it
    assert Accumulator.objects.filter(person=person).count() == 2

    with pytest.raises(IntegrityError):
        with transaction.atomic(), pipelined():
            insert_rows([accumulator("2026")])
            insert_rows([accumulator("2024")])  # (person, year) is unique
    assert sorted(Accumulator.objects.filter(person=person).values_list("year_key", flat=True)) == [
        "2024",
        "2025",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_next_key_is_drawn_with_the_next_read_and_written_by_insert_rows():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.rows import insert_rows, next_key, pipelined

    person = _person()
    with transaction.atomic(), pipelined():
        key = next_key(Accumulator)
        assert select_one(Person, '"id" = %s', [person.pk]).pk == person.pk  # answers the draw too
        with CaptureQueriesContext(connection) as captured:
            drawn = key()
        assert captured.captured_queries == []  # no statement of its own
        row = Accumulator(
            person=person,
            region="hangzhou",
            year_key="2024",
            year_start=dt.date(2024, 1, 1),
            year_end=dt.date(2024, 12, 31),
            state={},
        )
        row.pk = drawn
        insert_rows([row])
    assert Accumulator.objects.get(person=person).pk == drawn
    assert row._state.adding is False
    following = next_key(Accumulator)()
    assert following > drawn
    created = Accumulator.objects.create(
        person=person,
        region="hangzhou",
        year_key="2025",
        year_start=dt.date(2025, 1, 1),
        year_end=dt.date(2025, 12, 31),
    )
    assert created.pk > following  # the sequence the ORM uses is the one drawn from


def test_next_key_is_none_without_sequences(settings):
    from django.db import connection

    from core.rows import next_key

    if connection.vendor == "postgresql":
        pytest.skip("SQLite gives keys on INSERT only")
    assert next_key(Accumulator) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orm_writes_inside_a_pipeline_block_fail_loudly():
    """Pipeline mode reports no row counts: save()/update()/delete() there would misbehave, so they are refused."""
    from core.rows import PipelineMisuse, add_to_row, insert_rows, pipelined, together, update_row

    person = _person()
    row = Accumulator.objects.create(
        person=person,
        region="hangzhou",
        year_key="2024",
        year_start=dt.date(2024, 1, 1),
        year_end=dt.date(2024, 12, 31),
        state={},
    )
    writes = {
        "save() of an existing row": lambda: row.save(),
        "save() of a new row": lambda: Person(name="乙", id_number="X1", hukou_district="西湖区").save(),
        "QuerySet.update()": lambda: Accumulator.objects.filter(pk=row.pk).update(settlements=5),
        "QuerySet.delete()": lambda: Accumulator.objects.filter(pk=-1).delete(),
        "create()": lambda: Accumulator.objects.create(
            person=person,
            region="hangzhou",
            year_key="2030",
            year_start=dt.date(2030, 1, 1),
            year_end=dt.date(2030, 12, 31),
        ),
    }
    for block in (pipelined, together):
        for name, write in writes.items():
            with pytest.raises(PipelineMisuse, match="insert_rows"), transaction.atomic(), block():
                write()
            assert Accumulator.objects.get(pk=row.pk).settlements == 0, name

    # the block's own writes and reads still work there, and the guard ends with the block
    with transaction.atomic(), pipelined():
        assert select_one(Accumulator, '"id" = %s', [row.pk]).pk == row.pk
        row.settlements = 2
        update_row(row, ("settlements",))
        add_to_row(Accumulator, row.pk, settlements=1)
        insert_rows(
            [
                Accumulator(
                    person=person,
                    region="hangzhou",
                    year_key="2025",
                    year_start=dt.date(2025, 1, 1),
                    year_end=dt.date(2025, 12, 31),
                    state={},
                )
            ]
        )
    assert Accumulator.objects.get(pk=row.pk).settlements == 3
    assert Accumulator.objects.filter(pk=row.pk).update(settlements=4) == 1


def test_table_and_column_names_come_from_meta():
    from accounts.models import Account
    from core.rows import column, join, table, where

    assert table(Accumulator) == f'"{Accumulator._meta.db_table}"'
    assert column(Accumulator, "person") == f'"{Accumulator._meta.db_table}"."person_id"'
    assert where(Accumulator, "person", "year_key") == (
        f"{column(Accumulator, 'person')} = %s AND {column(Accumulator, 'year_key')} = %s"
    )
    assert join(Accumulator, Account, "person") == (
        f"{table(Accumulator)} JOIN {table(Account)} ON {column(Account, 'person')} = {column(Accumulator, 'person')}"
    )
