"""The insured person's pages. Every view here reads only the logged-in person's own data.

Each view is wrapped by `insured_page`: login required; a clerk is sent to the admin; any
other role (an API client) gets 403; the person is `request.user.person` and every object
id in a URL is looked up among that person's own rows (404 otherwise).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Account
from enrollment.models import Category, CertificateKind, Scheme
from policy.regions import article
from policy.wording import cited, translated
from users.permissions import is_clerk, is_insured

from . import selectors
from .forms import EstimateForm, MutualAidForm


def insured_page(view):
    """Login + role check + the person; passes `person` to the view."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_clerk(request.user):
            return redirect("admin:index")
        if not is_insured(request.user):
            raise PermissionDenied(_("仅限参保人使用。"))
        person = getattr(request.user, "person", None)
        if person is None:
            return render(request, "portal/no_person.html", {"nav": ""}, status=200)
        return view(request, person, *args, **kwargs)

    return wrapper


def _label(choices, value) -> str:
    if not value:
        return ""
    try:
        return choices(value).label
    except ValueError:
        return value


def _status_context(status) -> dict:
    return {
        "status": status,
        "scheme_label": _label(Scheme, status.scheme),
        "category_label": _label(Category, status.enrolment_category),
        "certificate_label": _label(CertificateKind, status.certificate),
    }


@insured_page
def home(request, person):
    today = timezone.localdate()
    overview = selectors.overview(person=person, on=today)
    context = {
        "nav": "home",
        "person": person,
        "overview": overview,
        "recent_settlements": selectors.settlements(person=person)[:3],
        **_status_context(overview.status),
    }
    return render(request, "portal/home.html", context)


@insured_page
def contributions(request, person):
    from contributions.selectors import contribution_months

    records = selectors.employee_contributions(person=person)
    context = {
        "nav": "contributions",
        "person": person,
        "records": records,
        "resident_payments": selectors.resident_payments(person=person),
        "totals": selectors.contribution_totals(person=person),
        "months": contribution_months(person=person),
        "years_articles": selectors.contribution_years_articles(person=person),
    }
    return render(request, "portal/contributions.html", context)


@insured_page
def account(request, person):
    years = selectors.ledger_years(person=person)
    year = request.GET.get("year")
    try:
        year = int(year) if year else None
    except ValueError:
        year = None
    if year is not None and year not in years:
        year = None
    overview = selectors.overview(person=person, on=timezone.localdate())
    account_row = Account.objects.filter(person=person).first()
    context = {
        "nav": "account",
        "person": person,
        "overview": overview,
        "account": account_row,
        "entries": Paginator(selectors.ledger(person=person, year=year), 100).get_page(
            request.GET.get("page")
        ),
        "years": years,
        "year": year,
    }
    return render(request, "portal/account.html", context)


@insured_page
def settlements(request, person):
    page = Paginator(selectors.settlements(person=person), 50).get_page(request.GET.get("page"))
    context = {"nav": "settlements", "person": person, "settlements": page}
    return render(request, "portal/settlements.html", context)


@insured_page
def settlement_detail(request, person, pk: int):
    settlement = selectors.settlement_of(person=person, pk=pk)
    if settlement is None:
        raise Http404
    from claims.statements import components_of

    components = components_of(settlement)
    context = {
        "nav": "settlements",
        "person": person,
        "settlement": settlement,
        "components": components,
        "lines": settlement.lines.all(),
    }
    return render(request, "portal/settlement_detail.html", context)


@insured_page
def estimate(request, person):
    from claims.services import ClaimError

    today = timezone.localdate()
    overview = selectors.overview(person=person, on=today)
    result = None
    if request.method == "POST":
        form = EstimateForm(request.POST, status=overview.status)
        if form.is_valid():
            try:
                result = selectors.estimate(person=person, data=form.cleaned_data)
            except ClaimError as error:
                field = error.field_name if error.field_name in form.fields else None
                form.add_error(field, translated(error.messages[0]))
    else:
        form = EstimateForm(status=overview.status)
    context = {
        "nav": "estimate",
        "person": person,
        "overview": overview,
        "form": form,
        "result": result,
        **_status_context(overview.status),
    }
    return render(request, "portal/estimate.html", context)


@insured_page
def mutual_aid(request, person):
    from accounts.services import grant_mutual_aid

    form = MutualAidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        relative = selectors.relative_by_identity(
            name=form.cleaned_data["name"], id_number=form.cleaned_data["id_number"]
        )
        if relative is None:
            form.add_error(None, not_granted_text(person))
        else:
            try:
                grant_mutual_aid(
                    holder=person,
                    relative=relative,
                    relation=form.cleaned_data["relation"],
                    granted_by=request.user,
                    on=timezone.localdate(),
                    channel="portal",
                )
            except ValidationError as error:
                if "relative" in getattr(error, "error_dict", {}):
                    # the same answer whether the pair exists, is insured or is related: no oracle
                    form.add_error(None, not_granted_text(person))
                else:
                    _report(form, error)
            else:
                messages.success(
                    request,
                    _("已授权 %(name)s（%(id)s）使用您的个人账户历年资金")
                    % {"name": relative.name, "id": relative.masked_id_number},
                )
                return redirect("portal:mutual_aid")
    context = {
        "nav": "mutual_aid",
        "person": person,
        "form": form,
        "given": selectors.grants_given(person=person),
        "received": selectors.grants_received(person=person),
        "paid_out": selectors.mutual_aid_paid_out(person=person)[:50],
        "paid_in": selectors.mutual_aid_received(person=person)[:50],
    }
    return render(request, "portal/mutual_aid.html", context, status=400 if form.errors else 200)


def not_granted_text(person) -> str:
    """One refusal for every reason that would tell whether a name and ID number belong to an insured relative."""
    return _(
        "未能办理共济授权。共济仅限已在经办机构登记家庭关系、且参加本省基本医疗保险的配偶、子女或父母"
        "（%(article)s）。请核对姓名、证件号码和关系；家庭关系尚未登记的，请携户口簿或关系证明到经办窗口办理。"
    ) % {"article": cited(article(person.region, "account.mutual_aid"))}


FIELD_OF_SERVICE_ERROR = {"relative": "id_number", "relation": "relation"}


def _report(form, error: ValidationError) -> None:
    """Put a service's field errors on the form's fields (the rest on the form)."""
    if hasattr(error, "error_dict"):
        for key, items in error.message_dict.items():
            for message in items:
                form.add_error(FIELD_OF_SERVICE_ERROR.get(key), translated(message))
    else:
        for message in error.messages:
            form.add_error(None, translated(message))


@require_POST
@insured_page
def revoke_mutual_aid(request, person, pk: int):
    from accounts.services import revoke_mutual_aid as revoke

    grant = selectors.grant_of(person=person, pk=pk)
    if grant is None:
        raise Http404
    revoke(grant=grant, revoked_by=request.user, on=timezone.localdate())
    messages.success(
        request,
        _("已撤销对 %(name)s（%(id)s）的共济授权")
        % {"name": grant.relative.name, "id": grant.relative.masked_id_number},
    )
    return redirect("portal:mutual_aid")
