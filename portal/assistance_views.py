"""The insured person's assistance pages: my assistance this year and what is left under the caps,
my special-assistance applications (apply with files, see the decision). Own rows only."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from assistance import selectors as assistance_selectors
from assistance import services as assistance_services
from assistance.forms import SpecialApplicationForm, add_service_error
from assistance.models import AssistancePosting, CaseAttachment, SpecialCase

from .views import insured_page


@insured_page
def assistance(request, person):
    today = timezone.localdate()
    on = today
    year = request.GET.get("year", "")
    if year.isdigit() and 2000 <= int(year) < today.year:
        on = dt.date(int(year), 12, 31)  # an earlier year, as it ended
    summary = assistance_selectors.year_summary(person=person, on=on)
    context = {
        "nav": "assistance",
        "person": person,
        "summary": summary,
        "postings": AssistancePosting.objects.filter(person=person, year_key=summary.year_key).order_by(
            "-posted_on", "-id"
        ),
        "cases": assistance_selectors.cases_of(person=person),
    }
    return render(request, "portal/assistance.html", context)


@insured_page
def assistance_apply(request, person):
    form = SpecialApplicationForm(request.POST or None, request.FILES or None, portal=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = assistance_services.apply_special(
                person=person,
                reason=data["reason"],
                amount=data["amount"],
                files=data["attachments"],
                user=request.user,
                applicant=SpecialCase.Applicant.PORTAL,
            )
        except assistance_services.AssistanceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "特殊救助申请已提交，请等待审核。")
            return redirect("portal:assistance_case", case.pk)
    return render(request, "portal/assistance_apply.html", {"nav": "assistance", "form": form})


@insured_page
def assistance_case(request, person, pk):
    case = get_object_or_404(SpecialCase, pk=pk, person=person)
    return render(request, "portal/assistance_case.html", {"nav": "assistance", "case": case})


@insured_page
def assistance_attachment(request, person, pk):
    attachment = get_object_or_404(CaseAttachment, pk=pk, case__person=person)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(handle, content_type=attachment.content_type, filename=attachment.name)
