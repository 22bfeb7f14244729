"""Is a test service reachable? `python scripts/services.py postgres|redis` exits 0 if so."""

import os
import sys


def postgres_up(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def redis_up(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except Exception:
        return False


if __name__ == "__main__":
    service = sys.argv[1]
    if service == "postgres":
        ok = postgres_up(os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/medsec"))
    elif service == "redis":
        ok = redis_up(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    else:
        sys.exit(f"unknown service {service}")
    sys.exit(0 if ok else 1)
