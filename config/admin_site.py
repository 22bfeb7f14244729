"""The admin site: clerks only.

Django's own check is `is_active and is_staff`. Here an insured person or an API client
is refused even if someone ticks "staff status" for them: the role decides, in
`users.permissions.is_clerk`, both at login and on every admin page.
"""

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _

from users.permissions import is_clerk


class ClerkAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "not_clerk": _("此账号不是经办人员账号，不能登录管理系统。参保人请使用自助服务页面。"),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_clerk(user):
            raise forms.ValidationError(self.error_messages["not_clerk"], code="not_clerk")


class MedsecAdminSite(AdminSite):
    site_header = _("医保经办管理系统")
    site_title = _("医保经办")
    index_title = _("经办业务")
    login_form = ClerkAuthenticationForm

    def has_permission(self, request):
        return is_clerk(request.user)

    def index(self, request, extra_context=None):
        """The clerk's start page: their queue, running and failed batch jobs, today's settlements."""
        from .dashboard import dashboard

        extra_context = {**(extra_context or {}), "dashboard": dashboard(request.user)}
        return super().index(request, extra_context)
