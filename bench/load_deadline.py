#!/usr/bin/env python
"""Deadline-day load: 200 agency users on loopback, each logging in, opening and submitting their report.

    .venv/bin/python bench/load_deadline.py [--users 200] [--stagger 20] [--workers 5] [--threads 2] [--signed-in]
                                            [--keep-db]

Set-up: a fresh scratch database ``plan119_bench2_deadline`` (migrate, ``load_plan``), ``bench/generate.py`` for 200
synthetic agencies with their staff (no past reports), and each agency's 2026 report opened with its sections
(``reporting.cycle.services.report_open``). The 2026 period is open for submission today and its deadline has passed,
so every submission is a (accepted) late one. Then gunicorn (``--workers 2×cores+1`` ``--threads 2``), a Celery
worker on Redis db 12 and an SMTP sink (aiosmtpd Mailbox) on 127.0.0.1.

Load: one thread per agency user, the starts spread evenly over ``--stagger`` seconds (all within one minute),
each: GET the login page, POST the login, GET home, GET the report form, POST the filled form with
action=submit (results, difficulties and proposals unique per agency and section; every other agency types in
decomposed Unicode, NFD, as some keyboards do; one figure with a Vietnamese decimal comma), then follow the
redirect to the report page. New TCP connection per request. Every latency and error is recorded. With
``--signed-in`` the users sign in before the load (not timed; on deadline day officials are signed in already, a
session lasts a working day) and the timed visit starts at the home page.

Afterwards (in the database): exactly one submitted report per agency, version 1, one ReportVersion, one
"submitted" event, every section's fields and figure equal to what was sent (NFC), the summary too, the version
snapshot equal to the sections; and (waiting for the worker, bounded) one confirmation e-mail per agency and
language group in the sink, each recipient exactly once.

Figures, one JSON line each: ``throughput_requests_per_s``, ``throughput_submissions_per_s``, ``latency_p50_ms`` /
``latency_p95_ms`` per step, ``errors``, ``integrity`` (one line per check), ``emails``. Exit 1 on any error or
failed check.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboards import (  # noqa: E402
    BENCH_PASSWORD,
    DB_PREFIX,
    SCRATCH,
    SHARED_REDIS,
    Client,
    csrf_token,
    db_drop,
    django_run,
    emit,
    free_port,
    generate_data,
    loadavg,
    log,
    logged_in,
    make_env,
    ms,
    percentile,
    prepare_database,
    sink_count,
    sink_messages,
    start_gunicorn,
    start_smtp_sink,
    start_worker,
    wait_for,
)

DB = f"{DB_PREFIX}deadline"
YEAR = 2026
# "submit" saves the form and is asked to confirm; "confirm" submits (issue 14: a submission is confirmed first)
STEPS = ["login_page", "login_post", "home", "edit_form", "submit", "confirm_page", "confirm", "report_page"]
COUNTRIES = ["Hàn Quốc", "Nhật Bản", "Lào", "Thái Lan", "Cộng hòa Liên bang Đức", "Ô-xtrây-li-a",
             "Đài Loan (Trung Quốc)"]


def setup_reports(env: dict, users: int) -> list[dict]:
    """Open the 2026 report of the first `users` bench agencies; return who logs in for which report."""
    return django_run(env, f"""
import datetime
from django.utils import timezone
from agencies.models import Agency, User
from reporting.models import ReportingPeriod
from reporting.cycle.services import report_open
period = ReportingPeriod.objects.get(year={YEAR})
today = timezone.localdate()
assert period.is_open_for_submission(today), (period.status, period.opens_on, today)
out = []
for agency in Agency.objects.filter(code__startswith="BENCH-").order_by("code")[:{users}]:
    report = report_open(period=period, agency=agency)
    staff = User.objects.filter(agency=agency, groups__name="agency_staff").order_by("username").first()
    out.append({{"agency": agency.code, "username": staff.username, "report": report.pk,
                 "sections": report.sections.count(), "agency_due": period.agency_due.isoformat()}})
