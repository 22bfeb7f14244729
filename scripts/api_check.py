"""The API as a client sees it (issue 11): schemathesis with every demo client, then a generated client.

    python scripts/api_check.py            # CI (`make api-check`): bounded examples, fixed seed
    python scripts/api_check.py --fuzz     # `make fuzz`: more examples, a random seed, stateful phase

Steps, each against a real server:

1. A fresh PostgreSQL database (`API_CHECK_DATABASE_URL`, default `medsec_fuzz` on the server of
   `TEST_DATABASE_URL`): migrate, `load_demo`.
2. A new token for every demo API client (hospital, pharmacy, tax bureau, civil affairs, employer).
3. gunicorn with DEBUG=0 (production settings, plain HTTP on 127.0.0.1), the schema read from
   /api/schema/ with a token (the docs need a login when DEBUG=0).
4. schemathesis over the schema once per client, on the operations its kind and scopes open
   (`users.matrix.client_may`, the role matrix). Fails on a 5xx, a status code the schema does not
   document, a body or content type that does not match it.
5. openapi-python-client generates a client from the same schema (offline: the generator and ruff
   come from the venv); every module is imported, and the hospital's token trial-settles, settles,
   reads and reverses a settlement through it (`scripts/api_client_trial.py`).

Exit status non-zero if any step fails; every client's run happens even if an earlier one failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python")
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/medsec_fuzz"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
CI_SEED = 20261201


def log(message: str) -> None:
    print(f"[api-check {time.strftime('%H:%M:%S')}] {message}", flush=True)


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    if not re.fullmatch(r"[a-z0-9_]+", name):
        sys.exit(f"database name {name!r}: lower-case letters, digits and _ only")
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="api-check-" + secrets.token_hex(24),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback, as behind the TLS proxy
        API_DOCS_PUBLIC="0",
        CELERY_BROKER_URL="",  # tasks run in process
        LOG_LEVEL="ERROR",  # a traceback, not every 4xx
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def client_plan(env: dict[str, str]) -> dict:
    """Per demo API client a fresh token and the schema operations (method, path regex) it may call;
    a demo insured person the hospital has settled for, and a bill date (for the generated client)."""
    code = r"""
import json, django
django.setup()
from users.matrix import api_routes, client_may
from users.models import ApiClient, ApiToken
routes = api_routes()
plan = []
for client in ApiClient.objects.select_related("user").order_by("user__username"):
    _token, key = ApiToken.issue(client)
    operations = [
        (method, route)
        for route, view_class, methods in routes
        for method in methods
        if client_may(client.kind, client.scopes, view_class, method)
    ]
    plan.append({"username": client.user.username, "kind": client.kind, "token": key, "operations": operations})
from claims.demo import HOSPITAL, _bill_dates
from claims.models import Settlement
person = Settlement.objects.filter(institution__code=HOSPITAL).order_by("id").values_list("person__id_number", flat=True).first()
print(json.dumps({"clients": plan, "id_number": person, "date": str(_bill_dates()[1])}))
"""
    result = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"issuing the demo clients' tokens failed:\n{result.stderr}")
    out = result.stdout
    plan = json.loads(out.strip().splitlines()[-1])
    for client in plan["clients"]:
        client["operations"] = [(method, route_pattern(route)) for method, route in client["operations"]]
    return plan


def route_pattern(route: str) -> str:
    """`api/v1/settlements/<int:pk>/` → a regex matching the schema's `/api/v1/settlements/{id}/`."""
    parts = re.split(r"<[^>]+>", route)
    return "^/" + r"\{[^}/]+\}".join(re.escape(part) for part in parts) + "$"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("gunicorn exited before answering /healthz")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not answer /healthz in time")


def fetch_schema(base: str, token: str, path: Path) -> dict:
    request = urllib.request.Request(
        base + "/api/schema/?format=json",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.oai.openapi+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        schema = json.loads(response.read())
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=1))
    return schema


def operation_ids(schema: dict, operations: list[tuple[str, str]]) -> list[str]:
    ids = []
    for path, items in schema["paths"].items():
        for method, operation in items.items():
            if any(method.upper() == m and re.match(pattern, path) for m, pattern in operations):
                ids.append(operation["operationId"])
    return ids


