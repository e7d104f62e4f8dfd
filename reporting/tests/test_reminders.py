"""Reminders: offsets, overdue cadence, escalation, exactly once (twice, concurrently, after a retry), catch-up,
digest. On the cast's small plan (conftest.py): its people and agencies have the factories' addresses."""
import datetime
import json
import threading
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from agencies.tests.factories import staff_of
from plan119.testing import at, fill, local
from reporting.cycle import services
from reporting.delivery.reminders import deadline_stage, reminders_due, reminders_send_due, synthesis_stage
from reporting.models import Notification, Reminder, ReminderKind, ReminderSettings

pytestmark = pytest.mark.django_db

D = datetime.date


def test_deadline_stages_before_and_after():
    s = ReminderSettings()
    assert deadline_stage(31, s) is None
    assert deadline_stage(30, s) == ("deadline", 30)
    assert deadline_stage(20, s) == ("deadline", 30)  # catch-up: the latest stage due, not the backlog
    assert deadline_stage(14, s) == ("deadline", 14)
    assert deadline_stage(2, s) == ("deadline", 3)
    assert deadline_stage(0, s) == ("deadline", 0)
    assert [deadline_stage(-d, s) for d in (1, 2, 3, 4, 7, 8, 10)] == [
        ("overdue", -1), ("overdue", -1), ("overdue", -1), ("overdue", -4), ("overdue", -7), ("overdue", -7),
        ("overdue", -10)]


def test_offsets_are_settings():
    s = ReminderSettings(before_deadline="10, 5", overdue_first=2, overdue_every=5)
    assert deadline_stage(12, s) is None and deadline_stage(6, s) == ("deadline", 10)
    assert deadline_stage(-1, s) is None
    assert deadline_stage(-2, s) == ("overdue", -2) and deadline_stage(-7, s) == ("overdue", -7)
    assert synthesis_stage(8, s) is None and synthesis_stage(5, s) == 7 and synthesis_stage(-1, s) is None


@pytest.fixture
def cast(small_periods, small_plan, owner, outsider, dfa):
    """The people reminded, each with the factories' address: staff of the lead and the co-operating departments,
    of the requested (voluntary) organisation, and a DFA officer who reads English. Each agency also has its own
    contact address (t-lead@example.vn …); the lead department has a head to escalate to."""
    lead = small_plan.lead
    lead.head_email = f"giamdoc.{lead.code.lower()}@example.vn"
    lead.save()
    dfa.language = "en"
    dfa.save()
    return {"lead": owner, "co_operating": outsider, "requested": staff_of(small_plan.requested), "dfa": dfa}


def close_other_years(periods, user, keep=2025):
    for year, period in periods.items():
        if year != keep:
            services.period_close(period=period, user=user)


