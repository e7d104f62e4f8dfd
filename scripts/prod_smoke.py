#!/usr/bin/env python3
"""Production run, end to end (CI runs it): PostgreSQL + Redis, gunicorn + Celery worker + beat from the Procfile,
a real SMTP server; log in over HTTP, submit a report, run the reminder job through the broker, read the e-mails
that arrived; stop everything cleanly; then back up and restore the database and the media folder.

Usage: .venv/bin/python scripts/prod_smoke.py   (needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379)
"""
import contextlib
import datetime
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
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
WORK = ROOT / "var" / "prod-smoke"
PG = "postgres://postgres@127.0.0.1:5432"
DB, RESTORED = "plan119_prod_smoke", "plan119_prod_restore"


def log(message):
    print(f"[prod-smoke] {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql, db="postgres"):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-qc", sql],
                   check=True)


def manage(env, *args, capture=False):
    if args[0] == "shell":
        args = ("shell", "--no-imports", *args[1:])
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                          capture_output=capture).stdout


def require(condition, message):
    """An assert that ``python -O`` does not strip."""
    if not condition:
        raise AssertionError(message)


def wait_for(predicate, what, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        # not up yet (connection refused, the command fails, no mail yet...): try again
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.5)
    raise SystemExit(f"[prod-smoke] FAILED: timed out waiting for {what}")


