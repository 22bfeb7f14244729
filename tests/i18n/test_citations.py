"""Citizen-facing text cites articles, never internal documents (issue 15).

settlement-rules.md (cited internally as 规程 §n) and coverage-rules.md's readings (读法 n) are the
agency's own notes: where they decide a reading, the line a person reads cites the article read.
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from policy.parameters import declarations
from policy.regions import REGIONS, region_of
from tests.i18n.test_english import portal_pages

INTERNAL = re.compile(r"规程|§|读法")


@pytest.mark.parametrize("region", REGIONS)
def test_no_article_or_text_in_a_region_file_cites_an_internal_document(region):
    cited = {
        name: f"{parameter.article} {parameter.text}"
        for name, parameter in declarations(region, illustrative=True).items()
        if INTERNAL.search(f"{parameter.article} {parameter.text}")
    }
    assert cited == {}


@pytest.mark.parametrize("region", REGIONS)
def test_the_cash_line_cites_an_article_of_the_region(region):
    """The cash a person pays is their share left after the account (杭州 art. 25, 65, 107; 舟山 art. 21, 57)."""
    article = region_of(region).article("settlement.cash")
    assert article.startswith(region_of(region).name[:2]) and "第" in article


def test_no_portal_page_statement_or_stored_line_shows_an_internal_reference(client, demo):
    from claims.models import Settlement, SettlementLine
    from claims.statements import render_html
    from enrollment.models import Person

    lines = SettlementLine.objects.all()
    assert lines.exists()
    assert [(line.article, line.text) for line in lines if INTERNAL.search(line.article + line.text)] == []
    cash = lines.filter(text="个人现金支付")
    assert cash.exists() and all("第" in line.article for line in cash)

    person = Person.objects.get(user__username="zhangsan")
    client.login(username="zhangsan", password="demo-pass-2024")
    pages = portal_pages(person)
    shown = {path: INTERNAL.findall(client.get(path).content.decode()) for path in pages}
    assert {path: found for path, found in shown.items() if found} == {}

    statements = {s.pk: INTERNAL.findall(render_html(s)) for s in Settlement.objects.all()}
    assert {pk: found for pk, found in statements.items() if found} == {}
    mine = Settlement.objects.filter(person=person).first()
    response = client.get(reverse("claims-statement-pdf", args=[mine.pk]))
    pdf = b"".join(response) if response.streaming else response.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "现金支付" in text and not INTERNAL.search(text)


def test_the_contributions_page_cites_the_articles_of_each_line(client, demo):
    """Each monthly record cites what its stored explanation cites (杭州 art. 13 rates and base), and the
    contribution years cite the article counting them (杭州 art. 20)."""
    from contributions.models import ContributionRecord
    from enrollment.models import Person

    person = Person.objects.get(user__username="zhangsan")
    records = list(ContributionRecord.objects.filter(person=person))
    assert records
    client.login(username="zhangsan", password="demo-pass-2024")
    page = client.get(reverse("portal:contributions")).content.decode()
    region = region_of(person.region)
    assert page.count(region.article("retirement.total_years")) >= 1
    assert (
        region.article("employee.personal_rate") in page and region.article("employee.employer_rate") in page
    )
    rows = re.findall(r"<tr>\s*<td>\d{4}-\d{2}</td>.*?</tr>", page, re.S)
    assert len(rows) == len(records)
    for row in rows:
        cells = re.findall(r'<td class="article">(.*?)</td>', row, re.S)
        assert cells and "第十三条" in cells[0], row
