#!/usr/bin/env python
"""Fault scenarios, run on demand; each one self-contained with its own scratch database; one JSON line per figure.

    .venv/bin/python bench/faults.py [--only redis,worker,postgres] [--keep-db]

redis     Redis down while reports are submitted: submissions succeed, the confirmations wait in the outbox and go
          out, exactly once, once Redis is back. A separate redis-server on a free port is used (the shared one on
          6379 is never touched): it is stopped, 10 reports are submitted over HTTP, it is started again on the same
          port, the worker is checked (restarted only if it did not recover), and the outbox job
          (reporting.tasks.flush_outbox, through the broker, as celery beat would run it) delivers the backlog.
worker    A Celery worker SIGKILLed (its whole process group: main process and pool) in the middle of the reminder
          run and in the middle of the synthesis build (300 agencies), with celery beat running (only the reminder
          sweep enabled). The reminder job is rerun at once with a new worker (the dead run's claims are younger than
          reporting.delivery.outbox.STALE_CLAIM and skipped); then the sweep, run by beat every minute, must send
          every claim the dead run held, within minutes: the time from the new worker to the last one is measured.
          Duplicate e-mails must be 0 and every recipient must have had one. The synthesis is rebuilt and its stored
          content compared with a clean computation (must be equal). Last, only the pool process is killed in the
          middle of another day's reminder run: the requeued task reruns at once and the sweep sends what the killed
          process held (0 duplicates, 0 missing, time to drain measured).
postgres  PostgreSQL "restarted" under load: while 40 agency users log in and submit (starts spread over 30 s), every
          6 s the scratch database goes away for 2 s: new connections are refused (ALTER DATABASE … ALLOW_CONNECTIONS
          false) and every live connection to it is terminated (pg_terminate_backend, every 0.1 s), then it comes
          back. This stands in for a server restart where the PostgreSQL cluster on 127.0.0.1:5432 is shared with
          other work; the app sees the same thing (its connections die, new ones fail for a while, then succeed).
          With --pg-real-restart the server itself is stopped (fast shutdown) and started again instead
          (pg_ctlcluster, as root; only where nothing else uses the cluster). Users reload a failed step like a
          person would (up to 8 times). Every response must be a success or a clean 4xx/5xx within the client
          timeout, and every report either fully submitted (status, version, ReportVersion, event, outbox row,
          sections) or a consistent draft.

Exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg2  # noqa: E402  (the app's own driver, from the venv)
from bench_dashboards import (  # noqa: E402
    BENCH_PASSWORD,
    DB_PREFIX,
    SCRATCH,
    SHARED_REDIS,
    VENV_BIN,
    Client,
    Proc,
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
    manage,
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
from load_deadline import YEAR, one_user, setup_reports, texts_for  # noqa: E402

TODAY = "2026-11-26"
FAILED = False
# So that two people can run this at once: BENCH_REDIS_URL (another Redis db than 12), BENCH_DB_TAG (database names).
SHARED_REDIS = os.environ.get("BENCH_REDIS_URL", SHARED_REDIS)
DB_PREFIX += os.environ.get("BENCH_DB_TAG", "")


def check(**fields) -> dict:
    """A pass/fail figure; a failure makes the exit status 1."""
    global FAILED
    FAILED |= fields.get("ok") is False
    return emit(**fields)


def scratch(name: str) -> Path:
    work = SCRATCH / f"faults-{name}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


def base_data(env: dict, extra_agencies: int, years: int = 0) -> None:
    prepare_database(env["DATABASE_URL"].rsplit("/", 1)[1], env)
    ordered = django_run(env, "from agencies.models import ORDERED_KINDS, Agency\n"
                              "print(Agency.objects.filter(active=True, kind__in=ORDERED_KINDS).count())")
    generate_data(env, agencies=ordered + extra_agencies, years=years)


def confirmations_by_recipient(env: dict, report_ids: list[int], maildir: Path) -> dict:
    """Who should have had a confirmation (per agency and language group) against what is in the sink."""
    expected = django_run(env, f"""
from reporting.models import Report
from reporting.delivery.notifications import _agency_recipients
out = {{}}
for report in Report.objects.filter(pk__in={report_ids!r}).select_related("agency"):
    out[report.agency.code] = [sorted(a.lower() for a in group)
                               for group in _agency_recipients(report).values() if group]
