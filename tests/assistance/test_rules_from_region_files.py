"""policy/assistance.py names no region: which kinds are assisted in which group, from when,
who reaches back, who may go to the joint meeting and whether the account pays first are the
`rule:` of the regions' files (杭州 art. 47, 49, 52, 53; 舟山 art. 21, 41, 42(6), 44, 45)."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from policy import assistance as rules
from policy.parameters import REGIONS, declarations
from tests.architecture.test_regions import spellings

SOURCE = Path(rules.__file__)


def test_policy_assistance_spells_no_region_name_in_code():
    assert spellings(SOURCE.read_text(encoding="utf-8")) == []


def test_each_region_file_states_its_recipient_groups_and_start_rule():
    for region in REGIONS:
        rule = declarations(region)["assistance.recipients"].rule
        assert rules.recipient_groups(region) == rule["groups"]
        assert rule["counts_from"] in ("registration_day", "month_after_recognition")


def test_zhoushan_art_41_44_from_its_file_a_disability_certificate_is_other_hardship_from_the_next_month():
    """舟山 art. 41(4): a disability certificate is 其他特殊困难人员; art. 44: it counts from the month after recognition."""
    fact = rules.CertificateFact("disability_grade2", dt.date(2024, 3, 15), None, dt.date(2024, 3, 20))
    assert rules.recipient_on("zhoushan", [fact], dt.date(2024, 3, 31)) is None
    found = rules.recipient_on("zhoushan", [fact], dt.date(2024, 4, 1))
    assert (found.group, found.since) == ("other_hardship", dt.date(2024, 4, 1))
    # 杭州 art. 47, 52: its own group, from the registration day
    found = rules.recipient_on("hangzhou", [fact], dt.date(2024, 3, 20))
    assert (found.group, found.since) == ("disability_grade2", dt.date(2024, 3, 20))


def test_the_account_order_and_the_joint_meeting_groups_come_from_the_files():
    """杭州 art. 24, 49: the current-year account pays first; 舟山 art. 21: after assistance; 舟山 art. 45: 特困/低保/低边 only."""
    c = rules.Components(
        "outpatient",
        Decimal("0"),
        Decimal("1000.00"),
        Decimal("0"),
        Decimal("100.00"),
        Decimal("600.00"),
        Decimal("0"),
    )
    assert rules.personal_burden("hangzhou", c) == Decimal("300.00")  # 1000 − 600 − 100
    assert rules.personal_burden("zhoushan", c) == Decimal("400.00")  # 1000 − 600
    other = rules.Recipient("three_old", "other_hardship", dt.date(2024, 1, 1), "")
    low = rules.Recipient("minimum_living", "minimum_living", dt.date(2024, 1, 1), "")
    assert not rules.special_allowed("zhoushan", other) and rules.special_allowed("zhoushan", low)
    assert rules.special_allowed("hangzhou", rules.Recipient("three_old", "x", dt.date(2024, 1, 1), ""))
