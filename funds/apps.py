from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    """Chapter 10: fund books per fund and district, the year's accounts, deficits, reports, simulation."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "funds"
    verbose_name = _("基金管理")
