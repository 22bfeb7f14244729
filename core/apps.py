from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: identity checks, bulk intake, admin bases, dates, fast-path rows, fund books."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("公共组件")