def run_schemathesis(
    schema_path: Path, base: str, client: dict, ids: list[str], args, report_dir: Path
) -> bool:
    command = [
        str(VENV_BIN / "schemathesis"),
        "run",
        str(schema_path),
        "--url",
        base,
        "-H",
        f"Authorization: Bearer {client['token']}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(args.max_examples),
        "--phases",
        args.phases,
        "--workers",
        str(args.workers),
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--report",
        "junit",
        "--report-junit-path",
        str(report_dir / f"schemathesis-{client['username']}.xml"),
        "--output-truncate",
        "true",
        "--no-color",
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    for operation_id in ids:
        command += ["--include-operation-id", operation_id]
    for attempt in (1, 2):
        started = time.monotonic()
        returncode, output = _run_streamed(command, report_dir)
        log(f"schemathesis {client['username']}: exit {returncode} in {time.monotonic() - started:.0f} s")
        if returncode == 0:
            return True
        # A check that failed (ST1xx) fails the step. A run that only errored inside schemathesis or
        # Hypothesis (seen: SystemError from Hypothesis describing a strategy) is run once more.
        if FAILED_CHECK.search(output) or attempt == 2:
            return False
        log(f"schemathesis {client['username']}: errored without a failed check; once more")
    return False


FAILED_CHECK = re.compile(r"\bST1[0-9]{2}\b")


def _run_streamed(command: list[str], cwd: Path) -> tuple[int, str]:
    """Run, echoing the output as it comes; return the exit status and the output."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        lines.append(line)
    sys.stdout.flush()
    return process.wait(), "".join(lines)


def generated_client(schema_path: Path, base: str, plan: dict, env: dict[str, str], work: Path) -> bool:
    output = work / "client"
    subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema_path),
            "--output-path",
            str(output),
            "--overwrite",
        ],
        cwd=work,
        env=env,
        check=True,
    )
    token = next(c["token"] for c in plan["clients"] if c["username"] == "demo-hospital")
    result = subprocess.run(
        [PY, str(ROOT / "scripts" / "api_client_trial.py"), str(output), base, token]
        + [plan["id_number"], plan["date"]],
        cwd=work,
        env={**env, "DJANGO_SETTINGS_MODULE": ""},
    )
    return result.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fuzz", action="store_true", help="wider random run (make fuzz)")
    parser.add_argument("--max-examples", type=int, help="per operation (CI 10, fuzz 200)")
    parser.add_argument("--seed", type=int, help=f"CI {CI_SEED}; fuzz: random")
    parser.add_argument(
        "--phases", help="schemathesis phases (CI examples,coverage,fuzzing; fuzz adds stateful)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", action="append", default=[], help="only this demo client (username)")
    parser.add_argument("--no-client", action="store_true", help="skip the generated client")
    parser.add_argument(
        "--reuse-db", action="store_true", help="keep the database a run left (migrate only, no load_demo)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.max_examples is None:
        args.max_examples = 200 if args.fuzz else 10
    if args.seed is None and not args.fuzz:
        args.seed = CI_SEED
    if args.phases is None:
        args.phases = "examples,coverage,fuzzing,stateful" if args.fuzz else "examples,coverage,fuzzing"

    database_url = os.environ.get("API_CHECK_DATABASE_URL") or (
        os.environ["TEST_DATABASE_URL"].rsplit("/", 1)[0] + "/medsec_fuzz"
        if os.environ.get("TEST_DATABASE_URL")
        else DEFAULT_DB
    )
    env = server_env(database_url)
    work = Path(tempfile.mkdtemp(prefix="medsec-api-check-"))
    report_dir = Path(os.environ.get("API_CHECK_REPORTS", work))
    report_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if args.reuse_db:
        log(f"database {database_url.rsplit('/', 1)[1]}: reused (migrated to this checkout)")
        manage(env, "migrate", "--noinput", "-v", "0")
    else:
        log(f"database {database_url.rsplit('/', 1)[1]}: migrate, load_demo")
        recreate_database(database_url)
        manage(env, "migrate", "--noinput", "-v", "0")
        log("load_demo")
        manage(env, "load_demo")
    plan = client_plan(env)
    clients = plan["clients"]
    log(f"demo API clients: {', '.join(c['username'] + ' (' + c['kind'] + ')' for c in clients)}")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3"]
        + ["--timeout", "120", "--error-logfile", str(work / "gunicorn.log")],
        cwd=ROOT,
        env=env,
    )
    failed: list[str] = []
    try:
        wait_healthy(base, server)
        schema_path = work / "schema.json"
        schema = fetch_schema(base, clients[0]["token"], schema_path)
        log(f"schema: {sum(len(v) for v in schema['paths'].values())} operations; seed {args.seed}")
        for client in clients:
            if args.only and client["username"] not in args.only:
                continue
            ids = operation_ids(schema, client["operations"])
            if not ids:
                log(f"{client['username']}: no operation open to it")
                continue
            log(
                f"schemathesis {client['username']}: {len(ids)} operations, {args.max_examples} examples each"
            )
            if not run_schemathesis(schema_path, base, client, ids, args, report_dir):
                failed.append(f"schemathesis {client['username']}")
        if not args.no_client:
            log("generated client: openapi-python-client, import every module, settle through it")
            if not generated_client(schema_path, base, plan, env, work):
                failed.append("generated client")
    finally:
        server.terminate()
        server.wait(timeout=30)
        errors = (work / "gunicorn.log").read_text() if (work / "gunicorn.log").exists() else ""
        if "Traceback" in errors:
            print(errors[-6000:], file=sys.stderr)
        if not args.keep and not failed:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work directory kept: {work}")
    log(f"done in {time.monotonic() - started:.0f} s" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
