"""Person A can never reach person B's rows: every id in a URL is looked up among A's own."""

import datetime as dt

import pytest
from django.urls import reverse

from .conftest import settle_inpatient

pytestmark = pytest.mark.django_db


def test_a_cannot_open_bs_settlement_detail(client_a, person_b, hospital):
    theirs = settle_inpatient(person_b, hospital, number="ZY-B-7", eligible="20000.00")
    assert client_a.get(reverse("portal:settlement", args=[theirs.pk])).status_code == 404


def test_a_cannot_download_bs_statement(client_a, person_b, hospital):
    theirs = settle_inpatient(person_b, hospital, number="ZY-B-8", eligible="20000.00")
    response = client_a.get(reverse("claims-statement-pdf", args=[theirs.pk]))
    assert response.status_code == 404


def test_b_can_download_own_statement_but_anonymous_cannot(client_b, client, person_b, hospital):
    theirs = settle_inpatient(person_b, hospital, number="ZY-B-9", eligible="20000.00")
    assert client_b.get(reverse("claims-statement-pdf", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("claims-statement-pdf", args=[theirs.pk])).status_code in (302, 404)


def test_a_cannot_revoke_bs_grant(client_a, person_b, insured, relate):
    from accounts.models import MutualAidGrant
    from accounts.services import grant_mutual_aid

    spouse = insured(name="李妻", birth=dt.date(1982, 8, 8))
    relate(person_b, spouse, "spouse")
    grant = grant_mutual_aid(holder=person_b, relative=spouse, relation="spouse")
    response = client_a.post(reverse("portal:revoke_mutual_aid", args=[grant.pk]))
    assert response.status_code == 404
    assert MutualAidGrant.objects.get(pk=grant.pk).revoked_on is None


def test_bs_grants_and_ledger_never_appear_on_as_pages(
    client_a, person_a, person_b, insured, hospital, relate
):
    from accounts.services import grant_mutual_aid

    spouse = insured(name="李妻", birth=dt.date(1982, 8, 8))
    relate(person_b, spouse, "spouse")
    grant_mutual_aid(holder=person_b, relative=spouse, relation="spouse")
    settle_inpatient(person_b, hospital, number="ZY-B-10", eligible="12345.00")
    for name in ("portal:home", "portal:account", "portal:settlements", "portal:mutual_aid"):
        page = client_a.get(reverse(name)).content.decode()
        assert "李妻" not in page, name
        assert "1,234.56" not in page, name
        assert "12,345.00" not in page, name
        assert person_b.masked_id_number not in page, name


def test_unknown_settlement_id_is_404(client_a):
    assert client_a.get(reverse("portal:settlement", args=[999999])).status_code == 404


def test_revoke_needs_post(client_a, person_a, insured, relate):
    from accounts.services import grant_mutual_aid

    son = insured(name="王小宝", birth=dt.date(2000, 2, 2))
    relate(person_a, son, "child")
    grant = grant_mutual_aid(holder=person_a, relative=son, relation="child")
    assert client_a.get(reverse("portal:revoke_mutual_aid", args=[grant.pk])).status_code == 405
