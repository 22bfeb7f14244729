from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .models import ApiClient, ApiToken, User
from .services import revoke_tokens

# Fields that make or break a clerk's powers: only a superuser sets them (docs/security.md).
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions", "role")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users. A clerk who is not a superuser (the 管理 group) may keep insured persons' and API
    clients' accounts (name, e-mail, active), but never grants superuser or staff status, groups,
    permissions or a role, never touches another clerk's or a superuser's account, and never sets
    another user's password."""

    list_display = ("username", "role", "is_staff", "is_active", "last_login")
    list_filter = ("role", "is_staff", "is_active", "groups")
    fieldsets = BaseUserAdmin.fieldsets + ((_("角色"), {"fields": ("role",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("角色"), {"fields": ("role",)}),)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += PRIVILEGE_FIELDS if obj is not None else ()
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and not request.user.is_superuser:
            # a new account made by a non-superuser is an insured person's (the role's default
            # would be a clerk); staff status, groups and permissions are not on the add form
            return tuple(
                (name, {**options, "fields": tuple(f for f in options["fields"] if f != "role")})
                for name, options in fieldsets
            )
        return fieldsets

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            if not change:
                obj.role = User.Role.INSURED
                obj.is_staff = obj.is_superuser = False
            elif obj.pk:
                stored = User.objects.get(pk=obj.pk)
                for field in ("is_superuser", "is_staff", "role"):
                    setattr(obj, field, getattr(stored, field))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not request.user.is_superuser:
            form.cleaned_data.pop("groups", None)
            form.cleaned_data.pop("user_permissions", None)
        super().save_related(request, form, formsets, change)

    def _guards_clerk(self, request, obj) -> bool:
        """True when obj is a superuser's or another clerk's account and the requester is no superuser."""
        return bool(
            obj is not None
            and not request.user.is_superuser
            and obj.pk != request.user.pk
            and (obj.is_superuser or obj.is_staff or obj.role == User.Role.CLERK)
        )

    def has_change_permission(self, request, obj=None):
        if self._guards_clerk(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._guards_clerk(request, obj) or (obj is not None and obj.pk == request.user.pk):
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Setting a password is taking the account over: only a superuser sets another's.
        # (Clerks change their own at /admin/password_change/, which asks for the old one.)
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


class ApiTokenInline(admin.TabularInline):
    model = ApiToken
    fields = ("prefix", "created", "revoked")
    readonly_fields = ("prefix", "created")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "organisation_code", "scopes")
    list_filter = ("kind",)
    search_fields = ("user__username", "organisation_code")
    inlines = [ApiTokenInline]
    actions = ["issue_token", "revoke_tokens"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # a token acts as this user: never a clerk's or a superuser's account
            kwargs["queryset"] = User.objects.filter(
                role=User.Role.API_CLIENT, is_superuser=False, is_staff=False
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.action(description=_("签发新令牌（只显示一次）"))
    def issue_token(self, request, queryset):
        for client in queryset:
            _token, key = ApiToken.issue(client)
            self.message_user(request, f"{client}: {key}", messages.WARNING)

    @admin.action(description=_("吊销全部令牌"))
    def revoke_tokens(self, request, queryset):
        count = revoke_tokens(clients=queryset)
        self.message_user(request, _("已吊销 %(n)d 个令牌") % {"n": count}, messages.SUCCESS)