print(json.dumps(out))
""")
    counts: dict[str, int] = {}
    messages = sink_messages(maildir)
    for message in messages:
        for address in message["to"] + message["cc"]:
            counts[address] = counts.get(address, 0) + 1
    addresses = [a for groups in expected.values() for group in groups for a in group]
    return {
        "expected_messages": sum(len(groups) for groups in expected.values()),
        "messages": len(messages),
        "recipients_expected": len(addresses),
        "recipients_exactly_once": sum(counts.get(a, 0) == 1 for a in addresses),
        "recipients_missing": sum(counts.get(a, 0) == 0 for a in addresses),
        "recipients_duplicated": sum(counts.get(a, 0) > 1 for a in addresses),
    }


# --- a. Redis down ----------------------------------------------------------------------------------------

def scenario_redis(args) -> None:
    db, name = f"{DB_PREFIX}fault_redis", "redis"
    work = scratch(name)
    redis_port, smtp_port, web_port = free_port(), free_port(), free_port()
    env = make_env(db, work, port=web_port, redis_url=f"redis://127.0.0.1:{redis_port}/0", smtp_port=smtp_port)
    log("a. Redis down: set-up")
    base_data(env, extra_agencies=args.redis_reports + 2)
    everyone = setup_reports(env, args.redis_reports + 2)
    users, later = everyone[:args.redis_reports], everyone[args.redis_reports:]  # `later` submit once Redis is back
    redis_argv = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                  "--daemonize", "no"]
    procs: dict[str, Proc] = {}
    try:
        procs["smtp"], maildir = start_smtp_sink(work, smtp_port)
        procs["redis"] = Proc("redis-server", redis_argv, dict(os.environ), work)
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(redis_port), "ping"], capture_output=True, text=True)
                 .stdout.strip() == "PONG", "the private redis-server", 20)
        procs["web"] = start_gunicorn(env, work, web_port, workers=5, threads=1, timeout=120)
        procs["worker"] = start_worker(env, work, concurrency=1)
        base = f"http://127.0.0.1:{web_port}"

        log(f"a. stopping the private redis-server (port {redis_port}); submitting {len(users)} reports")
        procs["redis"].stop()
        down_at = time.monotonic()
        with ThreadPoolExecutor(max_workers=5) as pool:
            records = list(pool.map(lambda iu: one_user(base, iu[1], time.monotonic(), iu[0], 110), enumerate(users)))
        # the submission itself (and the e-mail it enqueues) is the "confirm" step since issue 14
        submit_times = [s["seconds"] for r in records for s in r["steps"] if s["step"] == "confirm" and s["seconds"]]
        ok_submissions = sum(r["submitted"] and r["error"] is None for r in records)
        check(figure="redis_down_submissions_ok", scenario="redis", value=ok_submissions, of=len(users),
              ok=ok_submissions == len(users), errors=[r["error"] for r in records if r["error"]][:3],
              submit_p50_ms=ms(percentile(submit_times, 0.5)),
              submit_max_ms=ms(max(submit_times) if submit_times else None),
              note="HTTP 302 to the report page, with Redis stopped")
        pending = django_run(env, f"""
from reporting.models import OutboxMessage, Report
ids = {[u['report'] for u in users]!r}
print(json.dumps({{"pending": OutboxMessage.objects.filter(report_id__in=ids, sent_at__isnull=True).count(),
                  "rows": OutboxMessage.objects.filter(report_id__in=ids).count(),
                  "submitted": Report.objects.filter(pk__in=ids, status="submitted").count()}}))
""")
        check(figure="redis_down_outbox_pending", scenario="redis", value=pending["pending"], of=len(users),
              ok=pending["pending"] == pending["rows"] == len(users) and pending["submitted"] == len(users),
              submitted_in_db=pending["submitted"], mails_in_sink=sink_count(maildir))
        worker_alive_while_down = procs["worker"].alive()

        log("a. starting redis-server again on the same port")
        procs["redis"] = Proc("redis-server-2", redis_argv, dict(os.environ), work)
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(redis_port), "ping"], capture_output=True, text=True)
                 .stdout.strip() == "PONG", "the private redis-server", 20)
        recovered = True
        try:
            wait_for(lambda: "worker" in manage(env, "check_worker", "--timeout", "5", timeout=60),
                     "the worker to reconnect", 60, interval=2)
        except TimeoutError:
            recovered = False
            log("a. the worker did not recover by itself: restarting it")
            procs["worker"].stop()
            procs["worker"] = start_worker(env, work, concurrency=1, name="worker-2")
        emit(figure="redis_worker_recovered_by_itself", scenario="redis", value=recovered,
             worker_alive_while_redis_down=worker_alive_while_down, redis_down_s=round(time.monotonic() - down_at, 1))

        # Redis is back: do the web processes enqueue again (the confirmation goes out at once, without the outbox job)?
        sink_before = sink_count(maildir)
        later_records = [one_user(base, user, time.monotonic(), 100 + i, 110) for i, user in enumerate(later)]
        later_submit = [s["seconds"] for r in later_records for s in r["steps"]
                        if s["step"] == "confirm" and s["seconds"]]
        direct = None
        try:
            wait_for(lambda: django_run(env, f"from reporting.models import OutboxMessage\n"
                                              f"print(OutboxMessage.objects.filter("
                                              f"report_id__in={[u['report'] for u in later]!r}, "
                                              f"sent_at__isnull=True).count())") == 0,
                     "the new confirmations", 30, interval=2)
            direct = True
        except TimeoutError:
            direct = False
        check(figure="redis_back_new_submissions_enqueued", scenario="redis", value=direct, ok=direct is True,
              submitted=sum(r["submitted"] for r in later_records), of=len(later),
              submit_ms=[ms(x) for x in later_submit], new_mails=sink_count(maildir) - sink_before,
              note="after Redis returns, a submission's e-mail should go through the broker at once, "
                   "not wait for the outbox job")

        # the backlog: flush_outbox (what beat runs every few minutes) only takes rows older than 30 s
        def youngest_pending_age():
            return django_run(env, "from django.utils import timezone\nfrom reporting.models import OutboxMessage\n"
                                   "row = OutboxMessage.objects.filter(sent_at__isnull=True)"
                                   ".order_by('-created_at').first()\n"
                                   "print(json.dumps(None if row is None else "
                                   "(timezone.now() - row.created_at).total_seconds()))")
        age = youngest_pending_age()
        if age is not None and age < 32:
            time.sleep(32 - age)
        flushed = json.loads(manage(env, "shell", "-c",
                                    "import json; from reporting.delivery.tasks import flush_outbox\n"
                                    "print(json.dumps(flush_outbox.delay().get(timeout=120)))").strip().splitlines()[-1])
        try:
            wait_for(lambda: django_run(env, "from reporting.models import OutboxMessage\n"
                                              "print(OutboxMessage.objects.filter(sent_at__isnull=True).count())") == 0,
                     "the outbox to empty", 120, interval=2)
        except TimeoutError as error:
            log(str(error))
        again = json.loads(manage(env, "shell", "-c",
                                  "import json, datetime; from reporting.delivery.outbox import outbox_flush\n"
                                  "print(json.dumps(outbox_flush(older_than=datetime.timedelta(0))))").strip().splitlines()[-1])
        time.sleep(3)
        mail = confirmations_by_recipient(env, [u["report"] for u in everyone], maildir)
        ok = (mail["messages"] == mail["expected_messages"]
              and mail["recipients_exactly_once"] == mail["recipients_expected"])
        check(figure="redis_back_confirmations_exactly_once", scenario="redis", value=ok, ok=ok, first_flush=flushed,
              second_flush=again, **mail)
    finally:
        for proc in reversed(list(procs.values())):
            proc.stop()
    cleanup(db, work, args)


# --- b. Worker killed mid-run ----------------------------------------------------------------------------------

REMINDER_STATE = """
from reporting.models import Reminder
rows = Reminder.objects.filter(pk__gt=AFTER_ID)
print(json.dumps({"rows": rows.count(), "sent": rows.filter(sent_at__isnull=False).count(),
                  "claimed_unsent": rows.filter(sent_at__isnull=True, failed_at__isnull=True).count(),
                  "failed": rows.filter(failed_at__isnull=False).count(),
                  "recipients": sorted(set(rows.values_list("recipient", flat=True)))}))
