"""Who logs in: clerks (经办人员), insured persons (参保人) and API clients (外部系统).

The role is fixed when the user is created and decides where the user may go:
clerks the admin, insured persons the portal, API clients the REST API with the
scopes of their token. The checks live in `users/permissions.py`, one per role.
"""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Role(models.TextChoices):
        CLERK = "clerk", _("经办人员")
        INSURED = "insured", _("参保人")
        API_CLIENT = "api_client", _("外部系统")

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.CLERK)

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def is_clerk(self) -> bool:
        return self.role == self.Role.CLERK and self.is_staff and self.is_active

    @property
    def is_insured(self) -> bool:
        return self.role == self.Role.INSURED and self.is_active

    @property
    def is_api_client(self) -> bool:
        return self.role == self.Role.API_CLIENT and self.is_active


class ApiClient(models.Model):
    """An external system: an institution, the tax bureau, civil affairs, an employer.

    `organisation_code` names the organisation the client acts for: an institution's
    code (定点医药机构编码), an employer's unified social credit code. Apps resolve it;
    a client only ever acts for its own organisation.
    """

    class Kind(models.TextChoices):
        INSTITUTION = "institution", _("定点医药机构")
        TAX_BUREAU = "tax_bureau", _("税务部门")
        CIVIL_AFFAIRS = "civil_affairs", _("民政/残联部门")
        EMPLOYER = "employer", _("用人单位")

    # Scopes a kind may hold; a token never carries more than its kind allows.
    KIND_SCOPES = {
        Kind.INSTITUTION: {"trial_settlement", "settlement"},
        Kind.TAX_BUREAU: {"contributions"},
        Kind.CIVIL_AFFAIRS: {"certificates"},
        Kind.EMPLOYER: {"maternity", "trial_settlement"},
    }

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="api_client")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    organisation_code = models.CharField(_("机构/单位编码"), max_length=32, blank=True)
    scopes = models.JSONField(_("权限范围"), default=list)

    class Meta:
        verbose_name = _("外部系统")
        verbose_name_plural = _("外部系统")

    def __str__(self):
        return f"{self.get_kind_display()} {self.organisation_code or self.user.username}"

    def clean(self):
        from .services import validate_scopes

        self.scopes = validate_scopes(kind=self.kind, scopes=self.scopes or [])

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes and scope in self.KIND_SCOPES.get(self.kind, set())


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the key is shown once, at issue."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created = models.DateTimeField(_("签发时间"), default=timezone.now)
    revoked = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("访问令牌")
        verbose_name_plural = _("访问令牌")

    def __str__(self):
        return f"{self.prefix}…"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, client: "ApiClient") -> tuple["ApiToken", str]:
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(client=client, prefix=key[:8], digest=cls.hash(key))
        return token, key
