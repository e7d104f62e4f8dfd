#!/usr/bin/env python
"""Dashboard latency over real HTTP: gunicorn on PostgreSQL, at provincial and at large scale.

    .venv/bin/python bench/bench_dashboards.py [--scales provincial,large] [--requests 30] [--keep-db] [--reuse-db]
                                               [--workers 2] [--profile]

For each scale: a fresh scratch database ``plan119_bench2_dash_<scale>`` (migrate, ``load_plan``, then
``bench/generate.py``), a DFA officer, gunicorn alone (``--workers 2``, no Celery worker: the dashboards do not
need one) on a free port of 127.0.0.1. After a warm-up, N rounds; each round requests every page once, in turn
(interleaved, so that background load on this shared machine hits every page alike), with a urllib client that
opens a new connection per request (no keep-alive). Latency = request sent → body read.

* provincial: the plan's own 48 departments and districts (plus its requested organisations), 8 years (2023–2030)
* large: 2,000 ordered agencies, 8 years, 18–22 co-operating tasks each (≈ 375,000 task sections)

Figures (one JSON line each, on stdout; progress on stderr): ``data`` per scale; ``floor_p50_ms`` /
``floor_p95_ms`` for the trivial logged-in pages (/profile/, the floor, and /notifications/); ``dashboard_p50_ms``
and ``dashboard_p95_ms`` per dashboard page, with the floor and the target. The across-years page keeps its
counts per year in the cache until that year's reports change, so it is measured three ways: as is, and with a
``variant`` after a write to one year's reports or to every year's (``years_variants``). Targets: provincial,
every dashboard p50 ≤ 3 × the floor p50; large, p50 ≤ 300 ms and p95 ≤ 600 ms. Exit status 1 when a target is
missed.

``--profile`` then renders each dashboard page in-process (Django test client, same database) and prints a
``page_profile`` line per page: SQL query count, SQL time, total time and the slowest statement.

This module also holds the small harness that bench/load_deadline.py and bench/faults.py import (scratch
databases, the environment, gunicorn/Celery/SMTP processes, a cookie-keeping HTTP client, percentiles).
"""
from __future__ import annotations

import argparse
import email.header
import http.cookiejar
import json
import mailbox
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV_BIN = ROOT / ".venv" / "bin"
PY = str(VENV_BIN / "python")
PG = "postgres://postgres@127.0.0.1:5432"
DB_PREFIX = "plan119_bench2_"
SHARED_REDIS = "redis://127.0.0.1:6379/12"
SCRATCH = Path(tempfile.gettempdir()) / "plan119_bench2"
STATIC_ROOT = SCRATCH / "static"  # collected once, shared by every run (the manifest is what gunicorn needs)
BENCH_PASSWORD = "bench-password"  # noqa: S105 - bench/generate.py's password for every user it makes
DFA_USER, DFA_PASSWORD = "bench2.dfa", "Bench2-DFA-mật-khẩu"

PROG = Path(sys.argv[0]).stem


# --- Output ------------------------------------------------------------------------------------------

def log(message: str) -> None:
    print(f"[{PROG} {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(**fields) -> dict:
    print(json.dumps(fields, ensure_ascii=False), flush=True)
    return fields


def percentile(values, q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- Scratch databases and the environment ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg(*args, check=True, capture=True):
    return subprocess.run([*args, "-h", "127.0.0.1", "-U", "postgres"], check=check, capture_output=capture, text=True,
                          timeout=120)


def db_exists(name: str) -> bool:
    # the name is this script's own scratch-database name (DB_PREFIX and a scale of SCALES)
    query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608  # nosec B608
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc", query],
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip() == "1"


def db_drop(name: str) -> None:
    if not name.startswith(DB_PREFIX):  # only ever a scratch database (an assert would go with python -O)
        raise AssertionError(name)
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name],
                   check=True, capture_output=True, timeout=120)


def db_create(name: str) -> None:
    if not name.startswith(DB_PREFIX):
        raise AssertionError(name)
    db_drop(name)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True, capture_output=True,
                   timeout=120)


def psql(db: str, sql: str, timeout=60) -> str:
    if not db.startswith(DB_PREFIX):
        raise AssertionError(db)
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-Atqc", sql],
                         capture_output=True, text=True, timeout=timeout, check=True)
    return out.stdout.strip()