"""


def _reminder_mail(maildir: Path) -> dict:
    counts: dict[str, int] = {}
    for message in sink_messages(maildir):
        for address in message["to"]:
            counts[address] = counts.get(address, 0) + 1
    return counts


def _run_task(env: dict, call: str, timeout: int = 600):
    out = manage(env, "shell", "-c", f"import json; from reporting.delivery.tasks import *\nprint(json.dumps({call}))",
                 timeout=timeout + 60)
    return json.loads(out.strip().splitlines()[-1])


def _redis_unacked(redis_url: str) -> int | None:
    db = redis_url.rsplit("/", 1)[1]
    out = subprocess.run(["redis-cli", "-n", db, "hlen", "unacked"], capture_output=True, text=True)
    return int(out.stdout.strip()) if out.stdout.strip().isdigit() else None


def _synthesis_row(conn, period: int):
    with conn.cursor() as cur:
        cur.execute("SELECT state, progress FROM reporting_synthesis WHERE period_id = %s", [period])
        return cur.fetchone()


def _synthesis_running(conn, period: int) -> bool:
    row = _synthesis_row(conn, period)
    return bool(row and row[0] == "running" and 1 <= row[1] < 100)


def _synthesis_same(env: dict, period: int) -> dict:
    """The stored synthesis against a clean computation of the same period (in a new process)."""
    return django_run(env, f"""
from reporting.models import ReportingPeriod, Synthesis
from reporting.synthesis.build import synthesis_content
period = ReportingPeriod.objects.get(pk={period})
stored = Synthesis.objects.get(period=period)
content, built_from = synthesis_content(period=period)
normal = lambda value: json.loads(json.dumps(value, sort_keys=True, default=str))
print(json.dumps({{"content_equal": normal(stored.content) == normal(content),
                  "built_from_equal": stored.built_from == built_from, "state": stored.state,
                  "progress": stored.progress, "groups": len(content["groups"]),
                  "agencies": len(content["agencies"]), "bytes": len(json.dumps(content))}}))
""")


def _pool_children(proc: Proc) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    except OSError:
        return []


def _kill_pool_child_when(proc: Proc, condition, timeout: float):
    """SIGKILL the worker's pool process(es) (not the main process) as soon as `condition()` holds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            children = _pool_children(proc)
            for pid in children:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            return {"children_killed": len(children)}
        time.sleep(0.005)
    return None


def start_beat(env: dict, work: Path) -> Proc:
    """celery beat on the database schedule, with only the reminder sweep enabled (the bench's days are not today's)."""
    django_run(env, "from django_celery_beat.models import PeriodicTask\n"
                    "PeriodicTask.objects.exclude(task='reporting.tasks.sweep_reminders').update(enabled=False)\n"
                    "print(json.dumps(PeriodicTask.objects.filter(enabled=True).count()))")
    return Proc("beat", [str(VENV_BIN / "celery"), "-A", "plan119", "beat", "--loglevel=WARNING",
                         "-s", str(work / "beat-schedule")], env, work)