class Browser:
    """Just enough of a browser: cookies, CSRF tokens, form posts."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path, fields, referer=None):
        data = urllib.parse.urlencode(fields, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": referer or self.base + path})
        with self.opener.open(request, timeout=60) as response:
            return response.geturl(), response.read().decode()


def csrf(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "maildir").parent.mkdir(parents=True, exist_ok=True)
    for db in (DB, RESTORED):
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    smtp_port, web_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "plan119.settings",
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{DB}", "REDIS_URL": "redis://127.0.0.1:6379/13",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "DEFAULT_FROM_EMAIL": "plan119 <no-reply@thanhhoa.gov.vn>",
        "SITE_URL": f"http://127.0.0.1:{web_port}", "VAR_DIR": str(WORK / "var"), "MEDIA_ROOT": str(WORK / "media"),
        "STATIC_ROOT": str(WORK / "static"), "PORT": str(web_port), "WEB_CONCURRENCY": "2",
        # plain HTTP on loopback in this check; behind the real proxy these stay at their secure defaults
        "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0",
    }
    subprocess.run(["redis-cli", "-n", "13", "flushdb"], check=True, capture_output=True)
    log("SMTP server")
    smtp = subprocess.Popen([PY, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
                             "-c", "aiosmtpd.handlers.Mailbox", str(WORK / "maildir")], cwd=ROOT)
    procs = None
    try:
        log("folders, migrate, translations, static files, the plan, periods")
        subprocess.run([PY, "scripts/compile_messages.py"], cwd=ROOT, check=True, capture_output=True)
        manage(env, "prepare_dirs", capture=True)
        manage(env, "migrate", "--noinput", capture=True)
        manage(env, "collectstatic", "--noinput", capture=True)
        manage(env, "load_plan", capture=True)
        manage(env, "open_periods", capture=True)
        manage(env, "shell", "-c", (
            "from agencies.models import Agency, User, Role; from django.contrib.auth.models import Group\n"
            "for code, name in [('SCT', 'canbo.sct'), ('STC', 'canbo.stc')]:\n"
            "    u = User.objects.create_user(name, f'{name}@thanhhoa.gov.vn', 'Mật-khẩu-thử-2025',"
            " agency=Agency.objects.get(code=code))\n"
            "    u.groups.add(Group.objects.get(name=Role.AGENCY_STAFF))\n"))
        log("gunicorn + worker + beat (Procfile)")
        procs = subprocess.Popen([str(ROOT / ".venv" / "bin" / "honcho"), "-f", "Procfile", "start"], cwd=ROOT, env=env,
                                 start_new_session=True)
        base = f"http://127.0.0.1:{web_port}"
        wait_for(lambda: urllib.request.urlopen(base + "/accounts/login/", timeout=3).status == 200, "the web server")  # nosec B310: a fixed http:// address on loopback
        wait_for(lambda: "worker" in manage(env, "check_worker", "--timeout", "5", capture=True), "a Celery worker", 90)

        log("log in over HTTP and submit the report")
        browser = Browser(base)
        _, page = browser.get("/accounts/login/")
        url, page = browser.post("/accounts/login/", {"csrfmiddlewaretoken": csrf(page), "username": "canbo.sct",
                                                     "password": "Mật-khẩu-thử-2025", "next": "/"},
                                 base + "/accounts/login/")
        require("canbo.sct" in page or "Sở Công Thương" in page, "login failed")
        edit = re.search(r'href="(/reports/\d+/edit/)"', page).group(1)
        _, form = browser.get(edit)
        fields = {"csrfmiddlewaretoken": csrf(form), "action": "submit", "summary": "Đánh giá chung năm nay.",
                  "lock_version": re.search(r'name="lock_version" value="(\d+)"', form).group(1), "anchor": ""}
        for sid in sorted(set(re.findall(r'name="s(\d+)-results"', form))):
            fields.update({f"s{sid}-progress": "in_progress", f"s{sid}-results": f"Kết quả thực hiện mục {sid}.",
                           f"s{sid}-difficulties": "", f"s{sid}-proposals": "",
                           f"s{sid}-fig-TOTAL_FORMS": "2", f"s{sid}-fig-INITIAL_FORMS": "0",
                           f"s{sid}-fig-MIN_NUM_FORMS": "0", f"s{sid}-fig-MAX_NUM_FORMS": "30"})
        url, page = browser.post(edit, fields, base + edit)
        require(re.search(r"/reports/\d+/submit/$", url), f"saving did not ask to confirm the submission: {url}")
        confirm = url[len(base):]
        url, page = browser.post(confirm, {"csrfmiddlewaretoken": csrf(page), "lock_version": re.search(
            r'name="lock_version" value="(\d+)"', page).group(1)}, url)
        require(re.search(r"/reports/\d+/$", url), f"submission did not land on the report page: {url}")
        status = manage(env, "shell", "-c", "from reporting.models import Report; print(Report.objects.get("
                        "agency__code='SCT', period__year=__import__('datetime').date.today().year).status)",
                        capture=True)
        require(status.strip() == "submitted", status)

        log("the API under gunicorn: the same report read through /api/v1/, the docs and their local assets")
        _, plans = browser.get("/api/v1/plans/")
        plan = json.loads(plans)["results"][0]["id"]
        year = datetime.date.today().year
        _, report = browser.get(f"/api/v1/plans/{plan}/periods/{year}/reports/SCT/")
        require(json.loads(report)["status"] == "submitted", report[:300])
        _, docs = browser.get("/api/docs/")
        for asset in re.findall(r'src="([^"]+)"', docs):
            _, body = browser.get(asset)
            require(len(body) > 100, f"the docs' script {asset} is empty")

        log("run the reminder job through the broker")
        manage(env, "shell", "-c", "from reporting.delivery.tasks import send_reminders; "
               "print(send_reminders.delay().get(timeout=60))")

        def arrived():
            box = mailbox.Maildir(str(WORK / "maildir"), create=False)
            return [(m["To"], str(email.header.make_header(email.header.decode_header(m["Subject"])))) for m in box]

        wait_for(lambda: any("canbo.stc" in to for to, _ in arrived())
                 and any("canbo.sct" in to for to, _ in arrived()),
                 "the confirmation and the reminder e-mails", 60)
        for to, subject in arrived():
            log(f"mail to {to}: {subject}")
    finally:
        if procs is not None:
            log("stop everything (SIGTERM)")
            os.killpg(procs.pid, signal.SIGTERM)
            try:
                procs.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(procs.pid, signal.SIGKILL)
                raise SystemExit("[prod-smoke] FAILED: processes did not stop within 30 s of SIGTERM") from None
        smtp.terminate()
        smtp.wait(timeout=10)
    log(f"stopped cleanly (honcho exit code {procs.returncode})")

    log("back up and restore (scripts/backup.sh / scripts/restore.sh)")
    backup = WORK / "backup"
    subprocess.run(["bash", "scripts/backup.sh", str(backup)], cwd=ROOT, env=env, check=True)
    restore_env = {**env, "DATABASE_URL": f"{PG}/{RESTORED}", "MEDIA_ROOT": str(WORK / "media-restored")}
    psql(f"CREATE DATABASE {RESTORED}")
    subprocess.run(["bash", "scripts/restore.sh", str(backup)], cwd=ROOT, env=restore_env, check=True)
    count = ("from reporting.models import Report, ReportSection; "
             "print(Report.objects.filter(submitted_at__isnull=False).count(), "
             "ReportSection.objects.exclude(results='').count())")
    before = manage(env, "shell", "-c", count, capture=True)
    after = manage(restore_env, "shell", "-c", count, capture=True)
    require(before == after and before.split()[0] == "1", (before, after))
    log(f"restored database matches: submitted reports and filled sections = {after.strip()}")
    for db in (DB, RESTORED):
        psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    log("OK")


if __name__ == "__main__":
    sys.exit(main())
