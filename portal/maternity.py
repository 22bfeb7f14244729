"""The insured person's maternity page: her allowance applications, decisions (letter PDF) and payments;
a flexible worker whose region lets her apply herself (舟山 art. 46, 48, 52) applies here."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from maternity import selectors, services
from maternity.assessment import MaternityError
from maternity.models import Application, EventKind

from .views import insured_page

SELF_EVENTS = [
    (kind.value, kind.label)
    for kind in (EventKind.BIRTH, EventKind.MISCARRIAGE_BEFORE_4_MONTHS, EventKind.MISCARRIAGE_FROM_4_MONTHS)
]


class SelfApplicationForm(forms.Form):
    event_kind = forms.ChoiceField(label=_("事件"), choices=SELF_EVENTS)
    event_date = forms.DateField(label=_("生育/流产日期"), widget=forms.DateInput(attrs={"type": "date"}))
    babies = forms.IntegerField(label=_("婴儿数"), min_value=1, max_value=10, initial=1)
    difficult_birth = forms.BooleanField(label=_("难产（剖宫产、助娩产）"), required=False)
    child_order = forms.IntegerField(label=_("孩次"), min_value=1, max_value=10, initial=1)
    pregnancy_months = forms.IntegerField(
        label=_("怀孕月数（流产时填写）"), min_value=0, max_value=10, required=False
    )


@insured_page
def maternity(request, person):
    today = timezone.localdate()
    may_apply = selectors.may_apply_herself(person=person, on=today)
    form = SelfApplicationForm(request.POST or None) if may_apply else None
    status = 200
    if request.method == "POST" and form is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                application, _created = services.submit(
                    person=person,
                    employer=None,
                    event_kind=data["event_kind"],
                    event_date=data["event_date"],
                    babies=data["babies"],
                    difficult_birth=data["difficult_birth"],
                    child_order=data["child_order"],
                    pregnancy_months=data.get("pregnancy_months"),
                    source=Application.Source.PORTAL,
                    user=request.user,
                )
            except MaternityError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("申请已提交，等待经办机构审核。"))
                return redirect("portal:maternity")
        status = 400
    context = {
        "nav": "maternity",
        "person": person,
        "applications": selectors.applications_of(person=person),
        "payments": selectors.payments_of(person=person),
        "lump_sums": selectors.lump_sums_of(person=person),
        "form": form,
    }
    return render(request, "portal/maternity.html", context, status=status)
