"""The account's life in the admin (art. 26): transfer in, transfer out, clearing, death, inheritance.

Each action is a page on the account: the clerk fills the form, sees the amounts the service
would write (`services.life.preview`, nothing written), confirms (`perform`, refused if the
amounts moved since), and prints the receipt (`accounts.receipts`). Who may: the permissions
`accounts.transferin_account` and `accounts.close_account` (`users.services.ROLE_PERMISSIONS`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .forms import FORMS
from .models import Account
from .receipts import NoSuchReceipt, receipts_of, render_pdf
from .services import life


class AccountLifeAdminMixin:
    """Adds the action pages, the receipt PDF and the buttons on the account's change page."""

    change_form_template = "admin/accounts/account/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/life/<str:action>/", view(self.life_view), name="accounts_account_life"),
            path(
                "<int:pk>/receipt/<str:receipt>.pdf", view(self.receipt_view), name="accounts_account_receipt"
            ),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        account = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if account is not None:
            extra_context["life_actions"] = [
                (action.label, reverse("admin:accounts_account_life", args=[account.pk, action.key]))
                for action in life.actions_for(account, request.user)
            ]
            extra_context["receipts"] = [
                (number, label, reverse("admin:accounts_account_receipt", args=[account.pk, number]))
                for number, label in receipts_of(account)
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def life_view(self, request, pk: int, action: str):
        if action not in life.ACTIONS:
            raise Http404
        spec = life.ACTIONS[action]
        if not request.user.has_perm(spec.permission):
            raise PermissionDenied
        account = get_object_or_404(Account.objects.select_related("person"), pk=pk)
        form_class = FORMS[action]
        if request.method != "POST":
            form = form_class(initial={"on": timezone.localdate()})
            return self._life_page(request, account, spec, form)
        form = form_class(request.POST)
        if not form.is_valid():
            return self._life_page(request, account, spec, form, status=400)
        data = form.cleaned_data
        try:
            if "_confirm" in request.POST and request.POST.get("digest"):  # confirmed amounts, never blind
                outcome = life.perform(
                    action=action,
                    account=account,
                    data=data,
                    user=request.user,
                    confirmed=request.POST.get("digest", ""),
                )
            else:
                outcome = life.preview(action=action, account=account, data=data, user=request.user)
                return self._life_page(request, account, spec, form, outcome=outcome)
        except life.ChangedSincePreview as error:
            outcome = life.preview(action=action, account=account, data=data, user=request.user)
            return self._life_page(request, account, spec, form, outcome=outcome, status=409, error=error)
        except ValidationError as error:
            _add_errors(form, error)
            return self._life_page(request, account, spec, form, status=400)
        url = reverse("admin:accounts_account_receipt", args=[account.pk, outcome.receipt])
        self.message_user(
            request,
            format_html(
                '{}：{} <a href="{}">{}</a>',
                _("已办理%(action)s") % {"action": spec.label},
                _("回执号 %(receipt)s") % {"receipt": outcome.receipt},
                url,
                _("打印回执（PDF）"),
            ),
            messages.SUCCESS,
        )
        return redirect("admin:accounts_account_change", account.pk)

    def _life_page(self, request, account, spec, form, *, outcome=None, status=200, error=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(action)s：%(person)s") % {"action": spec.label, "person": account.person},
            "opts": Account._meta,
            "original": account,
            "account": account,
            "action": spec,
            "form": form,
            "outcome": outcome,
            "changed_error": error,
        }
        return TemplateResponse(request, "admin/accounts/account/life_action.html", context, status=status)

    def receipt_view(self, request, pk: int, receipt: str):
        if not request.user.has_perm("accounts.view_account"):
            raise PermissionDenied
        account = get_object_or_404(Account.objects.select_related("person"), pk=pk)
        try:
            pdf = render_pdf(account, receipt)
        except NoSuchReceipt:
            raise Http404(_("没有这张回执"))
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="receipt-{receipt}.pdf"'
        return response


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, error)
