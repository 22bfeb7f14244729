"""Display helpers of the portal: money in yuan with two places, masked ID numbers."""

from decimal import Decimal, InvalidOperation

from django import template

from core.identity import mask_id_number

register = template.Library()


@register.filter
def yuan(value) -> str:
    """`1234.5` → `1,234.50` (two places, thousands separated); empty for None."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{amount.quantize(Decimal('0.01')):,.2f}"


@register.filter
def masked(value) -> str:
    """A resident ID number with only the first 6 and last 4 characters shown."""
    return mask_id_number(value)


@register.filter
def category_label(value) -> str:
    """An enrolment category's Chinese name (`adult_tier1` → 其他城乡居民（一档）)."""
    from enrollment.models import Category

    try:
        return Category(value).label
    except ValueError:
        return value


@register.filter
def plus(value, other):
    """Decimal sum (Django's `add` would truncate to integers first)."""
    return Decimal(str(value or 0)) + Decimal(str(other or 0))


@register.filter
def articles(lines) -> str:
    """The articles an amount's stored explanation lines cite, each once, in their order (`；` between)."""
    seen: list[str] = []
    for line in lines or ():
        article = line.get("article") if isinstance(line, dict) else getattr(line, "article", None)
        if article and article not in seen:
            seen.append(article)
    return "；".join(seen)


@register.simple_tag(takes_context=True)
def person_articles(context, *keys: str) -> str:
    """The articles of the page's person's region for `keys` (region files), each once, joined by '；'."""
    from policy.regions import region_of

    person = context.get("person")
    if person is None:
        return ""
    region = region_of(person.region)
    return "；".join(dict.fromkeys(region.article(key) for key in keys))


@register.filter
def translated(value) -> str:
    """Words a rule computed at request time (an estimate's line, a status reason) in the reader's language."""
    from policy.wording import translated as shown

    return shown(value)


@register.filter
def cited(value) -> str:
    """A citation ("杭州 第二十八条第(一)项") in the reader's language ("Hangzhou art. 28(1)")."""
    from policy.wording import cited as shown

    return shown(value)
