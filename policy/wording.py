"""The policy code's computed words in the reader's language (issue 15), translated where they are shown.

The rules compute their explanations, reasons and refusals in Chinese (the legal language of the record:
a settlement line is stored as computed) and they stay so: the engine builds its words with f-strings on
the per-bill path, and nothing there calls gettext. A page or an API answer that shows such words passes
them through `translated()`, and a citation through `cited()`:

- `translated(text)` finds the catalogue entry the text was built from (`WORDS`, Chinese msgids with
  named placeholders, e.g. "住院起付标准 %(level)s %(amount)s 元"), reads the placeholders' values back
  from the text, and renders the entry's translation from locale/<lang>/LC_MESSAGES/django.po with those
  values (themselves translated: an institution level, a certificate). A text joined from parts by "，"
  is translated part by part. A text no entry matches is returned as it was (Chinese), never guessed.
- `cited(article)` turns "杭州 第二十八条第(一)项" into "Hangzhou art. 28(1)": the region's English name
  from its file (`name_en:`), the numbers from the article.

In Chinese both return their argument unchanged. Stored records are never passed through here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import get_language, gettext, gettext_noop

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Placeholder kinds, by name: what each may match in a computed text.
NUMBER = r"-?\d[\d,]*(?:\.\d+)?"
KINDS = {
    "percent": r"-?\d[\d.]*%",
    "day": r"\d{4}-\d{2}-\d{2}",
    "month": r"\d{4}年\d{2}月",
    "code": r"[A-Za-z0-9_.\-]+",
}
NUMBERS = {
    "amount",
    "paid",
    "lower",
    "upper",
    "base",
    "limit",
    "cap",
    "deductible",
    "rest",
    "annual",
    "reduction",
    "portion",
    "count",
    "waiting",
    "natural",
    "months",
    "total",
    "maximum",
}
DAYS = {"start", "restored", "paid_on", "since"}

# The words the rules compute (policy/settlement/<region>.py, policy/coverage.py, policy/settlement/trial.py),
# each as the msgid of its translation. A rule that changes its words changes them here too: the English
# tests of the estimator and of the benefit status fail otherwise.
WORDS = (
    # --- settlement lines (both regions)
    gettext_noop("住院起付标准 %(level)s %(amount)s 元"),
    gettext_noop("本年度已付 %(paid)s 元"),
    gettext_noop("按最高等级补差"),
    gettext_noop("规定病种门诊按住院结算，不设起付标准"),
    gettext_noop("统筹基金 %(level)s 累计合规费用起付标准以上至 %(upper)s 元段 %(portion)s × %(percent)s"),
    gettext_noop("统筹基金 %(level)s 累计合规费用 %(lower)s 至 %(upper)s 元段 %(portion)s × %(percent)s"),
    gettext_noop("超过年度最高限额 %(limit)s 元的合规费用，统筹基金不予支付（纳入大病保险）"),
    gettext_noop("基本医疗保险统筹基金支付"),
    gettext_noop("个人账户当年资金支付（先自理、后合规费用），不计入起付标准"),
    gettext_noop(
        "签约社区首诊或转诊（大学生：校内定点医疗机构），本年度门诊起付标准减免 %(reduction)s 元（每年一次）"
    ),
    gettext_noop("门诊起付标准 %(annual)s 元"),
    gettext_noop("门诊统筹基金支付 %(place)s %(base)s × %(percent)s"),
    gettext_noop("定点零售药店（按其他医疗机构比例）"),
    gettext_noop("签约机构提高比例"),
    gettext_noop("大病保险合规费用（住院和规定病种自付及限额以上部分、特殊药品）"),
    gettext_noop("大病保险 累计合规费用 %(lower)s 至 %(upper)s 元段 %(portion)s × %(percent)s"),
    gettext_noop("大病保险 累计合规费用 %(lower)s 至 以上段 %(portion)s × %(percent)s"),
    gettext_noop("大病保险年度最高支付限额 %(cap)s 元"),
    gettext_noop("本次以余额为限"),
    gettext_noop("大病保险支付（起付标准 %(deductible)s 元）"),
    gettext_noop("医疗救助（%(place)s）%(rest)s × %(percent)s"),
    gettext_noop("普通门诊年度救助限额 %(cap)s 元"),
    gettext_noop("以余额为限"),
    gettext_noop("个人账户历年资金支付个人负担部分（自费、自理、自付）"),
    gettext_noop("个人现金支付"),
    gettext_noop("%(place)s：合规费用的 %(percent)s 先行自理"),
    gettext_noop("家庭共济：%(holders)s个人账户历年资金支付个人负担部分（自费、自理、自付）"),
    # Zhoushan's words
    gettext_noop("统筹基金支付 %(place)s %(base)s × %(percent)s"),
    gettext_noop("门诊统筹基金年度起付标准 %(annual)s 元"),
    gettext_noop("定点药店（凭%(level)s电子外配处方）"),
    gettext_noop("定点药店"),
    gettext_noop("退休增加"),
    gettext_noop("市外下降"),
    gettext_noop("家庭医生签约机构提高"),
    gettext_noop("基层慢性病门诊增加"),
    gettext_noop("市外"),
    gettext_noop("定点药店（凭市内公立基层医疗机构电子外配处方）"),
    gettext_noop("市内公立基层医疗机构"),
    gettext_noop("其他定点医药机构"),
    gettext_noop("凭市内%(level)s电子外配处方在定点零售药店购药，支付比例与出具外配处方的定点医疗机构一致"),
    gettext_noop("%(place)s（医疗救助对象市外按市内比例）"),
    gettext_noop("特殊病门诊按三级医疗机构住院支付比例，不设年度起付标准"),
    gettext_noop("市外住院起付标准 %(amount)s 元（年度只计一次）"),
    gettext_noop("成年人市内三级医疗机构比例"),
    gettext_noop("未成年人和大学生 %(place)s"),
    gettext_noop("成年人 %(place)s"),
    gettext_noop("城乡居民医保基金年度最高支付限额 %(limit)s 元"),
    gettext_noop("大病保险合规费用（目录内个人负担部分及特殊药品）"),
    gettext_noop("大病保险 医疗救助对象起付标准 %(deductible)s 元以上 %(base)s × %(percent)s"),
    gettext_noop("大病保险 起付标准 %(deductible)s 元以上 %(base)s × %(percent)s"),
    gettext_noop("医疗救助（持精神残疾人证人员治疗精神病相关医疗费用，全额救助） %(rest)s × %(percent)s"),
    gettext_noop("医疗救助 %(rest)s × %(percent)s"),
    gettext_noop("年度救助限额 %(cap)s 元（门诊住院共用）"),
    gettext_noop("个人账户当年资金支付个人负担部分"),
    gettext_noop("个人账户历年资金支付个人负担部分"),
    gettext_noop("市内公立基层医疗机构慢性病门诊"),
    gettext_noop("市内公立基层医疗机构慢性病门诊（肺结核）"),
    gettext_noop("市内二级医疗机构高血压、糖尿病（无并发症）门诊"),
    gettext_noop("三级及相应医疗机构"),
    gettext_noop("二级及相应医疗机构"),
    gettext_noop("二级以下（基层）医疗机构"),
    gettext_noop("省内异地就医未直接结算"),
    gettext_noop("省外就医"),
    gettext_noop("转诊地非定点医疗机构就医"),
    gettext_noop("回国临时就医（未撤销备案）"),
    gettext_noop("未备案自行外出就医"),
    gettext_noop("【示例参数】"),
    # --- benefit status (policy/coverage.py)
    gettext_noop("参保人已于%(day)s死亡"),
    gettext_noop("%(day)s 无有效的基本医疗保险参保登记"),
    gettext_noop("已办理参保登记但尚未缴费，缴费后次月起享受职工医保待遇"),
    gettext_noop("待遇自%(start)s起享受"),
    gettext_noop("%(month)s为补缴月份（%(paid_on)s补缴），补缴时段内的医疗费基金不予支付"),
    gettext_noop("%(month)s止连续%(months)s个月及以上未缴费，视为中断参保"),
    gettext_noop("符合参保条件后超过%(months)s个月才办理参保缴费，视为中断参保"),
    gettext_noop("转入本市参保前12个月未在其他统筹地连续正常参加职工医保"),
    gettext_noop("须连续正常缴费满%(waiting)s个月后享受职工医保待遇（已连续正常缴费%(count)s个月）"),
    gettext_noop("缴费后次月起享受职工医保待遇"),
    gettext_noop("%(month)s未参加职工医保缴费，自缴费次月起享受职工医保待遇"),
    gettext_noop("%(month)s未按时缴费，自%(day)s起暂停待遇；已于%(paid_on)s补缴"),
    gettext_noop("自%(restored)s起恢复"),
    gettext_noop("补缴时段内的医疗费基金不予支付"),
    gettext_noop("%(month)s未缴费，自%(day)s起暂停享受待遇"),
    gettext_noop("原险种停保3个月及以上后转换险种，视为中断参保"),
    gettext_noop("新险种缴费满%(waiting)s个月后自%(start)s起享受待遇"),
    gettext_noop("转为灵活就业人员参加职工医保后未正常缴费，不再继续享受城乡居民医保待遇：%(reason)s"),
    gettext_noop("自办理参保登记的第%(natural)s个自然月（%(start)s）起享受职工医保待遇"),
    gettext_noop("%(month)s欠缴，自%(day)s起暂停享受待遇"),
    gettext_noop("%(month)s欠缴，已于%(paid_on)s补缴"),
    gettext_noop("转换险种当月不能继续享受职工医保待遇：%(reason)s"),
    gettext_noop("尚未缴纳城乡居民医保费，缴费次月起享受待遇"),
    gettext_noop("未在集中征缴期内参保缴费，自缴费月起的第%(natural)s个自然月（%(start)s）起享受待遇"),
    gettext_noop("符合参保条件后超过%(months)s个月才参保缴费，视为中断参保"),
    gettext_noop("未在参（续）保期内办理下一年度续保缴费，视为中断参保"),
    gettext_noop("缴费满%(waiting)s个月后自%(start)s起享受当年度剩余月份待遇"),
    gettext_noop("缴费次月起享受城乡居民医保待遇，待遇自%(start)s起享受"),
    gettext_noop("不可享受待遇：%(reason)s"),
    # --- refusals of a trial-settlement request (policy/settlement/trial.py)
    gettext_noop("未知字段"),
    gettext_noop("缺少%(what)s"),
    gettext_noop("应为 true 或 false"),
    gettext_noop("缺少金额"),
    gettext_noop("缺少日期或不是日期（应为 YYYY-MM-DD）"),
    gettext_noop("不是日期（应为 YYYY-MM-DD 字符串）"),
    gettext_noop("请求应为 JSON 对象"),
    gettext_noop("缺少参保人信息（应为对象）"),
    gettext_noop("缺少人员类别"),
    gettext_noop("应为 0 至 150 的整数（周岁）"),
    gettext_noop("至少需要一张账单（应为非空数组）"),
    gettext_noop("一次最多 %(maximum)s 张账单"),
    gettext_noop("账单应为对象"),
    gettext_noop("应为 1 至 64 个字符的字符串"),
    gettext_noop("参保人未签约家庭医生（person.contracted_gp 为 false），不能在签约机构就诊"),
    gettext_noop("签约机构应为社区卫生服务机构（institution_level 应为 community）"),
    gettext_noop("参保人未签约家庭医生（person.contracted_gp 为 false），不能由签约机构转诊"),
    gettext_noop("慢性病门诊仅适用于 kind 为 outpatient 的账单"),
    gettext_noop("电子外配处方仅适用于 kind 为 pharmacy 的账单"),
    gettext_noop("费用合计 %(total)s 超出金额上限 %(maximum)s"),
    gettext_noop("未知的%(what)s %(value)s，应为 %(allowed)s 之一"),
    gettext_noop("不是日期: %(value)s（应为 YYYY-MM-DD）"),
    gettext_noop("账单编号 %(value)s 重复"),
    gettext_noop("单张票据费用总额 %(total)s 超过该类别的合理性上限 %(limit)s（%(article)s）"),
    gettext_noop("地区"),
    gettext_noop("险种"),
    gettext_noop("%(scheme)s 人员类别"),
    gettext_noop("证件类型"),
    gettext_noop("账单类型"),
    gettext_noop("医疗机构等级"),
    gettext_noop("结算方式"),
    gettext_noop("慢性病类别"),
    gettext_noop("外配处方机构等级"),
    # mutual aid: who pays (claims.services.mutual_aid.HOLDER_IS)
    gettext_noop("父母"),
    gettext_noop("子女"),
    gettext_noop("配偶"),
    gettext_noop("近亲属"),
)


def _pattern(msgid: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", msgid)
    regex = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            regex.append(re.escape(part))
        else:
            kind = KINDS.get(part) or (NUMBER if part in NUMBERS else KINDS["day"] if part in DAYS else ".+?")
            regex.append(f"(?P<{part}>{kind})")
    return re.compile("".join(regex), re.S)


# The most specific entries first: more literal words, fewer free placeholders.
PATTERNS = tuple(
    (msgid, _pattern(msgid))
    for msgid in sorted(
        (w for w in WORDS if "%(" in w),
        key=lambda w: -len(re.sub(r"%\(\w+\)s", "", w)),
    )
)


def _english() -> bool:
    return not (get_language() or "zh").startswith("zh")


def _value(name: str, value: str) -> str:
    if name == "month":
        return f"{value[:4]}-{value[5:7]}"
    if name == "article":
        return cited(value)
    if not CJK.search(value):
        return value
    return _translate(value)


def _one(text: str) -> str | None:
    """The translation of one whole text, or None."""
    shown = gettext(text)
    if shown != text:
        return shown
    for msgid, pattern in PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        shown = gettext(msgid)
        if shown == msgid:
            continue
        values = {name: _value(name, value) for name, value in match.groupdict().items()}
        result = shown % values
        if not CJK.search(result):
            return result
    return None


def _parts(text: str, comma: str) -> list[str]:
    """`text` split at `comma` outside brackets."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "（(":
            depth += 1
        elif char in "）)":
            depth -= 1
        elif char == comma and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


@lru_cache(maxsize=8192)
def _cached(language: str, text: str) -> str:
    return _translate(text)


def _translate(text: str) -> str:
    if not CJK.search(text):
        return text
    prefix = gettext_noop("【示例参数】")
    if text.startswith(prefix):
        return gettext(prefix) + " " + _translate(text[len(prefix) :])
    whole = _one(text)
    if whole is not None:
        return whole
    if text.endswith("）") and "（" in text:
        # a reason followed by its citations: "…（杭州 第十六条、第十七条）"
        head, _open, remark = text[:-1].rpartition("（")
        shown = cited(remark)
        if head and not CJK.search(shown):
            return f"{_translate(head)} ({shown})"
    for comma, joined in (("，", ", "), ("；", "; "), ("、", ", ")):
        parts = _parts(text, comma)
        if len(parts) > 1:
            segments = _segments(parts, comma)
            if segments is not None:
                return joined.join(segments)
    return text


def _segments(parts: list[str], comma: str) -> list[str] | None:
    """`parts` joined back into the longest runs that each translate whole, or None."""
    if not parts:
        return []
    for end in range(len(parts), 0, -1):
        head = comma.join(parts[:end])
        shown = _one(head) if end > 1 else _translate(head)
        if shown is None or CJK.search(shown):
            continue
        rest = _segments(parts[end:], comma)
        if rest is not None:
            return [shown, *rest]
    return None


def translated(text) -> str:
    """`text` (words a rule computed in Chinese) in the active language; unchanged in Chinese or when unknown."""
    if not text or not _english():
        return text
    text = str(text)
    return _cached(get_language(), text)


# ----------------------------------------------------------------------------- citations

DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL = "零一二三四五六七八九十百"
PIECE = re.compile(
    rf"第(?P<article>[{NUMERAL}]+)条"
    rf"(?:第(?P<items>(?:\([{NUMERAL}]+\)|（[{NUMERAL}]+）|至)+)项)?"
    rf"(?:第(?P<paragraph>[{NUMERAL}]+)款)?"
)


def chinese_number(text: str) -> int:
    """二十八 → 28, 一百零七 → 107, 十三 → 13."""
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total += (digit or 1) * 100
            digit = 0
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = DIGITS[char]
    return total + digit


def _piece(match: re.Match) -> str:
    shown = str(chinese_number(match["article"]))
    if match["items"]:
        items = re.findall(rf"[(（]([{NUMERAL}]+)[)）]|(至)", match["items"])
        shown += "".join("–" if dash else f"({chinese_number(item)})" for item, dash in items)
    if match["paragraph"]:
        shown += f", para. {chinese_number(match['paragraph'])}"
    return shown


@lru_cache(maxsize=2048)
def _cite(language: str, article: str) -> str:
    from .parameters import REGION_ENGLISH_NAMES, REGION_NAMES

    names = {name: REGION_ENGLISH_NAMES.get(code, name) for code, name in REGION_NAMES.items()}
    groups: list[tuple[str, list[str]]] = []  # (region in English, its pieces), in the article's order
    tokens = [token for part in _parts(article, "；") for token in _parts(part, "、")]
    for token in tokens:
        token = token.strip()
        region, space, rest = token.partition(" ")
        if space and region in names:
            groups.append((names[region], []))
            token = rest
        if not groups or not token:
            return article
        remark = ""
        if token.endswith("）") and "（" in token:
            token, _open, remark = token[:-1].partition("（")
            remark = _translate(remark)
            if CJK.search(remark):
                remark = ""  # the region's own note on the article, not in the catalogue: the article alone
        first, dash, last = token.partition("至")
        pieces = (
            [PIECE.fullmatch(first), PIECE.fullmatch(last)]
            if dash and last.startswith("第")
            else [PIECE.fullmatch(token)]
        )
        if not all(pieces):
            return article
        shown = "–".join(_piece(piece) for piece in pieces if piece)
        groups[-1][1].append(f"{shown} ({remark})" if remark else shown)
    return "; ".join(f"{region} art. " + ", ".join(pieces) for region, pieces in groups)


def cited(article) -> str:
    """A citation ("杭州 第二十八条第(一)项") in the active language ("Hangzhou art. 28(1)"); a note in
    brackets after an article is kept when the catalogue has it, else left out. Unchanged in Chinese, or
    when it is not an article of a region's measures (then it is shown as the region wrote it)."""
    if not article or not _english():
        return article
    return _cite(get_language(), str(article))


def translated_data(data):
    """An answer's data in the active language: every string through `translated`, an `article` through
    `cited` (lists and dicts walked). For what is shown, never for what is stored; in Chinese, `data` itself."""
    return _walk(data) if _english() else data


def _walk(data):
    if isinstance(data, str):
        return translated(data)
    if isinstance(data, dict):
        return {
            key: cited(value) if key == "article" and isinstance(value, str) else _walk(value)
            for key, value in data.items()
        }
    if isinstance(data, (list, tuple)):
        return [_walk(value) for value in data]
    return data
