"""Demo users: one clerk per group and one API client per kind, each with a fixed demo token.

The demo keys are printed by `load_demo` and written in docs/quickstart.md so a person can
try the API at once. Later demo loaders (claims, maternity) may call
`users.services.ensure_api_client` with the same username to set the organisation code
of the institution or employer they create.
"""

from .models import ApiClient
from .services import ADMINISTRATION, COUNTER, REVIEW, ensure_api_client, ensure_clerk

DEMO_PASSWORD = "demo-pass-2024"

CLERKS = [
    # username, group, family name, given name
    ("guiyuan", COUNTER, "柜", "小员"),
    ("shenhe", REVIEW, "审", "小核"),
    ("guanli", ADMINISTRATION, "管", "小理"),
]

API_CLIENTS = [
    # username, kind, scopes, demo key
    (
        "demo-hospital",
        ApiClient.Kind.INSTITUTION,
        ["trial_settlement", "settlement"],
        "demo-institution-token-2024",
    ),
    ("demo-tax", ApiClient.Kind.TAX_BUREAU, ["contributions"], "demo-tax-bureau-token-2024"),
    ("demo-civil", ApiClient.Kind.CIVIL_AFFAIRS, ["certificates"], "demo-civil-affairs-token-2024"),
    ("demo-employer", ApiClient.Kind.EMPLOYER, ["maternity", "trial_settlement"], "demo-employer-token-2024"),
]


def load(stdout) -> None:
    for username, group, last_name, first_name in CLERKS:
        ensure_clerk(
            username=username,
            password=DEMO_PASSWORD,
            groups=[group],
            last_name=last_name,
            first_name=first_name,
        )
    for username, kind, scopes, key in API_CLIENTS:
        existing = ApiClient.objects.filter(user__username=username).first()
        ensure_api_client(
            username=username,
            kind=kind,
            scopes=scopes,
            # keep a code a later demo loader has set
            organisation_code=existing.organisation_code if existing else "",
            demo_key=key,
        )
    stdout.write(f"users: {len(CLERKS)} demo clerks, {len(API_CLIENTS)} demo API clients")
