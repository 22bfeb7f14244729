"""pytest plugin of `make test-fast` (the inner loop): pure tests only, few Hypothesis examples.

Deselects every test that needs a database (marker `django_db` or a database fixture), and
with it the demo-loading, PostgreSQL, Redis and browser tests; caps each Hypothesis test at
`FAST_EXAMPLES` examples, whatever its own `@settings` say. `make test` runs everything.
"""

from __future__ import annotations

from hypothesis import settings

FAST_EXAMPLES = 10
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "client",
    "admin_client",
    "admin_user",
    "django_user_model",
    "live_server",
}
SERVICE_MARKERS = ("django_db", "postgres", "redis", "browser")


def _needs_services(item) -> bool:
    if any(item.get_closest_marker(name) for name in SERVICE_MARKERS):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    kept, dropped = [], []
    for item in items:
        (dropped if _needs_services(item) else kept).append(item)
        test = getattr(getattr(item, "obj", None), "__func__", getattr(item, "obj", None))
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if current is not None and current.max_examples > FAST_EXAMPLES:
            test._hypothesis_internal_use_settings = settings(current, max_examples=FAST_EXAMPLES)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
