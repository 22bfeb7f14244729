"""Print the role matrix: per clerk group what it may do in the admin, per API route who may call it."""

from django.core.management.base import BaseCommand

from users.matrix import ACTIONS, admin_matrix, admin_models, api_access, api_routes
from users.services import ROLE_PERMISSIONS


class Command(BaseCommand):
    help = "Print the role matrix (admin per clerk group; API per route and scope)."

    def handle(self, *args, **options):
        matrix = admin_matrix()
        groups = list(ROLE_PERMISSIONS)
        self.stdout.write("admin model\t" + "\t".join(groups) + "\t(v=view a=add c=change d=delete)")
        for app, model, _admin in admin_models():
            cells = [
                "".join(action[0] if matrix[(group, app, model, action)] else "-" for action in ACTIONS)
                for group in groups
            ]
            self.stdout.write(f"{app}.{model}\t" + "\t".join(cells))
        self.stdout.write("\nAPI route\tmethod\tscopes (clerks: every route)")
        for route, view_class, methods in api_routes():
            for method in methods:
                scopes = api_access(view_class, method)
                self.stdout.write(
                    f"/{route}\t{method}\t{', '.join(sorted(scopes)) if scopes else 'clerks only'}"
                )
