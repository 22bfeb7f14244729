from django.apps import AppConfig


class FundsConfig(AppConfig):
    """Chapter 10: fund books per fund and district, the year's accounts, deficits, reports, simulation."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "funds"
    verbose_name = "基金管理"
