from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("个人账户")

    def ready(self):
        # an employee enrolment opens the account in its own transaction (art. 22(3))
        from enrollment import account_opening

        from .services import open_for_enrolment

        account_opening.provide(open_for_enrolment)
        # the contributions admin starts the arrears check as this app's batch job (a Celery task)
        from contributions.services import arrears

        from . import tasks

        arrears.provide_batch_job(lambda on: tasks.arrears_check.delay(on.isoformat()))
