"""claims.demo.load is idempotent: a second run neither fails nor duplicates nor re-issues the token."""

import io

import pytest

from claims.models import Institution, Settlement, Statement
from users.models import ApiToken

pytestmark = pytest.mark.django_db


def test_demo_load_twice(person_factory):
    from claims import demo

    person = person_factory()
    first = io.StringIO()
    demo.load(first)
    counts = (Institution.objects.count(), Settlement.objects.count(), ApiToken.objects.count())
    assert counts[0] == 7  # four, a hospital without direct settlement (reading 25), two in Zhoushan
    assert Settlement.objects.filter(person=person).count() == 2, first.getvalue()
    assert Statement.objects.filter(status=Statement.Status.READY).count() == 2
    assert "shown once" in first.getvalue()
    second = io.StringIO()
    demo.load(second)
    assert (Institution.objects.count(), Settlement.objects.count(), ApiToken.objects.count()) == counts
    assert "shown once" not in second.getvalue() and "keeps its token" in second.getvalue()