print(json.dumps(out))
""")


def texts_for(agency: str, section_id: int, index: int, decompose: bool) -> dict:
    rng = random.Random(f"{agency}-{section_id}")
    number = agency.split("-")[-1]
    values = {
        "progress": ["in_progress", "completed", "ongoing"][index % 3],
        "results": (f"Đơn vị {number}, mục {section_id}: tổ chức {rng.randint(1, 12)} đoàn xúc tiến đầu tư tại "
                    f"{rng.choice(COUNTRIES)}; ký kết {rng.randint(1, 5)} thỏa thuận hợp tác, thu hút "
                    f"{rng.randint(2, 250)} triệu USD. Mã kiểm tra {agency}/{section_id}/ẩ ễ ợ ữ ỹ."),
        "difficulties": f"Kinh phí xúc tiến còn hạn chế (đơn vị {number}, mục {section_id}).",
        "proposals": f"Đề nghị Sở Ngoại vụ hỗ trợ kết nối đối tác nước ngoài (đơn vị {number}, mục {section_id}).",
    }
    if decompose:  # NFD, as typed on some keyboards; the app must store NFC
        values = {k: unicodedata.normalize("NFD", v) for k, v in values.items()}
    return values


def sign_in(base: str, user: dict, timeout: float) -> Client:
    """A user who signed in earlier in the day (--signed-in): the session cookie is all the load phase needs."""
    client = Client(base, timeout=timeout)
    page = client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"csrfmiddlewaretoken": csrf_token(page.text),
                                                "username": user["username"], "password": BENCH_PASSWORD, "next": "/"})
    if response.status != 302 or not logged_in(response):
        raise RuntimeError(f"sign-in of {user['username']} failed: HTTP {response.status}")
    return client


def filled_form(user: dict, form_text: str, section_ids: list[int], index: int) -> tuple[dict, dict]:
    """The POST of the report form with action=submit, and what it sent: every section filled (in NFD for every
    other user), one figure with the Vietnamese decimal comma."""
    decompose = index % 2 == 1
    summary = f"Năm {YEAR}, đơn vị {user['agency']} đã triển khai đầy đủ các nhiệm vụ của Kế hoạch 119/KH-UBND."
    if decompose:
        summary = unicodedata.normalize("NFD", summary)
    fields = {"csrfmiddlewaretoken": csrf_token(form_text), "action": "submit", "summary": summary, "anchor": "",
              "lock_version": re.search(r'name="lock_version" value="(\d+)"', form_text).group(1)}
    sent = {"summary": summary, "sections": {}, "figures": {}}
    for i, sid in enumerate(section_ids):
        values = texts_for(user["agency"], sid, i, decompose)
        sent["sections"][str(sid)] = values
        fields.update({f"s{sid}-{k}": v for k, v in values.items()})
        fields.update({f"s{sid}-fig-TOTAL_FORMS": "2", f"s{sid}-fig-INITIAL_FORMS": "0",
                       f"s{sid}-fig-MIN_NUM_FORMS": "0", f"s{sid}-fig-MAX_NUM_FORMS": "30"})
        if i == 0:  # one figure, with the Vietnamese decimal comma
            fields.update({f"s{sid}-fig-0-label": "Vốn đầu tư thu hút", f"s{sid}-fig-0-value": "12,5",
                           f"s{sid}-fig-0-unit": "triệu USD"})
            sent["figures"][str(sid)] = [{"label": "Vốn đầu tư thu hút", "value": "12.50", "unit": "triệu USD"}]
    return fields, sent


def one_user(base: str, user: dict, start_at: float, index: int, timeout: float, client: Client | None = None) -> dict:
    """One agency user's visit; returns the step timings and what was sent. With `client` (signed in already), the
    visit starts at the home page."""
    record = {"agency": user["agency"], "report": user["report"], "steps": [], "error": None, "submitted": False,
              "sent": None}
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    record["started"] = time.monotonic()
    signed_in = client is not None
    client = client or Client(base, timeout=timeout)

    def step(name, call, expect_status, check=None):
        try:
            response = call()
        except Exception as error:  # noqa: BLE001 - a timeout or a refused connection is an error to count
            record["steps"].append({"step": name, "seconds": None, "status": None, "ok": False})
            raise RuntimeError(f"{name}: {type(error).__name__}: {error}") from None
        ok = response.status == expect_status and (check is None or check(response))
        record["steps"].append({"step": name, "seconds": response.seconds, "status": response.status, "ok": ok})
        if not ok:
            raise RuntimeError(f"{name}: HTTP {response.status} {response.location} {response.text[:200]!r}")
        return response

    try:
        if not signed_in:
            page = step("login_page", lambda: client.get("/accounts/login/"), 200)
            step("login_post", lambda: client.post("/accounts/login/", {
                "csrfmiddlewaretoken": csrf_token(page.text), "username": user["username"], "password": BENCH_PASSWORD,
                "next": "/"}), 302, logged_in)
        home = step("home", lambda: client.get("/"), 200)
        edit = re.search(r'href="(/reports/(\d+)/edit/)"', home.text)
        if not edit or int(edit.group(2)) != user["report"]:
            raise RuntimeError(f"home: no edit link to report {user['report']}")
        form = step("edit_form", lambda: client.get(edit.group(1)), 200)
        section_ids = sorted({int(s) for s in re.findall(r'name="s(\d+)-results"', form.text)})
        if len(section_ids) != user["sections"]:
            raise RuntimeError(f"edit_form: {len(section_ids)} sections in the form, {user['sections']} expected")
        fields, sent = filled_form(user, form.text, section_ids, index)
        record["sent"] = sent
        detail, confirm = f"/reports/{user['report']}/", f"/reports/{user['report']}/submit/"
        step("submit", lambda: client.post(edit.group(1), fields, client.base + edit.group(1)), 302,
             lambda r: r.location.endswith(confirm))
        page = step("confirm_page", lambda: client.get(confirm), 200)
        answer = {"csrfmiddlewaretoken": csrf_token(page.text),
                  "lock_version": re.search(r'name="lock_version" value="(\d+)"', page.text).group(1)}
        step("confirm", lambda: client.post(confirm, answer, client.base + confirm), 302,
             lambda r: r.location.endswith(detail))
        record["submitted"] = True
        step("report_page", lambda: client.get(detail), 200)
    except Exception as error:  # noqa: BLE001
        record["error"] = str(error)[:500]
    record["finished"] = time.monotonic()
    return record


VERIFY = """
import unicodedata
from decimal import Decimal
from collections import Counter
from reporting.models import OutboxMessage, Report, ReportEvent, ReportVersion, SectionFigure
from reporting.delivery.notifications import _agency_recipients
sent = json.load(open(SENT_PATH))
nfc = lambda s: unicodedata.normalize("NFC", s)
reports = {r.pk: r for r in Report.objects.filter(pk__in=[int(k) for k in sent]).select_related("agency", "period")}
checks = Counter()
problems = []
recipients = {}
for key, what in sent.items():
    report = reports[int(key)]
    ok_state = (report.status == "submitted" and report.version == 1 and report.submitted_at is not None
                and report.days_late > 0 and report.first_submitted_at == report.submitted_at)
    checks["state"] += ok_state
    versions = list(ReportVersion.objects.filter(report=report))
    events = ReportEvent.objects.filter(report=report, kind="submitted").count()
    checks["one_version"] += len(versions) == 1 and versions[0].number == 1
    checks["one_event"] += events == 1
    checks["summary"] += report.summary == nfc(what["summary"])
    sections = {str(s.pk): s for s in report.sections.select_related("task").prefetch_related("figures")}
    fields_ok = set(sections) == set(what["sections"]) and all(
        getattr(sections[sid], f) == nfc(v) for sid, values in what["sections"].items() for f, v in values.items())
    checks["sections"] += fields_ok
    figures_ok = all(
        [{"label": f.label, "value": str(f.value), "unit": f.unit} for f in sections[sid].figures.all()]
        == (what["figures"].get(sid) or [])
        for sid in sections)
    checks["figures"] += figures_ok
    snapshot_ok = bool(versions) and all(
        versions[0].content["sections"][s.task.code][f] == getattr(s, f) for s in sections.values()
        for f in ("progress", "results", "difficulties", "proposals")
    ) and versions[0].content["summary"] == report.summary
    checks["snapshot"] += snapshot_ok
    outbox = list(OutboxMessage.objects.filter(report=report))
    checks["one_outbox"] += len(outbox) == 1
    checks["outbox_sent"] += len(outbox) == 1 and outbox[0].sent_at is not None
    groups = {lang: sorted(a.lower() for a in addresses)
              for lang, addresses in _agency_recipients(report).items() if addresses}
    recipients[report.agency.code] = groups
    if not (ok_state and fields_ok and figures_ok and snapshot_ok) and len(problems) < 5:
        problems.append({"report": report.pk, "status": report.status, "version": report.version,
                         "versions": len(versions), "fields_ok": fields_ok, "figures_ok": figures_ok,
                         "snapshot_ok": snapshot_ok})