def sent_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_send_once_then_nothing(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    first = reminders_send_due(today=D(2025, 10, 29))
    assert first["sent"] > 0 and first["failed"] == 0
    count = len(mail.outbox)
    second = reminders_send_due(today=D(2025, 10, 29))
    assert second["sent"] == 0 and second["skipped"] > 0
    assert len(mail.outbox) == count
    assert len(sent_to(cast["lead"].email)) == 1
    message = sent_to(cast["lead"].email)[0]
    assert "05/11/2025" in message.body and "/reports/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_one_email_per_recipient_covering_everything(cast, small_periods):
    # the 2024 period is still open and overdue: one e-mail covers both years
    close_other_years(small_periods, cast["dfa"], keep=2025)
    services.period_reopen(period=small_periods[2024], user=cast["dfa"])
    reminders_send_due(today=D(2025, 10, 29))
    messages = sent_to(cast["lead"].email)
    assert len(messages) == 1
    assert "2024" in messages[0].body and "2025" in messages[0].body


def test_submitted_agencies_are_not_chased(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    with at(2025, 10, 20):
        report = services.report_open(period=small_periods[2025], agency=cast["lead"].agency)
        fill(report)
        services.report_submit(report=report, user=cast["lead"])
    mail.outbox.clear()
    reminders_send_due(today=D(2025, 10, 29))
    assert not sent_to(cast["lead"].email)
    assert sent_to(cast["co_operating"].email)


def test_voluntary_organisation_gets_one_polite_notice(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    reminders_send_due(today=D(2025, 10, 2))
    reminders_send_due(today=D(2025, 10, 29))
    reminders_send_due(today=D(2025, 11, 20))
    notices = sent_to(cast["requested"].email)
    assert len(notices) == 1
    assert "voluntary" in notices[0].body.lower() or "tự nguyện" in notices[0].body.lower()


def test_overdue_cadence_and_escalation(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    days = {}
    for day in range(6, 20):
        mail.outbox.clear()
        reminders_send_due(today=D(2025, 11, day))
        days[day] = {tuple(m.to)[0] for m in mail.outbox}
    staff, head, dfa = cast["lead"].email, cast["lead"].agency.head_email, cast["dfa"].email
    assert [d for d in days if staff in days[d]] == [6, 9, 12, 15, 18]  # day after, then every 3 days
    assert [d for d in days if head in days[d]] == [12, 15, 18]  # from 7 days overdue
    assert dfa in days[12]
    escalations = Reminder.objects.filter(kind=ReminderKind.ESCALATION, sent_at__isnull=False)
    for address in (head, dfa):  # the officer hears of it every day anyway (digest, synthesis): the escalation too
        assert sorted(escalations.filter(recipient=address).values_list("day__day", flat=True)) == [12, 15, 18]


def test_catch_up_after_a_missed_day_sends_the_latest_stage_once(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    reminders_send_due(today=D(2025, 10, 6))   # 30 days before
    mail.outbox.clear()
    reminders_send_due(today=D(2025, 11, 1))   # server was down from 22/10 (14) and 29/10 (7): now 4 days left
    assert len(sent_to(cast["lead"].email)) == 1
    stages = set(Reminder.objects.filter(recipient=cast["lead"].email).values_list("offset", flat=True))
    assert stages == {30, 7}


def test_digest_for_the_dfa_never_empty(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    reminders_send_due(today=D(2025, 10, 19))
    assert not sent_to(cast["dfa"].email)  # before 20/10
    reminders_send_due(today=D(2025, 10, 20))
    digest = sent_to(cast["dfa"].email)
    assert len(digest) == 1 and "Not started" in digest[0].body  # the officer reads English
    # every expected report accepted: nothing to say, so no digest
    for report in small_periods[2025].reports.all():
        report.status = "accepted"
        report.submitted_at = report.first_submitted_at = local(2025, 10, 21)
        report.save()
    mail.outbox.clear()
    due = reminders_due(today=D(2025, 10, 25))
    assert not any(item.kind == ReminderKind.DIGEST for batch in due.values() for item in batch.items.values())


def test_synthesis_reminders_for_the_dfa(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    kinds = {}
    for day in (7, 8, 12, 14, 15, 16):
        due = reminders_due(today=D(2025, 11, day)).get(cast["dfa"].email)
        kinds[day] = sorted(i.offset for i in due.items.values() if i.kind == ReminderKind.SYNTHESIS) if due else []
    assert kinds == {7: [], 8: [7], 12: [3], 14: [1], 15: [1], 16: []}


def test_in_app_notification_with_unread_count(client, cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    reminders_send_due(today=D(2025, 10, 29))
    assert Notification.objects.filter(user=cast["lead"], read_at__isnull=True).count() == 1
    assert set(Notification.objects.values_list("kind", flat=True)) == {"reminders"}
    client.force_login(cast["lead"])
    html = client.get("/notifications/").content.decode()
    assert "2025" in html
    client.post("/notifications/read/")
    assert not Notification.objects.filter(user=cast["lead"], read_at__isnull=True).exists()


def test_mail_failure_is_recorded_and_retried_once_mail_is_back(cast, small_periods, monkeypatch):
    close_other_years(small_periods, cast["dfa"])
    from django.core.mail import EmailMultiAlternatives

    original = EmailMultiAlternatives.send

    def down(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    result = reminders_send_due(today=D(2025, 10, 29))
    assert result["sent"] == 0 and result["failed"] > 0
    assert Reminder.objects.filter(failed_at__isnull=False, sent_at__isnull=True).exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", original)
    retry = reminders_send_due(today=D(2025, 10, 29))
    assert retry["sent"] == result["failed"] and retry["failed"] == 0
    assert reminders_send_due(today=D(2025, 10, 29))["sent"] == 0


def test_dry_run_sends_and_records_nothing(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    out = StringIO()
    call_command("send_reminders", "--today", "2025-10-29", "--dry-run", stdout=out)
    assert f"would send to {cast['lead'].email}" in out.getvalue()
    assert not mail.outbox and not Reminder.objects.exists()


def test_command_prints_one_json_line(cast, small_periods):
    close_other_years(small_periods, cast["dfa"])
    out = StringIO()
    call_command("send_reminders", "--today", "2025-10-29", stdout=out)
    last = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(last) == {"date", "sent", "skipped", "failed"} and last["date"] == "2025-10-29" and last["sent"] > 0
    out = StringIO()
    call_command("send_reminders", "--today", "2025-10-29", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["sent"] == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_each_reminder_once(cast, small_periods):
    from django.db import connection

    from conftest import require_service

    require_service(connection.vendor == "postgresql",
                    "concurrent claims are tested on PostgreSQL (in-memory SQLite locks whole tables)")
    close_other_years(small_periods, cast["dfa"])
    results, errors = [], []

    def run():
        from django.db import connection as thread_connection

        try:
            results.append(reminders_send_due(today=D(2025, 10, 29)))
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    recipients = [m.to[0] for m in mail.outbox]
    assert len(recipients) == len(set(recipients))
    sent_recipients = Reminder.objects.filter(sent_at__isnull=False).values("recipient").distinct().count()
    assert sum(r["sent"] for r in results) == len(mail.outbox) == sent_recipients


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_claims_taken_in_chunks_send_each_reminder_once(cast, small_periods, monkeypatch, chunk):
    from reporting.delivery import reminders

    close_other_years(small_periods, cast["dfa"])
    monkeypatch.setattr(reminders, "CLAIM_CHUNK", chunk)
    first = reminders_send_due(today=D(2025, 10, 29))
    recipients = [m.to[0] for m in mail.outbox]
    assert first["sent"] == len(recipients) == len(set(recipients)) > 2
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    claimed_recipients = Reminder.objects.values("recipient").distinct().count()
    assert Reminder.objects.values("claim").distinct().count() == -(-claimed_recipients // chunk)
    assert reminders_send_due(today=D(2025, 10, 29))["sent"] == 0 and len(mail.outbox) == len(recipients)


def test_a_failed_send_leaves_only_that_recipients_claims_open(cast, small_periods, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    close_other_years(small_periods, cast["dfa"])
    original = EmailMultiAlternatives.send

    def refuse_sct(self, *args, **kwargs):
        if self.to == [cast["lead"].email]:
            raise ConnectionRefusedError("mailbox unavailable")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_sct)
    result = reminders_send_due(today=D(2025, 10, 29))
    assert result["failed"] == 1 and result["sent"] == len(mail.outbox) > 0
    open_claims = Reminder.objects.filter(sent_at__isnull=True)
    assert set(open_claims.values_list("recipient", flat=True)) == {cast["lead"].email}
    assert open_claims.filter(failed_at__isnull=False, attempts=1).count() == open_claims.count()


def test_identical_reminders_are_rendered_once_per_language(cast, small_periods, monkeypatch):
    from reporting.delivery import reminders

    close_other_years(small_periods, cast["dfa"])
    lead = cast["lead"].agency
    english = staff_of(lead, language="en")
    calls = []
    original = reminders.render_mail
    monkeypatch.setattr(reminders, "render_mail", lambda *a, **kw: calls.append(a) or original(*a, **kw))
    reminders_send_due(today=D(2025, 10, 29))
    vi, also_vi, en = (sent_to(a)[0] for a in (cast["lead"].email, lead.contact_emails, english.email))
    assert vi.body == also_vi.body and vi.subject == also_vi.subject and vi.to != also_vi.to
    assert en.body != vi.body and "report" in en.subject
    assert len(calls) < len(mail.outbox)


def test_stale_claim_of_a_dead_run_is_taken_over(cast, small_periods):
    from django.utils import timezone

    close_other_years(small_periods, cast["dfa"])
    Reminder.objects.create(period=small_periods[2025], recipient=cast["lead"].email, kind="deadline", offset=7,
                            due=small_periods[2025].agency_due, claimed_at=timezone.now() - datetime.timedelta(hours=1))
    reminders_send_due(today=D(2025, 10, 29))
    assert len(sent_to(cast["lead"].email)) == 1


def test_schedule_is_declared_at_eight(db):
    from django_celery_beat.models import PeriodicTask

    tasks = {t.task: t for t in PeriodicTask.objects.select_related("crontab")}
    assert tasks["reporting.tasks.flush_outbox"].crontab.minute == "*/5"
    sweep = tasks["reporting.tasks.sweep_reminders"].crontab
    assert (sweep.minute, sweep.hour) == ("*", "*")
    for name in ("reporting.tasks.send_reminders", "reporting.tasks.open_periods", "reporting.tasks.build_syntheses"):
        assert tasks[name].crontab.hour == "8" and tasks[name].crontab.minute == "0"
        assert str(tasks[name].crontab.timezone) == "Asia/Ho_Chi_Minh"


def test_a_fresh_claim_of_another_run_is_left_to_it_and_reported(cast, small_periods):
    from django.utils import timezone

    close_other_years(small_periods, cast["dfa"])
    Reminder.objects.create(period=small_periods[2025], recipient=cast["lead"].email, kind="deadline", offset=7,
                            due=small_periods[2025].agency_due, claimed_at=timezone.now())
    result = reminders_send_due(today=D(2025, 10, 29))
    assert result["in_flight"] == 1 and not sent_to(cast["lead"].email)


# --- one delivery path (issue 12): claims a dead run left are swept within minutes, each e-mail once -------------

def _claim_left_by_a_dead_run(period, recipient, age, **fields):
    from django.utils import timezone

    fields = {"recipient": recipient, "kind": "deadline", "offset": 7, "day": D(2025, 10, 29),
              "due": period.agency_due, **fields}
    return Reminder.objects.create(period=period, claimed_at=timezone.now() - age, **fields)


def test_the_sweep_sends_a_stale_claim_of_a_dead_run_exactly_once(cast, small_periods):
    from reporting.delivery.outbox import STALE_CLAIM
    from reporting.delivery.reminders import reminders_sweep

    close_other_years(small_periods, cast["dfa"])
    row = _claim_left_by_a_dead_run(small_periods[2025], cast["lead"].email,
                                    STALE_CLAIM + datetime.timedelta(seconds=30))
    assert reminders_sweep() == {"sent": 1, "failed": 0, "dropped": 0}
    (message,) = sent_to(cast["lead"].email)
    assert message.to == [cast["lead"].email] and "05/11/2025" in message.body  # the reminder of its day
    row.refresh_from_db()
    assert row.sent_at is not None and Reminder.objects.filter(recipient=row.recipient).count() == 1
    assert reminders_sweep() == {"sent": 0, "failed": 0, "dropped": 0}
    assert reminders_send_due(today=D(2025, 10, 29))["sent"] > 0 and len(sent_to(cast["lead"].email)) == 1
    assert Notification.objects.filter(user=cast["lead"]).count() == 1


def test_the_sweep_leaves_a_fresh_claim_alone_then_takes_it_once_stale(cast, small_periods):
    from django.utils import timezone

    from reporting.delivery.outbox import STALE_CLAIM
    from reporting.delivery.reminders import reminders_sweep

    close_other_years(small_periods, cast["dfa"])
    row = _claim_left_by_a_dead_run(small_periods[2025], cast["lead"].email, datetime.timedelta(seconds=5))
    assert reminders_send_due(today=D(2025, 10, 29))["in_flight"] == 1  # a rerun skips it, as before
    assert reminders_sweep() == {"sent": 0, "failed": 0, "dropped": 0} and not sent_to(row.recipient)
    assert Reminder.objects.get(pk=row.pk).claimed_at == row.claimed_at
    with time_machine.travel(timezone.now() + STALE_CLAIM, tick=True):
        assert reminders_sweep()["sent"] == 1 and len(sent_to(row.recipient)) == 1
        assert reminders_sweep()["sent"] == 0 and len(sent_to(row.recipient)) == 1


def test_the_sweep_drops_a_claim_no_longer_owed_and_ignores_old_ones(cast, small_periods):
    from reporting.delivery.outbox import STALE_CLAIM
    from reporting.delivery.reminders import SWEEP_HORIZON, reminders_sweep

    close_other_years(small_periods, cast["dfa"])
    period = small_periods[2025]
    not_owed = _claim_left_by_a_dead_run(period, cast["lead"].email, STALE_CLAIM * 2, offset=14)  # 29/10 owes 7 days
    too_old = _claim_left_by_a_dead_run(period, cast["co_operating"].email, SWEEP_HORIZON * 2)
    assert reminders_sweep() == {"sent": 0, "failed": 0, "dropped": 1} and not mail.outbox
    assert not Reminder.objects.filter(pk=not_owed.pk).exists()
    assert Reminder.objects.filter(pk=too_old.pk, sent_at=None).exists()


def test_the_sweep_sends_a_stale_manual_reminder_only_to_whom_it_was_claimed_for(cast, small_periods):
    from reporting.delivery.outbox import STALE_CLAIM
    from reporting.delivery.reminders import reminders_sweep

    close_other_years(small_periods, cast["dfa"])
    period = small_periods[2025]
    row = _claim_left_by_a_dead_run(period, cast["lead"].email, STALE_CLAIM * 2, kind="manual",
                                    offset=period.days_left(D(2025, 10, 29)))
    assert reminders_sweep()["sent"] == 1 and [m.to for m in mail.outbox] == [[row.recipient]]


def test_one_stale_claim_window_for_every_email():
    import pathlib
    import re

    from reporting.delivery import outbox, reminders

    root = pathlib.Path(outbox.__file__).resolve().parents[1]
    defined = [p.relative_to(root).as_posix() for p in root.rglob("*.py")
               if re.search(r"^STALE_CLAIM\s*=", p.read_text(), re.M)]
    assert defined == ["delivery/outbox.py"]
    assert reminders.STALE_CLAIM is outbox.STALE_CLAIM and outbox.STALE_CLAIM <= datetime.timedelta(minutes=5)


def test_an_outbox_claim_is_taken_over_after_the_same_window(report_with_outbox_row):
    from django.utils import timezone

    from reporting.delivery.outbox import STALE_CLAIM, outbox_deliver
    from reporting.models import OutboxMessage

    row = report_with_outbox_row
    OutboxMessage.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - STALE_CLAIM + datetime.timedelta(seconds=20)
    )
    assert outbox_deliver(message_id=row.pk) is False and not mail.outbox  # a live claim: left to its holder
    OutboxMessage.objects.filter(pk=row.pk).update(
        claimed_at=timezone.now() - STALE_CLAIM - datetime.timedelta(seconds=1)
    )
    assert outbox_deliver(message_id=row.pk) is True and len(mail.outbox) == 1
    assert outbox_deliver(message_id=row.pk) is False and len(mail.outbox) == 1


@pytest.fixture
def report_with_outbox_row(small_report, owner, django_capture_on_commit_callbacks):
    from reporting.models import OutboxMessage

    fill(small_report)
    with django_capture_on_commit_callbacks(execute=False):  # the worker never got it
        services.report_submit(report=small_report, user=owner)
    return OutboxMessage.objects.get(report=small_report)


def test_a_delivery_whose_claim_was_taken_over_is_not_sent(cast, small_periods):
    import uuid

    from reporting.delivery.mail import build_mail
    from reporting.delivery.outbox import Delivery, deliver

    row = _claim_left_by_a_dead_run(small_periods[2025], cast["lead"].email, datetime.timedelta(0), claim=uuid.uuid4())
    mine = _claim_left_by_a_dead_run(
        small_periods[2025], cast["co_operating"].email, datetime.timedelta(0), claim=uuid.uuid4()
    )
    lost = Delivery(build_mail("reminders", {"items": []}, to=[row.recipient]), Reminder, [row.pk], uuid.uuid4())
    kept = Delivery(build_mail("reminders", {"items": []}, to=[mine.recipient]), Reminder, [mine.pk], mine.claim)
    assert deliver([lost, kept], connections=2) == {"sent": 1, "failed": 1}
    assert [m.to for m in mail.outbox] == [[mine.recipient]]
    row.refresh_from_db()
    mine.refresh_from_db()
    assert row.sent_at is None and row.failed_at is None and row.attempts == 0  # left to whoever holds it now
    assert mine.sent_at is not None


# --- issue 11, point 9: offsets are ASCII whole numbers of days, and a bad stored value never stops a run ------

SETTINGS_FORM = {"before_deadline": "30,14,7,3,1,0", "overdue_first": 1, "overdue_every": 3, "escalate_after": 7,
                 "digest_from_day": 20, "digest_from_month": 10, "synthesis_before": "7,3,1"}


@pytest.mark.parametrize("field,bad", [("before_deadline", "30,14,7,3,1,0,²"), ("synthesis_before", "7,３,1"),
                                       ("before_deadline", "30,-1"), ("synthesis_before", "7,400"),
                                       ("before_deadline", "1.5")])
def test_the_admin_refuses_offsets_that_are_not_whole_days(client, admin, field, bad):
    settings = ReminderSettings.load()
    client.force_login(admin)
    response = client.post(reverse("admin:reporting_remindersettings_change", args=[settings.pk]),
                           {**SETTINGS_FORM, field: bad})
    assert response.status_code == 200 and field in response.context["adminform"].form.errors
    settings.refresh_from_db()
    assert getattr(settings, field) == SETTINGS_FORM[field]


def test_the_admin_accepts_offsets_with_spaces_and_semicolons(client, admin):
    settings = ReminderSettings.load()
    client.force_login(admin)
    response = client.post(reverse("admin:reporting_remindersettings_change", args=[settings.pk]),
                           {**SETTINGS_FORM, "before_deadline": "366; 10, 0,", "synthesis_before": " 1 "})
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.offsets_before() == [366, 10, 0] and settings.offsets_synthesis() == [1]


def test_a_bad_stored_offset_is_skipped_and_the_run_goes_on(cast, small_periods):
    ReminderSettings.load()
    ReminderSettings.objects.update(before_deadline="30,14,7,3,1,0,²,٣, -2,99999", synthesis_before="7,3,1,²")
    settings = ReminderSettings.load()
    assert settings.offsets_before() == [30, 14, 7, 3, 1, 0] and settings.offsets_synthesis() == [7, 3, 1]
    close_other_years(small_periods, cast["dfa"])
    assert reminders_send_due(today=D(2025, 10, 29))["sent"] > 0
    assert sent_to(cast["lead"].email)
