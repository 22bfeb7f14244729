"""Celery: `config.ping` eagerly in process (the default, no broker) and through a real Redis
broker to a worker this test starts and stops."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from config.celery import app as celery_app
from config.celery import ping
from tests.conftest import TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "default,batch,statements"


def test_no_broker_means_eager_and_ping_runs_in_process(monkeypatch):
    if not os.environ.get("CELERY_BROKER_URL"):
        assert settings.CELERY_BROKER_URL == ""
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    result = ping.delay("回声")
    assert result.successful()
    assert result.get() == {"pong": "回声"}


def test_task_routes_name_the_three_queues():
    queues = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert queues | {settings.CELERY_TASK_DEFAULT_QUEUE} == {"default", "batch", "statements"}


@pytest.fixture
def redis_worker():
    """A `celery -A config worker` on TEST_REDIS_URL; terminated and waited for, whatever happens."""
    env = {
        **os.environ,
        "CELERY_BROKER_URL": TEST_REDIS_URL,
        "CELERY_RESULT_BACKEND": TEST_REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    log = open(ROOT / f".pytest-worker-{os.getpid()}.log", "w+")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            QUEUES,
            "-n",
            f"pingtest-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield worker, log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
        os.unlink(log.name)


@pytest.mark.redis
def test_ping_round_trip_through_redis_broker_and_worker(redis_worker):
    worker, log = redis_worker
    producer = Celery("ping-probe", broker=TEST_REDIS_URL, backend=TEST_REDIS_URL)
    started = time.monotonic()
    result = producer.send_task("config.ping", args=["往返"], queue="default")
    try:
        value = result.get(timeout=90)
    except Exception:
        log.seek(0)
        pytest.fail(f"no answer from the worker (exit code {worker.poll()}):\n{log.read()[-3000:]}")
    assert value == {"pong": "往返"}
    assert worker.poll() is None, "the worker is still running until the fixture stops it"
    assert time.monotonic() - started < 90