def _drained(env: dict, after_id: int, maildir: Path, timeout: float = 420) -> dict:
    """Wait until every reminder row after `after_id` is sent; then compare rows and the sink's mail."""
    started = time.monotonic()
    try:
        wait_for(lambda: django_run(env, f"AFTER_ID = {after_id}\n" + REMINDER_STATE)["claimed_unsent"] == 0,
                 "every claimed reminder to be sent", timeout, interval=2)
    except TimeoutError as error:
        log(str(error))
    waited = round(time.monotonic() - started, 1)
    time.sleep(2)
    state = django_run(env, f"AFTER_ID = {after_id}\n" + REMINDER_STATE)
    counts = _reminder_mail(maildir)
    return {"waited_s": waited, "state": state, "counts": counts,
            "dupes": [a for a, c in counts.items() if c > 1],
            "missing": [a for a in state["recipients"] if counts.get(a, 0) == 0]}


def _kill_worker_mid_build(conn, env: dict, worker: Proc, period: int):
    """Start build_synthesis(period) and SIGKILL the worker while it runs (up to 5 tries, when a build finishes
    first); returns the (state, progress) row seen at the kill, or None."""
    killed_at = None
    for attempt in range(1, 6):
        with conn.cursor() as cur:
            cur.execute("DELETE FROM reporting_synthesis WHERE period_id = %s", [period])
        manage(env, "shell", "-c",
               f"from reporting.delivery.tasks import build_synthesis; build_synthesis.delay({period})")
        end = time.monotonic() + 120
        row = None
        while time.monotonic() < end:
            with conn.cursor() as cur:
                cur.execute("SELECT state, progress FROM reporting_synthesis WHERE period_id = %s", [period])
                row = cur.fetchone()
            if row and row[0] == "running" and 1 <= row[1] < 100:
                worker.kill()
                killed_at = row
                break
            if row and row[0] == "idle" and row[1] == 100:
                break
            time.sleep(0.005)
        if killed_at:
            break
        log(f"b. the build finished before the kill (attempt {attempt}); trying again")
    return killed_at


