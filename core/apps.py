from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: identity checks, bulk intake, admin bases, dates, fast-path rows, fund books."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "公共组件"
