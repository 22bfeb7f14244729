"""Business actions on users: the clerk groups and their permissions, API clients and tokens.

The clerk groups (柜员 counter, 审核 review, 管理 administration) are defined here once.
Their permissions are named by app label and action, and looked up at run time among
the permissions that exist: an app whose models are not written yet simply adds
nothing, and re-running `setup_roles` after a new migration picks its models up.
"""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiClient, ApiToken, User

COUNTER = "柜员"
REVIEW = "审核"
ADMINISTRATION = "管理"

VIEW = ("view",)
VIEW_ADD = ("view", "add")
VIEW_ADD_CHANGE = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

# app label -> actions the group may take on every model of that app.
# Counter clerks register persons, record payments and settle at the counter; review
# clerks approve what the counter entered (maternity claims, special assistance,
# reversals); administration keeps the parameters, users and API clients.
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    COUNTER: {
        "policy": VIEW,
        "enrollment": VIEW_ADD_CHANGE,
        "contributions": VIEW_ADD_CHANGE,
        "accounts": VIEW + ("transferin",),  # 转入 at the counter (art. 26(2)); money out is reviewed
        "claims": VIEW_ADD,
        "assistance": VIEW_ADD + ("apply",),  # special assistance: take the application (杭州 art. 53)
        "maternity": VIEW_ADD,
        "institutions": VIEW,
        "funds": VIEW,
    },
    REVIEW: {
        "policy": VIEW,
        "enrollment": VIEW_ADD_CHANGE,
        "contributions": VIEW_ADD_CHANGE,
        "accounts": VIEW_ADD_CHANGE + ("transferin", "close"),  # 转出、清算、死亡、继承 (art. 26)
        "claims": VIEW_ADD_CHANGE,
        "assistance": VIEW_ADD_CHANGE + ("apply", "review", "pay"),  # 审核上报; the agency pays (art. 51)
        "maternity": VIEW_ADD_CHANGE,
        "institutions": VIEW_ADD_CHANGE,
        "funds": VIEW,
    },
    ADMINISTRATION: {
        "policy": ALL,
        "enrollment": ALL,
        "contributions": ALL,
        "accounts": ALL + ("transferin", "close"),
        "claims": ALL,
        "assistance": ALL + ("apply", "review", "decide", "pay"),  # the joint meeting's decision (art. 53)
        "maternity": ALL,
        "institutions": ALL,
        "funds": ALL,
        "users": ALL,
        "auth": VIEW,
        # login lockouts (django-axes): read them, and delete one to unlock an account
        "axes": ("view", "delete"),
    },
}

# History rows (simple_history) are only read. Ledger-like records are never deleted, whoever asks (a reversal writes the negative).
NEVER_DELETED_APPS = {"accounts", "claims", "assistance"}


def group_may(group_name: str, app_label: str, model_name: str, action: str) -> bool:
    """The role matrix for the admin: may a clerk group take `action` on a model? (docs/security.md)

    One answer for `setup_roles` (which grants exactly these permissions) and for the tests that
    walk every registered admin model. A superuser may do everything; no group is ever given
    superuser or staff status, another group or a permission (the admin refuses that to
    non-superusers, users/admin.py).
    """
    actions = ROLE_PERMISSIONS[group_name].get(app_label, ())
    if action == "delete" and app_label in NEVER_DELETED_APPS:
        return False
    if model_name.startswith("historical") and action != "view":
        return False  # history is written by simple_history, only ever read
    return action in actions


def permissions_for(group_name: str) -> list[Permission]:
    """The permissions that exist now for a group's (app, action) pairs."""
    wanted = ROLE_PERMISSIONS[group_name]
    return [
        permission
        for permission in Permission.objects.select_related("content_type").filter(
            content_type__app_label__in=wanted.keys()
        )
        if group_may(
            group_name,
            permission.content_type.app_label,
            permission.content_type.model,
            permission.codename.split("_", 1)[0],
        )
    ]


@transaction.atomic
def setup_roles() -> dict[str, int]:
    """Create or refresh the three clerk groups; returns group name -> permission count.

    Idempotent: the group's permissions are replaced by the current set, so running it
    twice changes nothing, and running it after a new app's migration adds its models.
    """
    counts = {}
    for name in ROLE_PERMISSIONS:
        group, _created = Group.objects.get_or_create(name=name)
        permissions = permissions_for(name)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts


def validate_scopes(*, kind: str, scopes) -> list[str]:
    """Scopes a client of `kind` may hold; anything beyond its kind is refused by name."""
    allowed = ApiClient.KIND_SCOPES.get(kind)
    if allowed is None:
        raise ValidationError({"kind": _("未知的外部系统类型：%(kind)s") % {"kind": kind}})
    scopes = list(scopes)
    extra = sorted(set(scopes) - set(allowed))
    if extra:
        raise ValidationError(
            {
                "scopes": _("%(kind)s 不能持有权限范围：%(extra)s（允许：%(allowed)s）")
                % {
                    "kind": ApiClient.Kind(kind).label,
                    "extra": ", ".join(extra),
                    "allowed": ", ".join(sorted(allowed)),
                }
            }
        )
    return sorted(set(scopes))


@transaction.atomic
def ensure_api_client(
    *, username: str, kind: str, scopes, organisation_code: str = "", demo_key: str | None = None
) -> ApiClient:
    """Create (or update) an API client user; with `demo_key`, also a token with that key.

    Used by demo loaders: a fixed, documented key lets a person try the API at once.
    Never pass a `demo_key` in production; issue tokens from the admin instead.
    """
    scopes = validate_scopes(kind=kind, scopes=scopes)
    user, created = User.objects.get_or_create(
        username=username, defaults={"role": User.Role.API_CLIENT, "is_staff": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.role != User.Role.API_CLIENT:
        raise ValidationError({"username": _("用户 %(u)s 不是外部系统账号") % {"u": username}})
    client, _created = ApiClient.objects.update_or_create(
        user=user, defaults={"kind": kind, "scopes": scopes, "organisation_code": organisation_code}
    )
    if demo_key:
        ApiToken.objects.get_or_create(
            digest=ApiToken.hash(demo_key), defaults={"client": client, "prefix": demo_key[:8]}
        )
    return client


@transaction.atomic
def revoke_tokens(*, clients) -> int:
    """Revoke every live token of the given API clients; returns how many were revoked."""
    return ApiToken.objects.filter(client__in=clients, revoked__isnull=True).update(revoked=timezone.now())


@transaction.atomic
def ensure_clerk(*, username: str, password: str, groups=(), superuser: bool = False, **names) -> User:
    """A clerk (staff) user in the given groups; the password is set only when created."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": User.Role.CLERK, "is_staff": True, "is_superuser": superuser, **names},
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    return user
