"""What every contribution action shares: the refusal, explanation lines, calling a rule."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError

from policy.amount import NotInRegion, RuleInputError
from policy.parameters import ParameterError, parameters_for

log = logging.getLogger(__name__)


class ContributionError(ValidationError):
    """A refused contribution action: a dict of field -> message (with the article)."""


def _refuse(field: str, message: str):
    raise ContributionError({field: [message]})


def _lines(lines) -> list[dict]:
    return [line.as_dict() for line in lines]


def _rule(call, **kwargs):
    """Call a policy rule; its input and parameter errors become field errors."""
    try:
        return call(**kwargs)
    except RuleInputError as error:
        raise ContributionError(error.message_dict)
    except NotInRegion as error:
        raise ContributionError({"region": [str(error)]})
    except ParameterError as error:
        raise ContributionError({"parameters": [str(error)]})


def _params(region: str, on: dt.date):
    return parameters_for(region, on)
