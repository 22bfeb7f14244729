"""Parameter overrides (政策参数调整): validated, win from their date, recorded with history, cached."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from policy.models import ParameterOverride, override_provider
from policy.parameters import MissingParameter, parameters_for, set_override_provider


@pytest.fixture(autouse=True)
def provider():
    """The app registers this provider in ready(); make sure no earlier test left another one."""
    set_override_provider(override_provider)
    yield


def make(**fields):
    defaults = {
        "region": "hangzhou",
        "name": "provincial_average_monthly_wage",
        "effective_from": dt.date(2025, 1, 1),
        "value": "7000",
        "note": "测试用数",
    }
    return ParameterOverride.objects.create(**{**defaults, **fields})


@pytest.mark.django_db
def test_override_wins_from_its_date_on_and_not_before():
    make(value="7100.50")
    with pytest.raises(MissingParameter):
        parameters_for("hangzhou", dt.date(2024, 12, 31))["provincial_average_monthly_wage"]
    assert parameters_for("hangzhou", dt.date(2025, 1, 1))["provincial_average_monthly_wage"] == Decimal(
        "7100.50"
    )


@pytest.mark.django_db
def test_override_wins_over_the_file_value():
    make(name="employee.personal_rate", value="0.025", effective_from=dt.date(2026, 1, 1))
    assert parameters_for("hangzhou", dt.date(2025, 12, 31))["employee.personal_rate"] == Decimal("0.02")
    assert parameters_for("hangzhou", dt.date(2026, 1, 1))["employee.personal_rate"] == Decimal("0.025")


@pytest.mark.django_db
def test_a_later_override_wins_over_an_earlier_one_and_an_edit_is_seen_at_once():
    make(value="7000")
    later = make(value="7500", effective_from=dt.date(2026, 1, 1))
    assert parameters_for("hangzhou", dt.date(2025, 6, 1))["provincial_average_monthly_wage"] == 7000
    assert parameters_for("hangzhou", dt.date(2026, 6, 1))["provincial_average_monthly_wage"] == 7500
    later.value = "7600"
    later.save()
    assert parameters_for("hangzhou", dt.date(2026, 6, 1))["provincial_average_monthly_wage"] == 7600
    later.delete()
    assert parameters_for("hangzhou", dt.date(2026, 6, 1))["provincial_average_monthly_wage"] == 7000


@pytest.mark.django_db
def test_zhoushan_blank_filled_by_an_override_is_not_illustrative():
    make(region="zhoushan", name="employee.personal_rate", value="0.02", effective_from=dt.date(2023, 1, 1))
    view = parameters_for("zhoushan", dt.date(2024, 1, 1), illustrative=False)
    assert view["employee.personal_rate"] == Decimal("0.02")
    assert not view.is_illustrative("employee.personal_rate")
    with pytest.raises(MissingParameter) as caught:
        view["employee.employer_rate"]
    assert "舟山 第九条第(一)项" in str(caught.value)


@pytest.mark.django_db
def test_history_is_recorded():
    override = make()
    override.value = "7200"
    override.note = "更正"
    override.save()
    assert override.history.count() == 2
    assert [record.value for record in override.history.order_by("history_date")] == ["7000", "7200"]


@pytest.mark.django_db
def test_undeclared_name_is_refused_with_a_field_error():
    with pytest.raises(ValidationError) as caught:
        make(name="no.such.parameter")
    assert "name" in caught.value.message_dict
    assert ParameterOverride.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,value",
    [
        ("provincial_average_monthly_wage", ".inf"),  # not a finite number
        ("provincial_average_monthly_wage", ".nan"),
        ("provincial_average_monthly_wage", "{a: 1"),  # not parseable
        ("provincial_average_monthly_wage", "seven thousand"),  # text where a number is declared
        ("outpatient.employee.deductible", "{active: 900}"),  # a table missing a key
        ("outpatient.employee.deductible", "{active: 900, retired: 300, other: 1}"),  # an extra key
        ("outpatient.employee.deductible", "{active: 900, retired: .nan}"),
    ],
)
def test_invalid_value_is_refused_with_a_field_error(name, value):
    with pytest.raises(ValidationError) as caught:
        make(name=name, value=value)
    assert list(caught.value.message_dict) == ["value"]


@pytest.mark.django_db
def test_a_table_value_of_the_right_shape_is_accepted_and_read_as_decimal():
    make(name="outpatient.employee.deductible", value="{active: 900, retired: 250.5}")
    value = parameters_for("hangzhou", dt.date(2025, 2, 1))["outpatient.employee.deductible"]
    assert value == {"active": 900, "retired": Decimal("250.5")}
    assert not any(isinstance(item, float) for item in value.values())


@pytest.mark.django_db
def test_a_rolled_back_override_leaves_nothing_behind():
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            make()
            assert parameters_for("hangzhou", dt.date(2025, 1, 1))["provincial_average_monthly_wage"] == 7000
            raise RuntimeError("abandon")
    with pytest.raises(MissingParameter):
        parameters_for("hangzhou", dt.date(2025, 1, 1))["provincial_average_monthly_wage"]


@pytest.mark.django_db(transaction=True)
def test_committed_overrides_are_cached_per_process(django_assert_num_queries):
    make()
    parameters_for("hangzhou", dt.date(2025, 1, 1))["provincial_average_monthly_wage"]
    with django_assert_num_queries(0):
        for _ in range(50):
            assert parameters_for("hangzhou", dt.date(2025, 3, 1))["provincial_average_monthly_wage"] == 7000
    ParameterOverride.objects.get().delete()
    with pytest.raises(MissingParameter):
        parameters_for("hangzhou", dt.date(2025, 1, 1))["provincial_average_monthly_wage"]


def test_without_database_access_only_the_files_count():
    assert parameters_for("hangzhou", dt.date(2024, 3, 1))["employee.personal_rate"] == Decimal("0.02")


@pytest.mark.django_db
def test_admin_lists_overrides_and_records_who_entered_them(client, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:policy_parameteroverride_add"),
        {
            "region": "hangzhou",
            "name": "provincial_average_monthly_wage",
            "effective_from": "2025-01-01",
            "value": "7000",
            "note": "测试",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = ParameterOverride.objects.get()
    assert override.created_by == clerk
    listing = client.get(
        reverse("admin:policy_parameteroverride_changelist"), {"region": "hangzhou", "q": "provincial"}
    )
    assert "provincial_average_monthly_wage" in listing.content.decode()


@pytest.mark.django_db
def test_admin_refuses_an_undeclared_name_on_the_field(client, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("admin:policy_parameteroverride_add"),
        {"region": "hangzhou", "name": "made.up", "effective_from": "2025-01-01", "value": "1", "note": "x"},
    )
    assert response.status_code == 200
    assert "没有声明参数 made.up" in response.content.decode()
    assert ParameterOverride.objects.count() == 0


@pytest.mark.django_db
def test_admin_parameters_in_force_page(client, clerk):
    make()
    client.force_login(clerk)
    url = reverse("admin:policy_parameteroverride_in_force")
    page = client.get(url, {"region": "hangzhou", "on": "2025-06-01"}).content.decode()
    assert "杭州 第二十八条第(一)项" in page
    assert "调整（自 2025-01-01）" in page
    zhoushan = client.get(url, {"region": "zhoushan", "on": "2025-06-01"}).content.decode()
    assert "未设定" in zhoushan and "舟山 第九条第(一)项" in zhoushan


@pytest.mark.django_db
def test_demo_load_is_idempotent_and_labelled_demo():
    import io

    from policy import demo

    demo.load(io.StringIO())
    demo.load(io.StringIO())
    override = ParameterOverride.objects.get()
    assert override.note.startswith("DEMO")
    assert parameters_for("hangzhou", dt.date(2025, 1, 1))["provincial_average_monthly_wage"] == 7000


@pytest.mark.django_db(transaction=True)
def test_after_a_rollback_lookups_in_the_next_transaction_are_cached(django_assert_num_queries):
    """Django does not signal a rollback; the provider sees the writing transaction is over by itself."""
    make(effective_from=dt.date(2024, 1, 1), value="6500")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            make()
            raise RuntimeError("abandon")
    with transaction.atomic():
        assert parameters_for("hangzhou", dt.date(2025, 3, 1))["provincial_average_monthly_wage"] == 6500
        with django_assert_num_queries(0):
            for _ in range(20):
                assert (
                    parameters_for("hangzhou", dt.date(2025, 3, 1))["provincial_average_monthly_wage"] == 6500
                )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_another_connections_open_write_is_neither_seen_nor_slowing_this_one(django_assert_num_queries):
    import threading

    from django.db import connections

    make(effective_from=dt.date(2024, 1, 1), value="6500")
    assert parameters_for("hangzhou", dt.date(2025, 3, 1))["provincial_average_monthly_wage"] == 6500
    written, finish, seen_by_writer = threading.Event(), threading.Event(), []

    def writer():
        try:
            with transaction.atomic():
                make()
                seen_by_writer.append(
                    parameters_for("hangzhou", dt.date(2025, 3, 1))["provincial_average_monthly_wage"]
                )
                written.set()
                finish.wait(10)
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert written.wait(10)
        assert seen_by_writer == [7000]  # the writer reads its own change
        with transaction.atomic():
            assert parameters_for("hangzhou", dt.date(2025, 3, 1))["provincial_average_monthly_wage"] == 6500
            with django_assert_num_queries(0):  # the cache, not a read per lookup
                assert (
                    parameters_for("hangzhou", dt.date(2025, 4, 1))["provincial_average_monthly_wage"] == 6500
                )
    finally:
        finish.set()
        thread.join()
    assert parameters_for("hangzhou", dt.date(2025, 3, 1))["provincial_average_monthly_wage"] == 6500
