"""Settings come from the environment: the embedded default and a production environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "REDIS_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DB_PREPARE_THRESHOLD",
}
PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "debug": s.DEBUG, "hosts": s.ALLOWED_HOSTS, "engine": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]), "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL, "backend": s.CELERY_RESULT_BACKEND,
    "cache": s.CACHES["default"]["BACKEND"], "language": s.LANGUAGE_CODE, "tz": s.TIME_ZONE,
    "use_tz": s.USE_TZ, "languages": [code for code, _ in s.LANGUAGES],
    "ssl_redirect": getattr(s, "SECURE_SSL_REDIRECT", False),
    "db_options": s.DATABASES["default"].get("OPTIONS", {}),
}))
"""


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_sqlite_eager_locmem_chinese():
    s = settings_with()
    assert s["debug"] is True
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["db_name"] == str(ROOT / "db.sqlite3")
    assert s["eager"] is True and s["broker"] == ""
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert (s["language"], s["tz"], s["use_tz"]) == ("zh-hans", "Asia/Shanghai", True)
    assert s["languages"] == ["zh-hans", "en"]


def test_production_environment_postgres_redis_broker_and_cache():
    s = settings_with(
        DEBUG="0",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="medsec.example.org, www.medsec.example.org",
        DATABASE_URL="postgres://medsec:pw@db.internal:5432/medsec",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        REDIS_URL="redis://redis.internal:6379/1",
    )
    assert s["debug"] is False
    assert s["hosts"] == ["medsec.example.org", "www.medsec.example.org"]
    assert s["engine"] == "django.db.backends.postgresql" and s["db_name"] == "medsec"
    assert s["eager"] is False
    assert s["broker"] == s["backend"] == "redis://redis.internal:6379/0"
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["ssl_redirect"] is True
    # statements bound and prepared by the server (the settlement's fixed SQL is planned once)
    assert s["db_options"] == {"server_side_binding": True, "prepare_threshold": 5}


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    database = "postgres://medsec:pw@db.internal:5432/medsec"
    assert settings_with(DATABASE_URL=database, DB_PREPARE_THRESHOLD="off")["db_options"] == {
        "server_side_binding": True,
        "prepare_threshold": None,
    }
    assert (
        settings_with(DATABASE_URL=database, DB_PREPARE_THRESHOLD="1")["db_options"]["prepare_threshold"] == 1
    )
