from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "policy"
    verbose_name = _("政策参数")

    def ready(self) -> None:
        """Let `policy.parameters` see the agency's overrides (read lazily, cached) and the illustrative setting."""
        from django.conf import settings
        from django.db.models.signals import post_delete, post_migrate, post_save

        from policy.models import (
            ParameterOverride,
            clear_override_cache,
            override_provider,
            overrides_changed,
        )
        from policy.parameters import set_illustrative_default, set_override_provider

        set_override_provider(override_provider)
        set_illustrative_default(getattr(settings, "POLICY_ILLUSTRATIVE", False))
        post_save.connect(overrides_changed, sender=ParameterOverride, dispatch_uid="policy_override_saved")
        post_delete.connect(
            overrides_changed, sender=ParameterOverride, dispatch_uid="policy_override_deleted"
        )
        # a test flush (TransactionTestCase) empties the table without signals, then emits post_migrate
        post_migrate.connect(clear_override_cache, dispatch_uid="policy_override_flushed")
