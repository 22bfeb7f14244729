from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiClient, ApiToken, User
from .services import revoke_tokens


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "is_staff", "is_active", "last_login")
    list_filter = ("role", "is_staff", "is_active", "groups")
    fieldsets = BaseUserAdmin.fieldsets + ((_("角色"), {"fields": ("role",)}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("角色"), {"fields": ("role",)}),)


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

    @admin.action(description=_("签发新令牌（只显示一次）"))
    def issue_token(self, request, queryset):
        for client in queryset:
            _token, key = ApiToken.issue(client)
            self.message_user(request, f"{client}: {key}", messages.WARNING)

    @admin.action(description=_("吊销全部令牌"))
    def revoke_tokens(self, request, queryset):
        count = revoke_tokens(clients=queryset)
        self.message_user(request, _("已吊销 %(n)d 个令牌") % {"n": count}, messages.SUCCESS)
