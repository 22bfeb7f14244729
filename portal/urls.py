from django.contrib.auth import views as auth_views
from django.urls import path

from . import assistance_views, maternity, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("contributions/", views.contributions, name="contributions"),
    path("account/", views.account, name="account"),
    path("settlements/", views.settlements, name="settlements"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement"),
    path("estimate/", views.estimate, name="estimate"),
    path("mutual-aid/", views.mutual_aid, name="mutual_aid"),
    path("mutual-aid/<int:pk>/revoke/", views.revoke_mutual_aid, name="revoke_mutual_aid"),
    path("maternity/", maternity.maternity, name="maternity"),
    path("assistance/", assistance_views.assistance, name="assistance"),
    path("assistance/apply/", assistance_views.assistance_apply, name="assistance_apply"),
    path("assistance/cases/<int:pk>/", assistance_views.assistance_case, name="assistance_case"),
    path("assistance/files/<int:pk>/", assistance_views.assistance_attachment, name="assistance_attachment"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="portal/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
