from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    """Chapter 9: agreements and sanctions, DRG tables and budgets, monthly clearing, supervision."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "institutions"
    verbose_name = _("定点机构管理")

    def ready(self):
        from claims.signals import settlement_committed

        from .supervision import on_settlement_committed

        settlement_committed.connect(on_settlement_committed, dispatch_uid="institutions.supervision")