def scenario_worker(args) -> None:
    db, name = f"{DB_PREFIX}fault_worker", "worker"
    work = scratch(name)
    smtp_port = free_port()
    env = make_env(db, work, redis_url=SHARED_REDIS, smtp_port=smtp_port)
    subprocess.run(["redis-cli", "-n", SHARED_REDIS.rsplit("/", 1)[1], "flushdb"], check=True, capture_output=True)
    log(f"b. worker killed: set-up ({args.worker_agencies} agencies, 2023–2025 reports)")
    prepare_database(db, env)
    generate_data(env, agencies=args.worker_agencies, years=3)
    # Only 2026 is chased: the earlier periods are closed, as they would be once their synthesis is final.
    expected = django_run(env, f"""
import datetime, io
from reporting.models import ReportingPeriod
from reporting.delivery.reminders import reminders_send_due
ReportingPeriod.objects.exclude(year={YEAR}).update(status="closed")
dry = reminders_send_due(today=datetime.date.fromisoformat({TODAY!r}), dry_run=True, out=io.StringIO())
print(json.dumps({{"recipients": dry["sent"], "period_2025": ReportingPeriod.objects.get(year=2025).pk}}))
""")
    procs: dict[str, Proc] = {}
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=db)
    conn.autocommit = True
    try:
        procs["smtp"], maildir = start_smtp_sink(work, smtp_port)
        procs["worker"] = start_worker(env, work, concurrency=1)
        procs["beat"] = start_beat(env, work)

        # --- reminders ---
        log(f"b. send_reminders({TODAY}) through the broker: {expected['recipients']} e-mails owed; "
            "SIGKILL the worker mid-run")
        manage(env, "shell", "-c",
               f"from reporting.delivery.tasks import send_reminders; send_reminders.delay({TODAY!r})")
        threshold = max(5, int(expected["recipients"] * args.kill_at))
        try:
            wait_for(lambda: sink_count(maildir) >= threshold, f"{threshold} e-mails in the sink", 300, interval=0.05)
        except TimeoutError as error:
            log(str(error))
        at_kill = sink_count(maildir)
        procs["worker"].kill()
        time.sleep(2)
        after_kill = sink_count(maildir)
        state1 = django_run(env, "AFTER_ID = 0\n" + REMINDER_STATE)
        check(figure="worker_killed_mid_reminders", scenario="worker", value=after_kill, of=expected["recipients"],
              ok=0 < after_kill < expected["recipients"], mails_at_kill=at_kill, reminder_rows=state1["rows"],
              sent_rows=state1["sent"], claimed_unsent_rows=state1["claimed_unsent"],
              unacked_in_broker=_redis_unacked(SHARED_REDIS),
              note="SIGKILL of the worker's process group; the task message stays unacked in Redis (acks_late) and "
                   "would be redelivered after the visibility timeout (1 h)")

        procs["worker"] = start_worker(env, work, concurrency=1, name="worker-2")
        back_at = time.monotonic()
        rerun = _run_task(env, f"send_reminders.delay({TODAY!r}).get(timeout=600)")
        time.sleep(2)
        state2 = django_run(env, "AFTER_ID = 0\n" + REMINDER_STATE)
        counts = _reminder_mail(maildir)
        dupes = sum(1 for c in counts.values() if c > 1)
        check(figure="reminders_rerun_immediately", scenario="worker", value=dupes, target="0 duplicates",
              ok=dupes == 0, rerun=rerun, mails=sum(counts.values()), recipients_mailed=len(counts),
              of=expected["recipients"], claimed_unsent_left=state2["claimed_unsent"],
              note="the dead run's claims are younger than STALE_CLAIM and skipped: the sweep sends them")

        # no back-dating: beat's sweep (every minute) takes the claims over once they are STALE_CLAIM old
        drained = _drained(env, 0, maildir)
        ok = not drained["dupes"] and not drained["missing"] and drained["state"]["claimed_unsent"] == 0 \
            and len(drained["counts"]) == expected["recipients"]
        check(figure="reminders_swept_after_worker_death", scenario="worker", value=len(drained["dupes"]),
              target="0 duplicates, 0 missing", ok=ok, drained_s_after_worker_back=round(time.monotonic() - back_at, 1),
              claims_held_by_the_dead_run=state1["claimed_unsent"], mails=sum(drained["counts"].values()),
              recipients_mailed=len(drained["counts"]), of=expected["recipients"],
              recipients_missing=len(drained["missing"]),
              duplicate_examples=drained["dupes"][:5], claimed_unsent_left=drained["state"]["claimed_unsent"],
              note="sent by reporting.tasks.sweep_reminders (celery beat, every minute) once older than STALE_CLAIM")

        # --- synthesis ---
        period = expected["period_2025"]
        log("b. build_synthesis(2025) through the broker; SIGKILL the worker mid-build")
        killed_at = _kill_worker_mid_build(conn, env, procs["worker"], period)
        time.sleep(1)
        with conn.cursor() as cur:
            cur.execute("SELECT state, progress, built_at IS NOT NULL, content::text FROM reporting_synthesis "
                        "WHERE period_id = %s", [period])
            state, progress, built, content = cur.fetchone()
        emit(figure="worker_killed_mid_synthesis", scenario="worker", value=killed_at is not None,
             progress_at_kill=killed_at[1] if killed_at else None, stored_state_after_kill=state,
             stored_progress_after_kill=progress, content_stored=built or content not in ("{}", None),
             note="the row stays in state 'running' until a rebuild; the page keeps showing 'Building'")
        # the build finished before the kill: stop it, or it lives on, orphaned, on the queue
        if procs["worker"].alive():
            procs["worker"].stop()
        procs["worker"] = start_worker(env, work, concurrency=1, name="worker-3")
        rebuilt = _run_task(env, f"build_synthesis.delay({period}).get(timeout=600)")
        same = _synthesis_same(env, period)
        ok = same["content_equal"] and same["built_from_equal"] and same["state"] == "idle" and killed_at is not None
        check(figure="synthesis_rebuilt_equals_clean_build", scenario="worker", value=same["content_equal"], ok=ok,
              rebuilt_pk=rebuilt, **same)

        # --- the same with only the pool process killed (what the OOM killer does): the main process survives and,
        # with task_acks_late + task_reject_on_worker_lost, the task is requeued and runs again at once by itself ---
        log("b. pool process killed mid-build (main process alive): automatic redelivery?")
        with conn.cursor() as cur:
            cur.execute("DELETE FROM reporting_synthesis WHERE period_id = %s", [period])
        manage(env, "shell", "-c",
               f"from reporting.delivery.tasks import build_synthesis; build_synthesis.delay({period})")
        child_kill = _kill_pool_child_when(procs["worker"], lambda: _synthesis_running(conn, period), 120)
        recovered = True
        try:
            wait_for(lambda: _synthesis_row(conn, period) == ("idle", 100), "the requeued build to finish", 180,
                     interval=0.5)
        except TimeoutError:
            recovered = False
        same = _synthesis_same(env, period) if recovered else {}
        ok = recovered and child_kill is not None and same.get("content_equal") and same.get("built_from_equal")
        check(figure="synthesis_pool_kill_requeued_and_equal", scenario="worker", value=bool(recovered), ok=bool(ok),
              killed_at=child_kill, finished_by_itself=recovered,
              **{k: same.get(k) for k in ("content_equal", "built_from_equal")})

        # --- a reminder run whose pool process is killed: another day (a new overdue stage), a new sink ---
        day2 = (datetime.date.fromisoformat(TODAY) + datetime.timedelta(days=3)).isoformat()
        smtp2_port = free_port()
        env2 = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{smtp2_port}"}
        procs["smtp2"], maildir2 = start_smtp_sink(work, smtp2_port, name="smtp2")
        procs["worker"].stop()
        procs["worker"] = start_worker(env2, work, concurrency=1, name="worker-4")
        with conn.cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM reporting_reminder")
            before_id = cur.fetchone()[0]
        log(f"b. send_reminders({day2}); SIGKILL of the pool process only, mid-run")
        manage(env2, "shell", "-c",
               f"from reporting.delivery.tasks import send_reminders; send_reminders.delay({day2!r})")
        child_kill = _kill_pool_child_when(procs["worker"], lambda: sink_count(maildir2) >= threshold, 300)
        killed_at, at_kill = time.monotonic(), sink_count(maildir2)
        time.sleep(5)  # the requeued task reruns at once by itself
        drained = _drained(env, before_id, maildir2)
        state4 = drained["state"]
        ok = (not drained["dupes"] and not drained["missing"] and state4["claimed_unsent"] == 0
              and child_kill is not None)
        check(figure="reminders_pool_kill_requeued", scenario="worker", value=len(drained["dupes"]),
              target="0 duplicates, 0 missing", ok=ok, killed_at_mails=at_kill, pool_killed=child_kill is not None,
              drained_s_after_kill=round(time.monotonic() - killed_at, 1), mails=sum(drained["counts"].values()),
              recipients_mailed=len(drained["counts"]), reminder_rows=state4["rows"], sent_rows=state4["sent"],
              recipients_missing=len(drained["missing"]), claimed_unsent_left=state4["claimed_unsent"],
              note="the requeued task reran at once and skipped the killed process's fresh claims; the sweep sent them")
    finally:
        conn.close()
        for proc in reversed(list(procs.values())):
            if proc.alive():
                proc.stop()
        subprocess.run(["redis-cli", "-n", SHARED_REDIS.rsplit("/", 1)[1], "flushdb"], capture_output=True)
    cleanup(db, work, args)


