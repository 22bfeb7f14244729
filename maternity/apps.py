from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaternityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "maternity"
    verbose_name = _("生育保险")
