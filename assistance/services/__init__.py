"""Assistance business actions, one module per concern (each action one transaction).

- `posthoc`: post-hoc assistance on settled bills (杭州 art. 50(2); 舟山 art. 42).
- `immediate`: the fund book's postings of the settlement's immediate assistance.
- `special`: special assistance through the joint meeting (杭州 art. 53; 舟山 art. 45).
- `attachments`: type and size checks of the files a case carries.
"""

from .errors import AssistanceError
from .immediate import post_immediate
from .posthoc import create_posthoc, pay_posthoc, plan_posthoc, run_posthoc
from .special import apply_special, decide_special, pay_special, review_special

__all__ = [
    "AssistanceError",
    "apply_special",
    "create_posthoc",
    "decide_special",
    "pay_posthoc",
    "pay_special",
    "plan_posthoc",
    "post_immediate",
    "review_special",
    "run_posthoc",
]