# --- c. PostgreSQL connections cut under load ------------------------------------------------------------------

def _pg_login(client: Client, user: dict, attempt):
    """One try at logging in: the answer, or None to try again."""
    page = attempt(lambda: client.get("/accounts/login/"), "login_page")
    if page is None or page.status != 200:
        return None
    answer = attempt(lambda: client.post("/accounts/login/", {"csrfmiddlewaretoken": csrf_token(page.text),
                                                              "username": user["username"], "password": BENCH_PASSWORD,
                                                              "next": "/"}), "login_post")
    return answer if answer is not None and logged_in(answer) else None


def _pg_submit(client: Client, user: dict, record: dict, attempt):
    """One try at submitting the report: "submitted", "already" (an earlier try went through) or None to try again."""
    edit = f"/reports/{user['report']}/edit/"
    detail = f"/reports/{user['report']}/"
    form = attempt(lambda: client.get(edit), "edit_form")
    if form is None:
        return None
    if form.status == 302 and form.location.endswith(detail):
        return "already"  # an earlier attempt went through: the report is no longer editable
    if form.status != 200:
        return None
    section_ids = sorted({int(s) for s in re.findall(r'name="s(\d+)-results"', form.text)})
    fields = {"csrfmiddlewaretoken": csrf_token(form.text), "action": "submit", "anchor": "",
              "summary": f"Tổng hợp năm {YEAR} của {user['agency']}.",
              "lock_version": re.search(r'name="lock_version" value="(\d+)"', form.text).group(1)}
    sent = {"summary": fields["summary"], "sections": {}}
    for i, sid in enumerate(section_ids):
        values = texts_for(user["agency"], sid, i, decompose=False)
        sent["sections"][str(sid)] = values
        fields.update({f"s{sid}-{k}": v for k, v in values.items()})
        fields.update({f"s{sid}-fig-TOTAL_FORMS": "0", f"s{sid}-fig-INITIAL_FORMS": "0",
                       f"s{sid}-fig-MIN_NUM_FORMS": "0", f"s{sid}-fig-MAX_NUM_FORMS": "30"})
    record["sent"] = sent
    confirm = f"/reports/{user['report']}/submit/"
    answer = attempt(lambda: client.post(edit, fields, client.base + edit), "submit")
    if answer is None or answer.status != 302 or not answer.location.endswith(confirm):
        return None
    page = attempt(lambda: client.get(confirm), "confirm_page")  # a submission is confirmed first (issue 14)
    if page is not None and page.status == 302 and page.location.endswith(detail):
        return "already"
    if page is None or page.status != 200:
        return None
    fields = {"csrfmiddlewaretoken": csrf_token(page.text),
              "lock_version": re.search(r'name="lock_version" value="(\d+)"', page.text).group(1)}
    answer = attempt(lambda: client.post(confirm, fields, client.base + confirm), "confirm")
    if answer is not None and answer.status == 302 and answer.location.endswith(detail):
        return "submitted"
    return None


def pg_user(base: str, user: dict, start_at: float, index: int, timeout: float, stop: threading.Event) -> dict:
    """Log in and submit, retrying a failed step (a reload, as a person would) up to 8 times."""
    record = {"report": user["report"], "agency": user["agency"], "responses": [], "hangs": 0, "outcome": None,
              "sent": None, "retries": 0}
    time.sleep(max(0.0, start_at - time.monotonic()))
    client = Client(base, timeout=timeout)

    def attempt(call, step):
        try:
            response = call()
        except OSError as error:  # refused, reset, timeout
            hang = "timed out" in str(error).lower()
            record["hangs"] += hang
            record["responses"].append({"step": step, "status": "timeout" if hang else "conn_error", "seconds": None})
            return None
        record["responses"].append({"step": step, "status": response.status, "seconds": response.seconds})
        return response

    def retrying(what, body):
        for n in range(8):  # a person reloading: after 0.5 s, 1 s, … up to 3 s (about 15 s in all)
            result = body()
            if result is not None:
                return result
            record["retries"] += 1
            time.sleep(min(3.0, 0.5 * (n + 1)))
        raise RuntimeError(f"{what} failed 8 times")

    try:
        retrying("login", lambda: _pg_login(client, user, attempt))
        record["outcome"] = retrying("submit", lambda: _pg_submit(client, user, record, attempt))
    except Exception as error:  # noqa: BLE001
        record["outcome"] = f"gave up: {error}"
    return record


