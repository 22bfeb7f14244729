from django.apps import AppConfig


class MaternityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "maternity"
    verbose_name = "生育保险"
