from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    """Chapter 9: agreements and sanctions, DRG tables and budgets, monthly clearing, supervision."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "institutions"
    verbose_name = "定点机构管理"
