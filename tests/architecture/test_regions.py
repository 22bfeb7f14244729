"""One region interface (issue 14): regions are found from their files, apps never spell one,
and every article a settlement or contribution line carries comes from the region's files.

Pure: no database. Zhoushan runs on its illustrative parameters (zhoushan-illustrative.yaml).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import random
import re
import shutil
import subprocess
import sys
import textwrap
import warnings
from decimal import Decimal
from pathlib import Path

from policy import accounts as account_rules
from policy import contributions as contribution_rules
from policy.amount import NotInRegion, RuleInputError
from policy.parameters import REGIONS, ParameterError, declarations, parameters_for
from policy.settlement import (
    CATEGORIES,
    CERTIFICATES,
    KINDS,
    LEVELS,
    SETTLEMENTS,
    Balances,
    Bill,
    PersonProfile,
    YearState,
    settle_bill,
)
from policy.settlement.types import CHRONIC_DISEASES

ROOT = Path(__file__).resolve().parents[2]

# --- adding a region is its files under policy/ -------------------------------------------

THIRD_REGION_YAML = """\
# A region made up for this test only: its figures exist nowhere else.
region: testcity
name: 试验市
source: 本测试内定义
parameters:
  outpatient.fund_ratio:
    article: 试验市 第一条
    text: 门诊统筹基金支付比例
    unit: ratio
    values:
      2024-01-01: 0.50
articles:
  settlement.cash: 试验市 第二条
"""

THIRD_REGION_RULES = '''\
"""试验市: the fund pays a ratio of the eligible amount; cash the rest."""

from policy.money import round_yuan

from .common import Work


def settle(person, bill, state, balances, P):
    work = Work(bill)
    work.basic_fund_paid = round_yuan(work.eligible * P["outpatient.fund_ratio"])
    work.line(P.article("outpatient.fund_ratio"), "统筹基金支付", work.basic_fund_paid)
    work.cash_paid = work.total - work.basic_fund_paid
    work.line(P.article("settlement.cash"), "个人现金支付", work.cash_paid)
    return work
'''

THIRD_REGION_CHECK = """\
import datetime as dt, json
from decimal import Decimal
from policy.parameters import REGIONS, UnknownParameter
from policy.regions import all_regions, region_of
from policy.settlement import Balances, Bill, PersonProfile, YearState, settle_bill

region = region_of("testcity")
on = dt.date(2024, 3, 1)
try:
    region.article("no.such.key")
    unknown = "no error"
except UnknownParameter as error:
    unknown = str(error)
