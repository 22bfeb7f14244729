"""The settlement request serializer builds its fields from their declarations, as DRF's deep copy would."""

import copy

from rest_framework import serializers

from claims.serializers import SettlementRequestSerializer


def test_fields_equal_drfs_deep_copies():
    ours = SettlementRequestSerializer().fields
    drfs = copy.deepcopy(SettlementRequestSerializer._declared_fields)
    assert list(ours) == list(drfs)
    for name, field in ours.items():
        assert repr(field) == repr(drfs[name]), name
        assert type(field) is type(drfs[name])


def test_each_request_gets_its_own_fields():
    first, second = SettlementRequestSerializer(), SettlementRequestSerializer()
    assert first.fields["kind"] is not second.fields["kind"]
    child = first.fields["diagnosis_codes"].child
    assert child is not second.fields["diagnosis_codes"].child
    assert child is not SettlementRequestSerializer._declared_fields["diagnosis_codes"].child
    assert child.parent is first.fields["diagnosis_codes"]
    assert isinstance(child, serializers.CharField)


def test_validation_is_unchanged():
    body = {"id_number": "x", "bill_number": "B1", "kind": "outpatient", "eligible": "12.5"}
    ok = SettlementRequestSerializer(data={**body, "date": "2024-03-01", "diagnosis_codes": ["A1"]})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["diagnosis_codes"] == ["A1"]
    bad = SettlementRequestSerializer(data={**body, "kind": "nope", "eligible": "-1"})
    assert not bad.is_valid()
    assert set(bad.errors) == {"kind", "eligible"}
