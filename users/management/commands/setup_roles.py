from django.core.management.base import BaseCommand

from users.services import setup_roles


class Command(BaseCommand):
    help = "Create or refresh the clerk groups 柜员/审核/管理 and their permissions (idempotent; re-run after migrate)."

    def handle(self, *args, **options):
        for name, count in setup_roles().items():
            self.stdout.write(f"{name}: {count} permissions")
