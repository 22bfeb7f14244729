"""The insured person's pages. Every view here reads only the logged-in person's own data."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from users.permissions import is_clerk, is_insured


@login_required
def home(request):
    if is_clerk(request.user):
        return redirect("admin:index")
    if not is_insured(request.user):
        raise PermissionDenied("仅限参保人使用。")
    return render(request, "portal/home.html", {"person": getattr(request.user, "person", None)})
