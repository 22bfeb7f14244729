"""Business actions on persons and enrolments: each a plain function, one transaction.

Who may enrol in what is checked here against 杭州 art. 11, 12, 20, 21, 30, 73 (舟山 art. 8,
12, 26, 62); a refusal is an `EnrolmentError` naming the field and the article, and
nothing is written.

The package: `errors` (the refusal), `registration` (persons, employers), `eligibility`
(who may enrol in what), `enrolment` (enrol, end, switch scheme), `transfers` (in and out),
`records` (certificates and their intake, GP contracts, filings, family relations).
Every name callers use is re-exported here.
"""

from .eligibility import (
    ADULT_TIERS,
    TIER3_DISTRICTS,
    _check_first_employee_age,
    _check_flexible,
    _check_resident,
    _check_single_scheme,
    _parent_in_employee_scheme,
    _scheme_of,
    check_eligibility,
)
from .enrolment import _local_actual_months, _resident_year_end, end_enrolment, enrol, switch_scheme
from .errors import EnrolmentError, _refuse
from .records import (
    CERTIFICATE_INTAKE_FIELDS,
    CERTIFICATE_KINDS,
    intake_certificate,
    intake_certificates,
    record_certificate,
    record_family_relation,
    record_filing,
    record_gp_contract,
)
from .registration import register_employer, register_person
from .transfers import record_transfer_in, record_transfer_out

__all__ = [
    "ADULT_TIERS",
    "CERTIFICATE_INTAKE_FIELDS",
    "CERTIFICATE_KINDS",
    "EnrolmentError",
    "TIER3_DISTRICTS",
    "_check_first_employee_age",
    "_check_flexible",
    "_check_resident",
    "_check_single_scheme",
    "_local_actual_months",
    "_parent_in_employee_scheme",
    "_refuse",
    "_resident_year_end",
    "_scheme_of",
    "check_eligibility",
    "end_enrolment",
    "enrol",
    "intake_certificate",
    "intake_certificates",
    "record_certificate",
    "record_family_relation",
    "record_filing",
    "record_gp_contract",
    "record_transfer_in",
    "record_transfer_out",
    "register_employer",
    "register_person",
    "switch_scheme",
]
