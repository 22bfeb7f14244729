"""Business actions of the maternity chapter: submit, approve, refuse (one transaction each).

- `submit`: an application from an employer's system, the counter or the portal. Bad input is
  refused (MaternityError, nothing written); otherwise it is recorded with its assessment
  (`maternity.assessment.assess`). Idempotent on the employer's own application number: the
  same number with the same content returns the first application, other content is a 409.
- `approve`: the review clerk's approval. The assessment is made again on today's records; the
  decision, the payment (to the employer, or to a flexible worker herself) and the posting to
  the maternity fund book are written together. The same event is paid once (a unique
  constraint on the payment), however many times and ways it is sent.
- `refuse`: the review clerk's refusal, with the rule and article.

Each decision's letter (核定通知书) is rendered after the commit by `maternity.tasks`.
"""

from ..assessment import MaternityError
from .applications import submit
from .decisions import approve, queue_letter, refuse
from .lump_sums import check_lump_sum, grant_lump_sum

__all__ = [
    "MaternityError",
    "approve",
    "check_lump_sum",
    "grant_lump_sum",
    "queue_letter",
    "refuse",
    "submit",
]