CONSISTENCY = """
import unicodedata
from reporting.models import OutboxMessage, Report, ReportEvent, ReportVersion
sent = json.load(open(SENT_PATH))
nfc = lambda s: unicodedata.normalize("NFC", s)
out = {"submitted": 0, "draft_untouched": 0, "draft_saved": 0, "inconsistent": [], "reports": 0}
for report in Report.objects.filter(period__year=YEAR, agency__code__startswith="BENCH-").prefetch_related("sections"):
    out["reports"] += 1
    versions = ReportVersion.objects.filter(report=report).count()
    events = ReportEvent.objects.filter(report=report, kind="submitted").count()
    outbox = OutboxMessage.objects.filter(report=report).count()
    what = sent.get(str(report.pk))
    sections = {str(s.pk): s for s in report.sections.all()}
    filled = [all(getattr(s, f) == nfc(what["sections"][sid][f])
                  for f in ("progress", "results", "difficulties", "proposals"))
              if what and sid in what["sections"] else False for sid, s in sections.items()]
    empty = [not any(getattr(s, f) for f in ("progress", "results", "difficulties", "proposals"))
             for s in sections.values()]
    submitted = report.status == "submitted"
    problems = []
    if submitted != (report.submitted_at is not None):
        problems.append("status vs submitted_at")
    if submitted != (versions > 0):
        problems.append("status vs ReportVersion")
    if versions != report.version or events != report.version or outbox != report.version:
        problems.append(f"version={report.version} versions={versions} events={events} outbox={outbox}")
    if submitted and not (all(filled) and report.summary == nfc(what["summary"])):
        problems.append("submitted with sections not as sent")
    if (not submitted and not (all(empty) and report.summary == "")
            and not (all(filled) and what and report.summary == nfc(what["summary"]))):
        problems.append("draft half-written")
    if problems:
        out["inconsistent"].append({"report": report.pk, "problems": problems})
    elif submitted:
        out["submitted"] += 1
    elif all(empty):
        out["draft_untouched"] += 1
    else:
        out["draft_saved"] += 1
print(json.dumps(out))
"""


