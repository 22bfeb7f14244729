"""The admin app with the clerks-only site (`config.admin_site.MedsecAdminSite`) as `admin.site`.

Kept apart from the site itself: this module is imported while the app registry is
still loading, so it must not import models or forms.
"""

from django.contrib.admin.apps import AdminConfig


class MedsecAdminConfig(AdminConfig):
    default_site = "config.admin_site.MedsecAdminSite"