all_bench = Report.objects.filter(period__year=YEAR, agency__code__startswith="BENCH-")
print(json.dumps({"n": len(sent), "checks": checks, "problems": problems, "recipients": recipients,
                  "submitted_in_db": all_bench.filter(status="submitted").count(),
                  "versions_in_db": ReportVersion.objects.filter(report__in=all_bench).count(),
                  "outbox_pending": OutboxMessage.objects.filter(sent_at__isnull=True).count()}))
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--stagger", type=float, default=20.0, help="spread the starts over this many seconds (≤ 60)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request (s)")
    parser.add_argument("--mail-wait", type=float, default=180.0, help="how long to wait for the confirmations (s)")
    parser.add_argument("--signed-in", action="store_true",
                        help="users signed in before the load (as officials are, sessions last a working day): the "
                             "timed visit is home, report form, submit, report page")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)
    if args.stagger > 60:
        parser.error("--stagger must be at most 60: every user starts within one minute")
    return args


def set_up(args, env: dict) -> list[dict]:
    """The scratch database with the bench agencies and their opened reports; returns the users."""
    log(f"{os.cpu_count()} CPUs, load average {loadavg()}")
    log(f"fresh database {DB}; generate {args.users} agencies with staff; open their {YEAR} reports")
    started = time.monotonic()
    prepare_database(DB, env)
    ordered = django_run(env, "from agencies.models import ORDERED_KINDS, Agency\n"
                              "print(Agency.objects.filter(active=True, kind__in=ORDERED_KINDS).count())")
    generate_data(env, agencies=ordered + args.users, years=0)
    users = setup_reports(env, args.users)
    if len(users) != args.users:
        raise AssertionError(len(users))
    log(f"set-up done in {time.monotonic() - started:.0f}s; {sum(u['sections'] for u in users)} sections to fill")
    subprocess.run(["redis-cli", "-n", SHARED_REDIS.rsplit("/", 1)[1], "flushdb"], check=True, capture_output=True)
    return users


