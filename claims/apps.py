from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "claims"
    verbose_name = "医疗费结算"

    def ready(self):
        # accounts (below claims) reads the year's deductible paid through this, never claims' tables
        from accounts.services import provide_deductible_paid

        from .selectors import outpatient_deductible_paid

        provide_deductible_paid(outpatient_deductible_paid)
