from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContributionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contributions"
    verbose_name = _("医保缴费")

    def ready(self):
        # enrollment (below) asks paid months through its paid_months module; we answer
        from enrollment import paid_months

        from .selectors import arrears_months, contribution_months

        paid_months.provide(
            local_actual_months=lambda person, until: (
                contribution_months(person=person, until=until).local_actual
            ),
            arrears_months=lambda enrolment, until: arrears_months(enrolment=enrolment, until=until),
        )
        # benefit status (enrollment, a lower app) is derived from the payments recorded here
        from enrollment import payments

        from .selectors import payments_by_person, payments_column, payments_from_column

        payments.register(payments_by_person, column=payments_column, from_column=payments_from_column)