def _terminator(args, db: str, stop: threading.Event, kills: dict) -> None:
    """Every `pg_every` s a simulated restart of `pg_down` s: new connections refused, live ones terminated."""
    conn = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        while not stop.wait(args.pg_every):
            try:
                with conn.cursor() as cur:
                    cur.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
                    end = time.monotonic() + args.pg_down
                    while time.monotonic() < end:
                        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE datname = %s AND pid <> pg_backend_pid()", [db])
                        kills["backends"] += cur.fetchone()[0]
                        time.sleep(0.1)
                    cur.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
                kills["rounds"] += 1
            except psycopg2.Error:
                kills["errors"] += 1
    finally:
        with conn.cursor() as cur:
            cur.execute(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        conn.close()


def _restarter(args, stop: threading.Event, kills: dict) -> None:
    """--pg-real-restart: every `pg_every` s the PostgreSQL server itself is stopped (fast shutdown: every client
    is disconnected), kept down for `pg_down` s and started again. Only where the cluster is this project's own."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    control = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    while not stop.wait(args.pg_every):
        down = subprocess.run(control + ["stop", "-m", "fast"], capture_output=True, text=True)
        time.sleep(args.pg_down)
        up = subprocess.run(control + ["start"], capture_output=True, text=True)
        ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-t", "30"], capture_output=True)
        if down.returncode == up.returncode == ready.returncode == 0:
            kills["rounds"] += 1
        else:
            kills["errors"] += 1
            log(f"restart failed: {down.stderr.strip()} {up.stderr.strip()}")
    subprocess.run(control + ["start"], capture_output=True)  # whatever happened, leave it running


def scenario_postgres(args) -> None:
    db, name = f"{DB_PREFIX}fault_pg", "postgres"
    work = scratch(name)
    web_port = free_port()
    env = make_env(db, work, port=web_port, redis_url=SHARED_REDIS)  # no worker: the e-mails are not the point here
    log(f"c. connections cut under load: set-up ({args.pg_users} agencies)")
    base_data(env, extra_agencies=args.pg_users)
    users = setup_reports(env, args.pg_users)
    procs: dict[str, Proc] = {}
    stop = threading.Event()
    kills = {"rounds": 0, "backends": 0, "errors": 0}

    try:
        procs["web"] = start_gunicorn(env, work, web_port, workers=3, threads=1, timeout=60)
        base = f"http://127.0.0.1:{web_port}"
        if args.pg_real_restart:
            killer = threading.Thread(target=_restarter, args=(args, stop, kills), daemon=True)
        else:
            killer = threading.Thread(target=_terminator, args=(args, db, stop, kills), daemon=True)
        log(f"c. {len(users)} users over {args.pg_stagger:g}s; a {args.pg_down:g}-s 'restart' every {args.pg_every:g}s")
        started = time.monotonic()
        killer.start()
        t0 = time.monotonic() + 0.2
        with ThreadPoolExecutor(max_workers=len(users)) as pool:
            futures = [pool.submit(pg_user, base, u, t0 + i * args.pg_stagger / len(users), i, args.pg_timeout, stop)
                       for i, u in enumerate(users)]
            records = [f.result(timeout=args.pg_stagger + 900) for f in futures]
        stop.set()
        killer.join(timeout=10)
        duration = time.monotonic() - started
        statuses: dict[str, int] = {}
        failures_by_step: dict[str, int] = {}
        for r in records:
            for resp in r["responses"]:
                key = resp["status"] if isinstance(resp["status"], str) else f"{resp['status'] // 100}xx"
                statuses[key] = statuses.get(key, 0) + 1
                if key not in ("2xx", "3xx"):
                    failures_by_step[resp["step"]] = failures_by_step.get(resp["step"], 0) + 1
        latencies = [resp["seconds"] for r in records for resp in r["responses"] if resp["seconds"] is not None]
        hangs = sum(r["hangs"] for r in records)
        outcomes: dict[str, int] = {}
        for r in records:
            key = r["outcome"] if r["outcome"] in ("submitted", "already") else "gave_up"
            outcomes[key] = outcomes.get(key, 0) + 1
        check(figure="pg_cut_responses", scenario="postgres", value=statuses, hangs=hangs, ok=hangs == 0,
              max_ms=ms(max(latencies) if latencies else None), p95_ms=ms(percentile(latencies, 0.95)),
              client_timeout_s=args.pg_timeout, retries=sum(r["retries"] for r in records), outcomes=outcomes,
              failures_by_step=failures_by_step,
              restarts=kills["rounds"], real_restart=args.pg_real_restart, restart_errors=kills["errors"],
              backends_terminated=kills["backends"], duration_s=round(duration, 1),
              method=(f"every {args.pg_every:g} s the PostgreSQL server stopped (fast shutdown), "
                      f"down {args.pg_down:g} s, started again (pg_ctlcluster)") if args.pg_real_restart else
                     (f"every {args.pg_every:g} s a simulated restart of {args.pg_down:g} s "
                      "on the scratch database only: "
                      "ALTER DATABASE … ALLOW_CONNECTIONS false, pg_terminate_backend() of its connections "
                      "every 0.1 s, "
                      "then ALLOW_CONNECTIONS true — not a real server restart (use --pg-real-restart where the "
                      "cluster is not shared)"),
              note="a 5xx is the app's clean error page; conn_error = connection reset/refused before an answer")
        sent = {str(r["report"]): r["sent"] for r in records if r["sent"] is not None}
        sent_path = work / "sent.json"
        sent_path.write_text(json.dumps(sent, ensure_ascii=False))
        state = django_run(env, f"SENT_PATH = {str(sent_path)!r}\nYEAR = {YEAR}\n" + CONSISTENCY)
        ok = not state["inconsistent"] and state["reports"] == len(users)
        check(figure="pg_cut_nothing_half_written", scenario="postgres", value=ok, ok=ok, reports=state["reports"],
              submitted=state["submitted"], draft_saved_not_submitted=state["draft_saved"],
              draft_untouched=state["draft_untouched"], inconsistent=state["inconsistent"][:5],
              checked="status submitted ⇔ submitted_at ⇔ ReportVersion; "
                      "version = #versions = #submitted events = #outbox rows; "
                      "sections all as sent (submitted) or all empty / all as sent (draft)")
        after = outcomes.get("submitted", 0) + outcomes.get("already", 0)
        check(figure="pg_cut_users_done_after_retries", scenario="postgres", value=after, of=len(users),
              ok=after == len(users) == state["submitted"], submitted_in_db=state["submitted"])
    finally:
        stop.set()
        for proc in reversed(list(procs.values())):
            proc.stop()
        subprocess.run(["redis-cli", "-n", SHARED_REDIS.rsplit("/", 1)[1], "flushdb"], capture_output=True)
    cleanup(db, work, args)


def cleanup(db: str, work: Path, args) -> None:
    if args.keep_db:
        log(f"kept {db}; logs in {work}")
        return
    db_drop(db)
    shutil.rmtree(work, ignore_errors=True)


SCENARIOS = {"redis": scenario_redis, "worker": scenario_worker, "postgres": scenario_postgres}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="redis,worker,postgres", help="comma-separated: redis, worker, postgres")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--redis-reports", type=int, default=10)
    parser.add_argument("--worker-agencies", type=int, default=300)
    parser.add_argument("--kill-at", type=float, default=0.3,
                        help="SIGKILL the worker once this share of e-mails arrived")
    parser.add_argument("--pg-users", type=int, default=40)
    parser.add_argument("--pg-stagger", type=float, default=30.0)
    parser.add_argument("--pg-every", type=float, default=6.0, help="seconds between simulated restarts")
    parser.add_argument("--pg-down", type=float, default=2.0, help="length of each simulated restart (s)")
    parser.add_argument("--pg-real-restart", action="store_true",
                        help="stop and start the PostgreSQL server itself (pg_ctlcluster, as root) instead of cutting "
                             "the scratch database's connections; only where nothing else uses the cluster")
    parser.add_argument("--pg-timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    SCRATCH.mkdir(parents=True, exist_ok=True)
    log(f"{os.cpu_count()} CPUs, load average {loadavg()}")
    for name in chosen:
        started = time.monotonic()
        try:
            SCENARIOS[name](args)
        except Exception as error:  # noqa: BLE001 - report and go on with the next scenario
            check(figure="scenario_crashed", scenario=name, value=f"{type(error).__name__}: {error}"[:1500], ok=False)
        log(f"{name}: {time.monotonic() - started:.0f}s")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
