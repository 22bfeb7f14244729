from django.apps import AppConfig


class UsersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "users"
    verbose_name = "用户与权限"

    def ready(self):
        from . import schema  # noqa: F401 - registers the token scheme with drf-spectacular