def run_load(args, base: str, users: list[dict]) -> tuple[list[dict], dict]:
    """Every user's visit, the starts spread over --stagger; returns the records and the figures' common fields."""
    # warm every gunicorn worker a little (templates, translations) without logging anyone in
    for _ in range(args.workers * 2):
        Client(base).get("/accounts/login/")

    clients = [None] * len(users)
    if args.signed_in:
        log(f"signing the {args.users} users in before the load (not timed)")
        with ThreadPoolExecutor(max_workers=args.workers * args.threads) as pool:
            clients = list(pool.map(lambda user: sign_in(base, user, args.timeout), users))
        time.sleep(5)  # let the machine settle after the sign-ins
    log(f"{args.users} users, starts spread over {args.stagger:g}s")
    load_before = loadavg()
    t0 = time.monotonic() + 0.5
    with ThreadPoolExecutor(max_workers=args.users) as pool:
        futures = [pool.submit(one_user, base, user, t0 + i * args.stagger / args.users, i, args.timeout, clients[i])
                   for i, user in enumerate(users)]
        records = [f.result(timeout=args.stagger + 600) for f in futures]
    load_after = loadavg()
    common = {"users": args.users, "workers": args.workers, "threads": args.threads, "stagger_s": args.stagger,
              "signed_in_before": args.signed_in, "loadavg_before": load_before, "loadavg_after": load_after}
    return records, common