def make_env(db: str, work: Path, *, port: int = 0, redis_url: str = SHARED_REDIS, smtp_port: int | None = None,
             **extra) -> dict:
    """The environment of every app process: production settings (DEBUG off) on plain HTTP on loopback."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "plan119.settings",
        "DEBUG": "0", "SECRET_KEY": "bench2-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"{PG}/{db}", "REDIS_URL": redis_url,
        "SITE_URL": f"http://127.0.0.1:{port}", "VAR_DIR": str(work / "var"), "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(STATIC_ROOT), "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0",
        "LOG_LEVEL": "WARNING", "DEFAULT_FROM_EMAIL": "plan119 <no-reply@thanhhoa.gov.vn>",
        "PYTHONUNBUFFERED": "1",
    })
    if smtp_port:
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    else:
        env.pop("EMAIL_URL", None)
        env["EMAIL_FILE_PATH"] = str(work / "mail")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env: dict, *args, timeout=900) -> str:
    if args and args[0] == "shell":
        args = ("shell", "--no-imports", *args[1:])
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


_PREAMBLE = f"""
import json, os, sys
sys.path[:0] = [{str(ROOT)!r}, {str(HERE)!r}]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plan119.settings")
import django
django.setup()
"""


def django_run(env: dict, code: str, timeout=900):
    """Run `code` in a fresh Django process on env's database; its last stdout line is parsed as JSON."""
    done = subprocess.run([PY, "-c", _PREAMBLE + code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"django_run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def collectstatic_once(env: dict) -> None:
    if (STATIC_ROOT / "staticfiles.json").exists():
        return
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    manage(env, "collectstatic", "--noinput")


def prepare_database(db: str, env: dict) -> None:
    """Fresh scratch database with the schema and the bundled plan."""
    db_create(db)
    manage(env, "migrate", "--noinput")
    manage(env, "load_plan")
    collectstatic_once(env)


def generate_data(env: dict, agencies: int, years: int, co_tasks: str = "1-3", seed: int = 1, timeout=1800) -> dict:
    """bench/generate.py (owned by another helper; used as is) in a subprocess on env's database."""
    done = subprocess.run([PY, str(HERE / "generate.py"), "--agencies", str(agencies), "--years", str(years),
                           "--co-tasks", co_tasks, "--seed", str(seed)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"generate.py failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def create_dfa_officer(env: dict, username: str = DFA_USER, password: str = DFA_PASSWORD) -> None:
    django_run(env, f"""
from django.contrib.auth.models import Group
from agencies.models import Agency, Role, User
user, _ = User.objects.get_or_create(username={username!r}, defaults={{"email": "bench2.dfa@bench.invalid",
    "first_name": "Cán bộ", "last_name": "Sở Ngoại vụ", "agency": Agency.objects.filter(code="SNGV").first()}})
user.set_password({password!r}); user.save()
user.groups.add(Group.objects.get_or_create(name=Role.DFA_OFFICER)[0])
print(json.dumps({{"user": user.username}}))
""")


# --- Processes ---------------------------------------------------------------------------------------------

class Proc:
    """A child in its own process group, its output in a log file; stopped by its own group id only."""

    def __init__(self, name: str, argv: list[str], env: dict, work: Path):
        self.name = name
        self.log_path = work / f"{name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20) -> int | None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()
        return self.popen.returncode

    def kill(self) -> None:
        """SIGKILL the whole group (main process and its pool/worker children), as a crash or the OOM killer would."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._close()

    def _close(self):
        if not self._log.closed:
            self._log.close()

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def wait_for(predicate, what: str, timeout: float = 60, interval: float = 0.3):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            value = predicate()
            if value:
                return value
        except Exception as error:  # noqa: BLE001 - polling
            last = error
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:g}s waiting for {what} (last error: {last!r})")


def start_gunicorn(env: dict, work: Path, port: int, *, workers: int = 2, threads: int = 1, timeout: int = 60,
                   name: str = "gunicorn") -> Proc:
    argv = [str(VENV_BIN / "gunicorn"), "plan119.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--timeout", str(timeout), "--graceful-timeout", "10", "--log-level", "warning"]
    if threads > 1:
        argv += ["--threads", str(threads)]
    proc = Proc(name, argv, env, work)

    def up():
        if not proc.alive():
            raise RuntimeError(f"gunicorn exited:\n{proc.tail()}")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:  # nosec B310: a fixed http:// address on loopback
            return response.status == 200

    wait_for(up, "gunicorn", 90)
    return proc


def start_worker(env: dict, work: Path, *, concurrency: int = 2, name: str = "worker", wait: bool = True) -> Proc:
    argv = [str(VENV_BIN / "celery"), "-A", "plan119", "worker", "--loglevel=WARNING", f"--concurrency={concurrency}",
            "-n", f"{name}-{os.getpid()}@%h", "--without-gossip", "--without-mingle"]
    proc = Proc(name, argv, env, work)
    if wait:
        wait_for(lambda: proc.alive() and "worker" in manage(env, "check_worker", "--timeout", "5", timeout=60),
                 "a Celery worker", 120, interval=1)
    return proc


def start_smtp_sink(work: Path, port: int, name: str = "smtp") -> tuple[Proc, Path]:
    """aiosmtpd with the Mailbox handler: every message becomes a file in a Maildir (read back with `sink_messages`)."""
    maildir = work / f"{name}-maildir"
    proc = Proc(name, [PY, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Mailbox",
                       str(maildir)], dict(os.environ), work)

    def up():
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True

    wait_for(up, "the SMTP sink", 30)
    return proc, maildir


def sink_count(maildir: Path) -> int:
    try:
        return len(os.listdir(maildir / "new")) + len(os.listdir(maildir / "cur"))
    except FileNotFoundError:
        return 0


def _header(value) -> str:
    return str(email.header.make_header(email.header.decode_header(value or "")))


def sink_messages(maildir: Path) -> list[dict]:
    if not (maildir / "new").exists():
        return []
    out = []
    for message in mailbox.Maildir(str(maildir), create=False):
        to = [a.strip().lower() for a in _header(message["To"]).split(",") if a.strip()]
        cc = [a.strip().lower() for a in _header(message["Cc"]).split(",") if a.strip()]
        out.append({"to": to, "cc": cc, "subject": _header(message["Subject"]), "message_id": message["Message-ID"]})
    return out


# --- HTTP client -------------------------------------------------------------------------------------------

class _NoErrors(urllib.request.HTTPErrorProcessor):
    """Hand back every response as it is: redirects are not followed, 4xx/5xx are not raised."""

    def http_response(self, request, response):
        return response

    https_response = http_response


@dataclass
class Response:
    status: int
    location: str
    text: str
    seconds: float


class Client:
    """A browser's bare minimum: cookies, CSRF token, form posts; a new TCP connection per request (no keep-alive)."""

    def __init__(self, base: str, timeout: float = 60):
        self.base = base
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoErrors())

    def request(self, path: str, fields=None, referer: str | None = None) -> Response:
        data = urllib.parse.urlencode(fields, doseq=True).encode() if fields is not None else None
        headers = {"Referer": referer or self.base + path, "Accept-Language": "vi"}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        started = time.perf_counter()
        with self.opener.open(request, timeout=self.timeout) as response:
            body = response.read()
            seconds = time.perf_counter() - started
            return Response(response.status, response.headers.get("Location") or "", body.decode("utf-8", "replace"),
                            seconds)

    def get(self, path: str) -> Response:
        return self.request(path)

    def post(self, path: str, fields: dict, referer: str | None = None) -> Response:
        return self.request(path, fields, referer)

    def login(self, username: str, password: str) -> tuple[Response, Response]:
        page = self.get("/accounts/login/")
        answer = self.post("/accounts/login/", {"csrfmiddlewaretoken": csrf_token(page.text), "username": username,
                                                "password": password, "next": "/"})
        return page, answer


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise ValueError("no CSRF token in the page")
    return match.group(1)


def logged_in(answer: Response) -> bool:
    return answer.status == 302 and urllib.parse.urlparse(answer.location).path == "/"


# --- The dashboard benchmark --------------------------------------------------------------------------------

SCALES = {
    # generate.py: --agencies is the number of active departments/districts wanted (0: only the plan's own 48)
    "provincial": {"agencies": 0, "years": 8, "co_tasks": "1-3"},
    "large": {"agencies": 2000, "years": 8, "co_tasks": "18-22"},
}
FLOOR_PAGES = [("profile", "/profile/"), ("notifications", "/notifications/")]


def dashboard_pages(year: int) -> list[tuple[str, str]]:
    return [
        ("dashboard", f"/dashboard/{year}/"),
        ("reports_late", f"/dashboard/{year}/reports/?metric=late"),
        ("sections_in_progress", f"/dashboard/{year}/sections/?progress=in_progress"),
        ("matrix", f"/dashboard/{year}/matrix/"),
        ("tasks", f"/dashboard/{year}/tasks/"),
        ("years", "/dashboard/years/"),
    ]


def years_variants(year: int) -> dict[str, str]:
    """The across-years page again, after a write that moves the cached counts' stamp (reporting/dashboard.py),
    run with psql just before each request: one report of the current year saved (deadline week: that year is
    counted again), and one report of every year changed (as after a restart: every year counted again)."""
    bump = "UPDATE reporting_report SET lock_version = lock_version + 1 WHERE id IN ({})"
    # only an integer goes into this SQL (the --year option)
    one_year = (
        "SELECT min(r.id) FROM reporting_report r "  # noqa: S608  # nosec B608
        "JOIN reporting_reportingperiod p ON p.id = r.period_id "
        f"WHERE p.year = {int(year)}"
    )
    return {
        "years_after_a_save": bump.format(one_year),
        "years_every_year_changed": bump.format("SELECT min(id) FROM reporting_report GROUP BY period_id"),
    }


def _data_counts(env: dict) -> dict:
    return django_run(env, """
from agencies.models import ORDERED_KINDS, Agency
from reporting.models import Report, ReportSection, ReportVersion
print(json.dumps({"ordered_agencies": Agency.objects.filter(active=True, kind__in=ORDERED_KINDS).count(),
                  "reports": Report.objects.count(), "sections": ReportSection.objects.count(),
                  "versions": ReportVersion.objects.count()}))
""")


def _profile_pages(env: dict, pages: list[tuple[str, str]], scale: str) -> None:
    """Each dashboard page rendered in-process: query count, SQL time and the slowest statement."""
    result = django_run(env, f"""
import time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from agencies.models import User
client = Client()
client.force_login(User.objects.get(username={DFA_USER!r}))
out = []
for name, path in {pages!r}:
    client.get(path)  # warm
    best = None
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path)
            total = time.perf_counter() - started
        if best is None or total < best[0]:
            best = (total, list(queries.captured_queries), response.status_code)
    total, captured, status = best
    sql = sum(float(q["time"]) for q in captured)
    slowest = max(captured, key=lambda q: float(q["time"])) if captured else {{"sql": "", "time": "0"}}
    out.append({{"page": path, "status": status, "total_ms": round(total * 1000, 1), "queries": len(captured),
                "sql_ms": round(sql * 1000, 1), "python_ms": round((total - sql) * 1000, 1),
                "slowest_sql_ms": round(float(slowest["time"]) * 1000, 1), "slowest_sql": slowest["sql"][:400]}})
print(json.dumps(out))
""", timeout=1200)
    for row in result:
        emit(figure="page_profile", scale=scale, **row)


def _prepare_scale(scale: str, db: str, env: dict, args) -> dict:
    """The scale's database (fresh, or reused with --reuse-db), the DFA officer, VACUUM ANALYZE; the ``data`` figure."""
    spec = SCALES[scale]
    reuse = args.reuse_db and db_exists(db)
    started = time.monotonic()
    if reuse:
        log(f"{scale}: reusing {db}")
        generated = {"reused": True}
    else:
        log(f"{scale}: fresh database {db}: migrate, load_plan")
        prepare_database(db, env)
        log(f"{scale}: generate {spec}")
        generated = generate_data(env, spec["agencies"], spec["years"], spec["co_tasks"])
    create_dfa_officer(env)
    counts = _data_counts(env)
    psql(db, "VACUUM ANALYZE", timeout=600)  # as autovacuum would have done on a database that has lived a while
    return emit(figure="data", scale=scale, database=db, **counts,
                generate_seconds=generated.get("seconds"), setup_seconds=round(time.monotonic() - started, 1))


def _signed_in_client(base: str, pages: list[tuple[str, str]], args) -> Client:
    """The DFA officer logged in, every page requested --warmup times."""
    client = Client(base, timeout=60)
    _, answer = client.login(DFA_USER, DFA_PASSWORD)
    if not logged_in(answer):
        raise RuntimeError(f"DFA login failed: HTTP {answer.status} → {answer.location}")
    for _ in range(args.warmup):  # both gunicorn workers load templates, translations and their connection
        for _, path in pages:
            response = client.get(path)
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status} during warm-up")
    return client


def _sample(client: Client, scale: str, db: str, pages, variants: dict[str, str], args) -> dict:
    """The rounds of requests (every page once per round), then each variant of the across-years page; returns the
    latencies, error counts and body sizes per page, the number of rounds and the load averages."""
    samples = {name: [] for name in [name for name, _ in pages] + list(variants)}
    errors = dict.fromkeys(samples, 0)
    sizes = {}

    def measure(name, path):
        try:
            response = client.get(path)
        except OSError:
            errors[name] += 1
            return
        if response.status != 200:
            errors[name] += 1
            return
        samples[name].append(response.seconds)
        sizes[name] = len(response.text.encode())

    load_before = loadavg()
    deadline = time.monotonic() + args.max_seconds
    rounds = 0
    for rounds in range(1, args.requests + 1):
        for name, path in pages:
            measure(name, path)
        if time.monotonic() > deadline:
            log(f"{scale}: time budget reached after {rounds} rounds")
            break
    # then each variant in a run of its own, so that one variant's writes do not land on another's figures
    for name, sql in variants.items():
        for _ in range(2 * args.workers):
            client.get("/dashboard/years/")  # every worker has the counts of the unchanged years again
        for _ in range(rounds):
            psql(db, sql)
            measure(name, "/dashboard/years/")
    load_after = loadavg()
    return {"samples": samples, "errors": errors, "sizes": sizes, "rounds": rounds,
            "load_before": load_before, "load_after": load_after}


def _page_figures(scale: str, args, measured: dict, variants: dict[str, str]) -> list[dict]:
    """The floor and dashboard figures, with their targets."""
    samples, errors, sizes = measured["samples"], measured["errors"], measured["sizes"]
    figures = []
    floor_p50 = percentile(samples["profile"], 0.5)
    common = {"scale": scale, "requests": measured["rounds"], "loadavg_before": measured["load_before"],
              "loadavg_after": measured["load_after"]}
    for name, path in FLOOR_PAGES:
        values = samples[name]
        figures.append(emit(figure="floor_p50_ms", page=path, value=ms(percentile(values, 0.5)),
                            errors=errors[name], role="floor" if path == "/profile/" else "second trivial page",
                            **common))
        figures.append(emit(figure="floor_p95_ms", page=path, value=ms(percentile(values, 0.95)),
                            errors=errors[name], **common))
    for name, path in dashboard_pages(args.year) + [(name, "/dashboard/years/") for name in variants]:
        values = samples[name]
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        ratio = round(p50 / floor_p50, 2) if p50 is not None and floor_p50 else None
        if scale == "provincial":
            t50, ok50 = "<= 3 x floor p50", ratio is not None and ratio <= 3 and not errors[name]
            t95, ok95 = None, None
        else:
            t50, ok50 = "<= 300 ms", p50 is not None and p50 <= 0.300 and not errors[name]
            t95, ok95 = "<= 600 ms", p95 is not None and p95 <= 0.600 and not errors[name]
        variant = {"variant": name} if name in variants else {}
        figures.append(emit(figure="dashboard_p50_ms", page=path, value=ms(p50), **variant,
                            floor_p50_ms=ms(floor_p50), x_floor=ratio, target=t50, ok=ok50, errors=errors[name],
                            bytes=sizes.get(name), **common))
        figures.append(emit(figure="dashboard_p95_ms", page=path, value=ms(p95), **variant,
                            floor_p50_ms=ms(floor_p50), target=t95, ok=ok95, errors=errors[name],
                            max_ms=ms(max(values) if values else None), **common))
    return figures


def bench_scale(scale: str, args) -> list[dict]:
    db = f"{DB_PREFIX}dash_{scale}"
    work = SCRATCH / f"dash-{scale}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    port = free_port()
    env = make_env(db, work, port=port)
    figures: list[dict] = [_prepare_scale(scale, db, env, args)]

    server = None
    try:
        log(f"{scale}: gunicorn --workers {args.workers} on 127.0.0.1:{port}")
        server = start_gunicorn(env, work, port, workers=args.workers)
        pages = FLOOR_PAGES + dashboard_pages(args.year)
        client = _signed_in_client(f"http://127.0.0.1:{port}", pages, args)
        variants = years_variants(args.year)
        measured = _sample(client, scale, db, pages, variants, args)
        figures += _page_figures(scale, args, measured, variants)
    finally:
        if server is not None:
            server.stop()
    if args.profile:
        log(f"{scale}: profiling the dashboard pages in-process")
        _profile_pages(env, dashboard_pages(args.year), scale)
    if not args.keep_db:
        db_drop(db)
        shutil.rmtree(work, ignore_errors=True)
    else:
        log(f"{scale}: kept {db} (logs in {work})")
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="provincial,large")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up rounds (default 3)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--year", type=int, default=2026, help="the dashboard year (default 2026, today's)")
    parser.add_argument("--max-seconds", type=float, default=600, help="stop measuring a scale after this long")
    parser.add_argument("--keep-db", action="store_true", help="keep the scratch databases afterwards")
    parser.add_argument("--reuse-db", action="store_true", help="reuse a kept scratch database instead of regenerating")
    parser.add_argument("--profile", action="store_true", help="also profile each dashboard page in-process")
    args = parser.parse_args(argv)
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    unknown = set(scales) - set(SCALES)
    if unknown:
        parser.error(f"unknown scale(s): {', '.join(sorted(unknown))}")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    log(f"{os.cpu_count()} CPUs, load average {loadavg()}")
    missed = False
    for scale in scales:
        for line in bench_scale(scale, args):
            missed |= line.get("ok") is False
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
