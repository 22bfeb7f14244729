"""`manage.py load_demo`: the clerk groups, a demo superuser, then each app's demo data.

Idempotent: every step uses natural keys (get_or_create / update_or_create), so a
second run neither fails nor duplicates. An app without a `demo` module is skipped;
an error inside one fails the command.
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from users.services import ADMINISTRATION, ensure_clerk, setup_roles

# Dependency order of the apps (DESIGN.md): each demo may use what the earlier ones made.
DEMO_APPS = [
    "users",
    "policy",
    "enrollment",
    "contributions",
    "accounts",
    "claims",
    "institutions",
    "assistance",
    "maternity",
    # persons the later demos enrolled (maternity) get their arrears check and account now, so a
    # second load finds nothing left to do; the funds post everything last
    "contributions",
    "accounts",
    "funds",
]

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-pass-2024"


def demo_module(app_label: str):
    """The app's `demo` module, or None when the app has none (an import error inside it propagates)."""
    name = f"{app_label}.demo"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the URLs and demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1:8000", help="host:port printed in the URLs")

    def handle(self, *args, host, **options):
        counts = setup_roles()
        self.stdout.write(
            "clerk groups: " + ", ".join(f"{name} ({n} permissions)" for name, n in counts.items())
        )
        ensure_clerk(
            username=ADMIN_USERNAME, password=ADMIN_PASSWORD, groups=[ADMINISTRATION], superuser=True
        )
        for app_label in DEMO_APPS:
            module = demo_module(app_label)
            if module is None:
                self.stdout.write(f"{app_label}: no demo data")
                continue
            with transaction.atomic():
                module.load(self.stdout)
        base = f"http://{host}"
        self.stdout.write(
            self.style.SUCCESS("\nDemo ready.")
            + f"""
  管理系统 (clerks)      {base}/admin/
  参保人自助 (portal)    {base}/
  API 文档 (OpenAPI)     {base}/api/docs/      schema: {base}/api/schema/
  健康检查 (healthz)     {base}/healthz

Demo logins:
  clerk (superuser)       {ADMIN_USERNAME} / {ADMIN_PASSWORD}        {base}/admin/
  clerks 柜员/审核/管理    guiyuan, shenhe, guanli / demo-pass-2024
  insured person          zhangsan / demo-pass-2024            {base}/
API tokens (Authorization: Bearer <token>):
  institution             demo-institution-token-2024
  tax bureau              demo-tax-bureau-token-2024
  civil affairs           demo-civil-affairs-token-2024
  employer                demo-employer-token-2024
"""
        )
