"""The child process of a parallel simulation: a fresh interpreter (spawned, not forked).

Nothing of Django is imported at module level: the child reads the parent's settings module,
takes the parent's database settings (a test database's name included) before Django is set
up, then replays the parts it takes with its own connection. A spawned child inherits no socket, thread
or open connection of the parent (a forked one would share them).
"""

from __future__ import annotations

import os


def work(
    settings_module: str, databases: dict, region: str, year: int, draft: list, parts: int, tasks, out
) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django
    from django.conf import settings

    for alias, values in databases.items():  # before any connection is made
        settings.DATABASES[alias] = values
    django.setup()
    from .run import replay_in_child

    replay_in_child(region, year, draft, parts, tasks, out)