result = settle_bill(
    person=PersonProfile(region="testcity", scheme="employee", category="active", age=40),
    bill=Bill(id="b1", date=on, kind="outpatient", eligible=Decimal("100.00"), out_of_scope=Decimal("10.00")),
    state=YearState.empty(),
    balances=Balances(),
    params=region.parameters(on),
)
print(json.dumps({
    "regions": list(REGIONS),
    "all": [r.code for r in all_regions()],
    "name": region.name,
    "ratio": str(region.parameters(on)["outpatient.fund_ratio"]),
    "cash_article": region.article("settlement.cash"),
    "unknown": unknown,
    "fund": str(result.basic_fund_paid),
    "cash": str(result.cash_paid),
    "lines": [[line.article, line.text, str(line.amount)] for line in result.lines],
}, ensure_ascii=False))
"""


def test_a_third_region_is_its_files_under_policy_alone(tmp_path):
    """Copy policy/, add testcity.yaml and settlement/testcity.py, and nothing else: a fresh process knows it."""
    shutil.copytree(ROOT / "policy", tmp_path / "policy", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "policy" / "parameters" / "testcity.yaml").write_text(THIRD_REGION_YAML, encoding="utf-8")
    (tmp_path / "policy" / "settlement" / "testcity.py").write_text(THIRD_REGION_RULES, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", THIRD_REGION_CHECK],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["regions"] == sorted([*REGIONS, "testcity"]) == answer["all"]
    assert answer["name"] == "试验市"
    assert answer["ratio"] == "0.50" and answer["cash_article"] == "试验市 第二条"
    assert "no.such.key" in answer["unknown"]  # an unknown key is an error, never another region's
    # 100.00 eligible × 50% = 50.00 from the fund; 10.00 out of scope + 50.00 in cash
    assert (answer["fund"], answer["cash"]) == ("50.00", "60.00")
    assert answer["lines"] == [
        ["试验市 第一条", "统筹基金支付", "50.00"],
        ["试验市 第二条", "个人现金支付", "60.00"],
    ]


# --- apps never spell a region name -------------------------------------------------------

REGION_NAME = re.compile(r"hangzhou|zhoushan|杭州|舟山", re.IGNORECASE)

# Outside policy/: not scanned (tests, demo data, migrations, benchmarks that build demo-like
# data). Docstrings and comments may cite articles ("杭州 art. 23"); code may not.
NOT_SCANNED_DIRS = {"policy", "tests", "migrations", "bench", ".venv", ".git", "node_modules"}
NOT_SCANNED_FILES = {"demo.py"}

# Files that still spell a region name in code today, with how many times (issue 14: their
# owners are removing them). This list may only shrink: a file not on it, or spelling more
# than listed, fails the test.
STILL_SPELLING: dict[str, int] = {}


def spellings(source: str) -> list[int]:
    """Lines where code (a string that is not a docstring, a name, an attribute) spells a region name."""
    tree = ast.parse(source)
    prose = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for statement in body if isinstance(body, list) else ():
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                prose.add(id(statement.value))  # a docstring, or a string standing as a comment
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            text = node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            text = node.name
        elif isinstance(node, ast.alias):
            text = f"{node.name} {node.asname or ''}"
        elif isinstance(node, ast.arg):
            text = node.arg
        elif isinstance(node, ast.keyword):
            text = node.arg or ""
        else:
            continue
        if REGION_NAME.search(text):
            found.append(node.lineno)
    return sorted(found)


def _modules_outside_policy():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if NOT_SCANNED_DIRS & set(relative.parts) or relative.name in NOT_SCANNED_FILES:
            continue
        yield relative.as_posix(), path


def test_the_scanner_sees_code_not_prose():
    source = textwrap.dedent(
        '''
        """杭州 art. 23 in a docstring is prose."""
        # 舟山 in a comment is prose
        def f(region):
            """Docstring: hangzhou."""
            return region == "zhoushan"
        zhoushan_rate = ART["hangzhou"]
        '''
    )
    assert sorted(spellings(source)) == [6, 7, 7]


def test_no_module_outside_policy_spells_a_region_name():
    grown, shrunk = [], []
    for name, path in _modules_outside_policy():
        count = len(spellings(path.read_text(encoding="utf-8")))
        allowed = STILL_SPELLING.get(name, 0)
        if count > allowed:
            grown.append(f"{name}: {count} (allowed {allowed})")
        elif count < allowed:
            shrunk.append(f"{name}: {count} (listed {allowed})")
    assert not grown, (
        "region names spelled outside policy/ (ask policy.regions.region_of(code) for .parameters, "
        ".article, .name instead): " + "; ".join(grown)
    )
    if shrunk:  # good news: lower the list so it cannot grow back
        warnings.warn("STILL_SPELLING can shrink: " + "; ".join(shrunk), stacklevel=1)


# --- every article a line carries comes from the region's files ---------------------------


def _file_articles(region: str) -> set[str]:
    return {parameter.article for parameter in declarations(region, True).values()}


def _bills(rng: random.Random, person_number: int):
    for number in range(rng.randint(1, 8)):
        kind = rng.choice(KINDS)
        yield Bill(
            id=f"{person_number}-{number}",
            date=dt.date(2024, 1 + number, rng.randint(1, 28)),
            kind=kind,
            institution_level=rng.choice(LEVELS),
            at_contracted_centre=rng.random() < 0.4,
            referred_by_contracted_centre=rng.random() < 0.3,
            settlement=rng.choice(SETTLEMENTS),
            out_of_scope=Decimal(rng.randint(0, 500)),
            self_pay_first=Decimal(rng.randint(0, 800)),
            eligible=Decimal(rng.choice((rng.randint(0, 3000), rng.randint(0, 200000)))) + Decimal("0.37"),
            special_drug=Decimal(rng.choice((0, 0, rng.randint(0, 50000)))),
            chronic_disease=rng.choice((None, None, *CHRONIC_DISEASES)) if kind == "outpatient" else None,
            prescribed_at=rng.choice((None, *LEVELS)) if kind == "pharmacy" else None,
        )


def test_every_article_a_settlement_line_carries_comes_from_the_region_files():
    rng = random.Random(20241201)
    for region in REGIONS:
        allowed = _file_articles(region)
        carried: dict[str, str] = {}
        for number in range(120):
            scheme = rng.choice(("employee", "resident"))
            person = PersonProfile(
                region=region,
                scheme=scheme,
                category=rng.choice(CATEGORIES[scheme]),
                age=rng.randint(1, 90),
                certificate=rng.choice((None, None, *CERTIFICATES)),
                contracted_gp=rng.random() < 0.5,
                use_historical_funds=rng.random() < 0.7,
            )
            state, balances = (
                YearState.empty(),
                Balances(Decimal(rng.randint(0, 3000)), Decimal(rng.randint(0, 3000))),
            )
            for bill in _bills(rng, number):
                params = parameters_for(region, bill.date, illustrative=True)
                try:
                    result = settle_bill(
                        person=person, bill=bill, state=state, balances=balances, params=params
                    )
                except ParameterError:  # a figure the agency has not set: refused, no line
                    continue
                state, balances = result.state, result.balances
                for line in result.lines:
                    carried.setdefault(line.article, line.text)
        assert len(carried) > 10, carried  # the bills reached many rules
        strays = {article: text for article, text in carried.items() if article not in allowed}
        assert not strays, f"{region}: articles not from its parameter files: {strays}"


def _contribution_rules(rng: random.Random, params, base: Decimal) -> tuple:
    """Calls of every contribution and account-credit rule with generated inputs."""
    return (
        lambda: contribution_rules.employee_contribution(
            params=params,
            monthly_wage=Decimal(rng.randint(1000, 60000)),
            certificate=rng.choice((None, *CERTIFICATES)),
            disabled_veteran=rng.random() < 0.1,
            disability_allowance=rng.choice((None, None, Decimal(rng.randint(1000, 5000)))),
        ),
        lambda: contribution_rules.flexible_contribution(
            params=params,
            certificate=rng.choice((None, *CERTIFICATES)),
            unemployed_on_benefit=rng.random() < 0.3,
        ),
        lambda: contribution_rules.resident_contribution(
            params=params,
            category=rng.choice(list(params["resident.contribution"])),
            subsidy_reason=rng.choice((None, "orphanage", "entitled_veteran_dependant", *CERTIFICATES)),
        ),
        lambda: contribution_rules.catastrophic_premium(
            params=params, scheme=rng.choice(("employee", "resident", "student"))
        ),
        lambda: contribution_rules.back_payment(
            params=params,
            identity=rng.choice(contribution_rules.BACK_PAYMENT_IDENTITIES),
            months=rng.randint(1, 6),
            current_base=base,
            earlier_months=rng.choice((0, 0, 3)),
        ),
        lambda: account_rules.monthly_credit(
            params=params,
            category=rng.choice(("active", "retired", "flexible", "unemployed")),
            age=rng.randint(18, 90),
            base=base,
            pension=Decimal(rng.randint(2000, 9000)),
            provincial_average_monthly_wage=Decimal("7000"),
        ),
    )


def test_every_article_a_contribution_line_carries_comes_from_the_region_files():
    rng = random.Random(7)
    for region in REGIONS:
        allowed = _file_articles(region)
        carried: dict[str, str] = {}
        for _ in range(200):
            on = dt.date(rng.choice((2024, 2025)), rng.randint(1, 12), 1)
            params = parameters_for(region, on, illustrative=True)
            rules = _contribution_rules(rng, params, Decimal(rng.randint(3000, 30000)))
            for rule in rules:
                try:
                    amount = rule()
                except (ParameterError, RuleInputError, NotInRegion):  # refused with a reason: no line
                    continue
                for line in amount.lines:
                    carried.setdefault(line.article, line.text)
        assert len(carried) > 5, carried
        strays = {article: text for article, text in carried.items() if article not in allowed}
        assert not strays, f"{region}: articles not from its parameter files: {strays}"


# --- no article typed in enrollment/ or contributions/ ------------------------------------

ARTICLE = re.compile(r"第[一二三四五六七八九十百零]+条|art\. ?\d+|§ ?\d")
CITING_FROM_FILES = ("enrollment", "contributions")


def typed_articles(source: str) -> list[tuple[int, str]]:
    """Code strings (not docstrings) that spell an article: it must come from region.article(key)."""
    tree = ast.parse(source)
    prose = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for statement in body if isinstance(body, list) else ():
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                prose.add(id(statement.value))
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in prose
        and ARTICLE.search(node.value)
    )


def test_the_article_scanner_sees_code_strings():
    source = textwrap.dedent(
        '''
        """杭州 art. 23 in a docstring is prose."""
        def f(region):
            """舟山 第十二条 here is prose too."""
            refuse(f"未参保（{region.article('x')}）")
            refuse("未参保（第十四条）")
        '''
    )
    assert typed_articles(source) == [(6, "未参保（第十四条）")]


def test_enrollment_and_contributions_cite_articles_only_from_the_region_files():
    typed = [
        f"{name}:{line}: {text[:60]}"
        for name, path in _modules_outside_policy()
        if name.split("/")[0] in CITING_FROM_FILES
        for line, text in typed_articles(path.read_text(encoding="utf-8"))
    ]
    assert not typed, "articles typed in code (use region_of(code).article(key)): " + "; ".join(typed)
