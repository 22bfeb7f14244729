from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = _("医疗费结算")

    def ready(self):
        # accounts (below claims) reads the year's deductible paid through this, never claims' tables
        from accounts.services import provide_deductible_paid

        from .selectors import outpatient_deductible_paid

        provide_deductible_paid(outpatient_deductible_paid)