def emit_load_figures(args, records: list[dict], common: dict) -> bool:
    """Throughput, latencies and errors of the load; returns whether any request failed."""
    first = min(r["started"] for r in records)
    last = max(r["finished"] for r in records)
    window = last - first
    total_requests = sum(len(r["steps"]) for r in records)
    errors = [r for r in records if r["error"]]
    submitted = sum(r["submitted"] for r in records)
    emit(figure="load_window_s", value=round(window, 1),
         starts_spread_s=round(max(r["started"] for r in records) - first, 1),
         all_started_within_60s=max(r["started"] for r in records) - first <= 60,
         all_finished_within_60s=window <= 60, **common)
    emit(figure="throughput_requests_per_s", value=round(total_requests / window, 1), requests=total_requests,
         **common)
    emit(figure="throughput_submissions_per_s", value=round(submitted / window, 2), submissions=submitted, **common)
    for name in STEPS:
        values = [s["seconds"] for r in records for s in r["steps"]
                  if s["step"] == name and s["seconds"] is not None]
        if not values and args.signed_in and name.startswith("login"):
            continue
        emit(figure="latency_p50_ms", step=name, value=ms(percentile(values, 0.5)), n=len(values), **common)
        emit(figure="latency_p95_ms", step=name, value=ms(percentile(values, 0.95)),
             max_ms=ms(max(values) if values else None), n=len(values), **common)
    visit = [r["finished"] - r["started"] for r in records if not r["error"]]
    emit(figure="visit_p95_s", value=round(percentile(visit, 0.95) or 0, 2),
         note="one user's whole visit, " + ("home" if args.signed_in else "login") + " to report page",
         **common)
    emit(figure="errors", value=len(errors), target="0", ok=not errors,
         failed_requests=sum(1 for r in records for s in r["steps"] if not s["ok"]),
         examples=[{"agency": r["agency"], "error": r["error"]} for r in errors[:5]], **common)
    return bool(errors)


def wait_for_mail(args, env: dict) -> float:
    """Wait (bounded) for the worker to empty the outbox; returns the seconds waited."""
    log("waiting for the worker to send the confirmations")
    mail_started = time.monotonic()
    try:
        wait_for(lambda: django_run(env, "from reporting.models import OutboxMessage\n"
                                          "print(OutboxMessage.objects.filter(sent_at__isnull=True).count())") == 0,
                 "the outbox to empty", args.mail_wait, interval=2)
    except TimeoutError as error:
        log(str(error))
    time.sleep(2)  # the sink writes a message a moment after the worker's SMTP session ends
    return time.monotonic() - mail_started


