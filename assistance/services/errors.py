"""The one error of assistance's business actions: a 4xx naming the field, the reason and the article."""

from django.core.exceptions import ValidationError


class AssistanceError(ValidationError):
    """Refused: nothing was written. `field` names the input, `article` the rule that refuses."""

    def __init__(self, field: str, message: str, article: str = ""):
        self.field = field
        self.article = article
        text = f"{message}（{article}）" if article and article not in message else message
        super().__init__({field: [text]})

    @property
    def text(self) -> str:
        return self.message_dict[self.field][0]


def require(user, permission: str, label: str) -> None:
    """A clerk acting must hold the step's permission (assistance.<codename>)."""
    from django.core.exceptions import PermissionDenied

    if user is None or not user.has_perm(f"assistance.{permission}"):
        raise PermissionDenied(f"没有“{label}”的权限")


def parse_money(value, field: str, *, positive: bool = False):
    """An amount typed by a person or a clerk: >= 0 (or > 0), at most two decimals; else refused by field."""
    from policy.money import ZERO, parse_amount

    try:
        amount = parse_amount(value, field)
    except ValueError as error:
        raise AssistanceError(field, str(error)) from None
    if positive and amount <= ZERO:
        raise AssistanceError(field, "金额须大于零")
    return amount