def check_integrity(args, result: dict) -> bool:
    """The database checks of VERIFY as figures; returns whether one failed."""
    failed = False
    n, checks = result["n"], result["checks"]
    per_report = {  # check → (passed, of): counted per report in the verification
        "status_version_1_late_marked": "state", "one_report_version_each": "one_version",
        "one_submitted_event_each": "one_event", "sections_equal_to_sent_nfc": "sections",
        "summary_equal_to_sent_nfc": "summary", "figures_equal_to_sent": "figures",
        "version_snapshot_equals_sections": "snapshot", "one_outbox_message_each": "one_outbox",
        "outbox_all_sent": "outbox_sent",
    }
    # every user who submitted: their report is in the database exactly once, as sent; the others untouched
    everyone = (n == args.users and result["submitted_in_db"] == args.users
                and result["versions_in_db"] == args.users)
    emit(figure="integrity", check="all_users_submitted_exactly_once", value=everyone, ok=everyone,
         users_submitted=n, submitted_in_db=result["submitted_in_db"], versions_in_db=result["versions_in_db"],
         of=args.users)
    failed |= not everyone
    for name, key in per_report.items():
        ok = checks.get(key, 0) == n
        emit(figure="integrity", check=name, value=ok, ok=ok, passed=checks.get(key, 0), of=n,
             of_what="reports whose submission the client sent")
        failed |= not ok
    untouched = result["submitted_in_db"] == n and result["versions_in_db"] == n
    emit(figure="integrity", check="no_other_report_submitted", value=untouched, ok=untouched,
         submitted_in_db=result["submitted_in_db"], submissions_sent=n)
    failed |= not untouched
    if result["problems"]:
        log(f"integrity problems (first 5): {result['problems']}")
    return failed


def check_emails(result: dict, maildir, mail_seconds: float) -> bool:
    """One confirmation per agency and language group in the sink, each recipient once; returns whether not."""
    n = result["n"]
    messages = sink_messages(maildir)
    by_address = {}
    for message in messages:
        for address in message["to"] + message["cc"]:
            by_address[address] = by_address.get(address, 0) + 1
    expected_messages = sum(len(groups) for groups in result["recipients"].values())
    agencies_ok = 0
    for groups in result["recipients"].values():  # the agencies whose submission was sent
        addresses = [a for group in groups.values() for a in group]
        agencies_ok += all(by_address.get(a, 0) == 1 for a in addresses)
    duplicates = sum(1 for count in by_address.values() if count > 1)
    ok = len(messages) == expected_messages and agencies_ok == len(result["recipients"]) == n and not duplicates
    emit(figure="emails", check="one_confirmation_per_agency_and_language_each_recipient_once", value=ok, ok=ok,
         messages=len(messages), expected_messages=expected_messages, agencies_ok=agencies_ok, of=n,
         recipients_with_duplicates=duplicates, in_sink_after_s=round(mail_seconds, 1),
         sink_files=sink_count(maildir),
         note="the app sends one message per agency and language group (staff who read English get their own)")
    return not ok


def main(argv=None) -> int:
    args = parse_args(argv)
    work = SCRATCH / f"deadline-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    smtp_port, web_port = free_port(), free_port()
    env = make_env(DB, work, port=web_port, redis_url=SHARED_REDIS, smtp_port=smtp_port)
    users = set_up(args, env)

    procs = []
    failed = False
    try:
        smtp, maildir = start_smtp_sink(work, smtp_port)
        procs.append(smtp)
        log(f"gunicorn --workers {args.workers} --threads {args.threads}; Celery worker on {SHARED_REDIS}")
        procs.append(start_gunicorn(env, work, web_port, workers=args.workers, threads=args.threads, timeout=120))
        procs.append(start_worker(env, work, concurrency=2))
        base = f"http://127.0.0.1:{web_port}"
        records, common = run_load(args, base, users)
        failed |= emit_load_figures(args, records, common)

        # --- integrity --------------------------------------------------------------------------------
        sent = {str(r["report"]): r["sent"] for r in records if r["sent"] is not None}
        sent_path = work / "sent.json"
        sent_path.write_text(json.dumps(sent, ensure_ascii=False))
        mail_seconds = wait_for_mail(args, env)
        result = django_run(env, f"SENT_PATH = {str(sent_path)!r}\nYEAR = {YEAR}\n" + VERIFY)
        failed |= check_integrity(args, result)

        # --- e-mails ------------------------------------------------------------------------------------
        failed |= check_emails(result, maildir, mail_seconds)
    finally:
        for proc in reversed(procs):
            proc.stop()
    if not args.keep_db:
        db_drop(DB)
        shutil.rmtree(work, ignore_errors=True)
    else:
        log(f"kept {DB}; logs and mail in {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
