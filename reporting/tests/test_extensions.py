"""Deadline extensions (gia hạn, issue 14): asked by the agency, granted or refused by the DFA, and the one deadline
rule that follows (reporting.models.due_in_force) everywhere: figures, overdue, reminders, home pages, the synthesis.

On the cast's small plan (conftest.py): the 2025 period is due 05/11/2025, the synthesis 15/11/2025."""
import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from plan119.testing import at, fill, local
from reporting.cycle import extensions, services
from reporting.dashboards import metrics
from reporting.delivery.reminders import reminders_due, reminders_manual, reminders_send_due
from reporting.models import (
    EventKind,
    ExtensionState,
    Notification,
    OutboxMessage,
    Reminder,
    ReminderKind,
    Report,
    due_in_force,
)
from reporting.synthesis.build import synthesis_content

pytestmark = pytest.mark.django_db

D = datetime.date
NEW_DATE = D(2025, 11, 12)


def ask(report, user, day=NEW_DATE, reason="Chờ số liệu quý IV của các phòng chuyên môn."):
    return extensions.extension_request(report=report, user=user, proposed_date=day, reason=reason)


def refused(call, *args, **kwargs) -> str:
    """The Vietnamese message with which a service refuses."""
    with translation.override("vi"), pytest.raises(services.ReportingError) as error:
        call(*args, **kwargs)
    return str(error.value)


def send(report, user):
    fill(report)
    return services.report_submit(report=report, user=user)


@pytest.fixture
def extended(small_report, owner, dfa):
    """The owner's report, extended by the DFA to 12/11/2025 (asked on 20/10/2025)."""
    extensions.extension_grant(extension=ask(small_report, owner), user=dfa)
    small_report.refresh_from_db()
    return small_report


# --- the rule -----------------------------------------------------------------------------------------------------

def test_the_deadline_rule():
    due = D(2025, 11, 5)
    assert due_in_force(due, None) == due
    assert due_in_force(due, D(2025, 11, 12)) == D(2025, 11, 12)
    # the period's deadline moved past a granted date afterwards: an extension never shortens a deadline
    assert due_in_force(D(2025, 11, 20), D(2025, 11, 12)) == D(2025, 11, 20)


# --- asking -------------------------------------------------------------------------------------------------------

def test_request_before_the_deadline(small_report, owner, dfa, colleague):
    extension = ask(small_report, owner)
    assert extension.state == ExtensionState.REQUESTED and extension.requested_by == owner
    event = small_report.events.get()
    assert (event.kind, event.actor, event.extension) == (EventKind.EXTENSION_REQUESTED, owner, extension)
    assert OutboxMessage.objects.get().kind == "extension_requested"
    # the DFA is told in the app, in the words of the e-mail; the agency is not (it asked)
    note = Notification.objects.get(user=dfa)
    assert "12/11/2025" in note.body and note.url == reverse("report_detail", args=[small_report.pk])
    assert not Notification.objects.filter(user__in=[owner, colleague]).exists()
    small_report.refresh_from_db()
    assert small_report.due_date == D(2025, 11, 5)  # nothing moves until the DFA grants


def test_request_after_the_deadline(small_report, owner):
    with at(2025, 11, 8):
        extension = ask(small_report, owner, D(2025, 11, 10))
    assert extension.proposed_date == D(2025, 11, 10)


@pytest.mark.parametrize("day,reason,message", [
    (D(2025, 11, 12), "  ", "lý do là bắt buộc"),
    (D(2025, 11, 5), "Lý do", "Chọn một ngày từ 06/11/2025 đến 14/11/2025"),  # not after the current deadline
    (D(2025, 11, 15), "Lý do", "trước hạn báo cáo tổng hợp (15/11/2025)"),  # the synthesis is due that day
    (None, "Lý do", "Chọn một ngày"),
])
def test_bad_requests_are_refused_in_vietnamese(small_report, owner, day, reason, message):
    assert message in refused(ask, small_report, owner, day, reason)
    assert not small_report.extensions.exists() and not small_report.events.exists()


def test_a_date_already_past_is_refused(small_report, owner):
    with at(2025, 11, 9):
        assert "từ 09/11/2025 đến 14/11/2025" in refused(ask, small_report, owner, D(2025, 11, 8))


def test_too_late_to_extend(small_report, owner):
    with at(2025, 11, 15):
        assert "Không thể gia hạn thêm" in refused(ask, small_report, owner, D(2025, 11, 16))


def test_one_pending_request_at_a_time(small_report, owner, colleague):
    ask(small_report, owner)
    assert "đang chờ Sở Ngoại vụ quyết định" in refused(ask, small_report, colleague, D(2025, 11, 10))
    assert small_report.extensions.count() == 1


def test_no_request_once_sent_accepted_or_closed(small_report, small_plan, owner, dfa):
    send(small_report, owner)
    assert "đã được gửi Sở Ngoại vụ" in refused(ask, small_report, owner)
    services.report_accept(report=small_report, user=dfa)
    assert "đã được Sở Ngoại vụ tiếp nhận" in refused(ask, small_report, owner)
    other = services.report_open(period=small_report.period, agency=small_plan.co_operating)
    services.period_close(period=small_report.period, user=dfa)
    assert "Kỳ báo cáo năm 2025 đã đóng" in refused(ask, other, owner)


def test_a_voluntary_report_has_no_deadline_to_extend(small_period, small_plan, in_october_2025):
    from agencies.tests.factories import staff_of

    org = services.report_open(period=small_period, agency=small_plan.requested)
    assert "tự nguyện" in refused(ask, org, staff_of(small_plan.requested, username="org"))


def test_a_second_extension_after_a_grant(extended, owner, dfa):
    assert "Chọn một ngày từ 13/11/2025" in refused(ask, extended, owner, D(2025, 11, 12))
    extensions.extension_grant(extension=ask(extended, owner, D(2025, 11, 14)), user=dfa)
    extended.refresh_from_db()
    assert extended.due_date == D(2025, 11, 14)


# --- deciding -----------------------------------------------------------------------------------------------------

def test_grant_to_the_proposed_date(small_report, owner, colleague, dfa):
    extension = extensions.extension_grant(extension=ask(small_report, owner), user=dfa)
    assert (extension.state, extension.granted_date, extension.decided_by) == (ExtensionState.GRANTED,
                                                                                D(2025, 11, 12), dfa)
    small_report.refresh_from_db()
    assert small_report.due_date == D(2025, 11, 12) and small_report.is_extended
    assert [e.kind for e in small_report.events.all()] == [EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_GRANTED]
    # the agency's staff are told in the app, both of them
    assert Notification.objects.filter(user__in=[owner, colleague], body__contains="12/11/2025").count() == 2


def test_grant_to_another_date_with_a_comment(small_report, owner, dfa):
    extension = extensions.extension_grant(extension=ask(small_report, owner), user=dfa,
                                           granted_date=D(2025, 11, 10), comment="Gia hạn 5 ngày.")
    small_report.refresh_from_db()
    assert small_report.due_date == D(2025, 11, 10) == extension.granted_date
    assert small_report.events.last().comment == "Gia hạn 5 ngày."


@pytest.mark.parametrize("day,message", [(D(2025, 11, 5), "sau hạn hiện tại"), (D(2025, 11, 20), "14/11/2025")])
def test_a_grant_outside_the_window_is_refused(small_report, owner, dfa, day, message):
    extension = ask(small_report, owner)
    assert message in refused(extensions.extension_grant, extension=extension, user=dfa, granted_date=day)
    extension.refresh_from_db()
    assert extension.is_pending


def test_refuse_needs_a_reason_and_moves_nothing(small_report, owner, colleague, dfa):
    extension = ask(small_report, owner)
    assert "từ chối gia hạn phải có lý do" in refused(extensions.extension_refuse, extension=extension, user=dfa,
                                                      comment=" ")
    extensions.extension_refuse(extension=extension, user=dfa, comment="Hạn đã được thông báo từ tháng 5.")
    extension.refresh_from_db()
    small_report.refresh_from_db()
    assert extension.state == ExtensionState.REFUSED and small_report.extended_due is None
    assert small_report.events.last().kind == EventKind.EXTENSION_REFUSED
    assert Notification.objects.filter(user=colleague, body__contains="tháng 5").exists()
    # decided once: neither decision again
    assert "đã được quyết định" in refused(extensions.extension_grant, extension=extension, user=dfa)
    # and the agency may ask again
    assert ask(small_report, owner, D(2025, 11, 8)).is_pending


def test_e_mails_go_to_the_dfa_then_to_the_agency(small_report, owner, dfa, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        extension = ask(small_report, owner)
    assert [m.to for m in mail.outbox] == [[dfa.email]]
    assert "12/11/2025" in mail.outbox[0].body and "Chờ số liệu quý IV" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        extensions.extension_grant(extension=extension, user=dfa)
    assert len(mail.outbox) == 1 and owner.email in mail.outbox[0].to and dfa.email not in mail.outbox[0].to
    assert "12/11/2025" in mail.outbox[0].subject
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0


# --- the figures follow the report's own deadline -------------------------------------------------------------------

def test_on_time_up_to_the_new_date(extended, owner):
    with at(2025, 11, 12, 23, 59):
        send(extended, owner)
    extended.refresh_from_db()
    assert extended.days_late == 0
    counts = metrics.period_counts(period=extended.period)
    assert (counts["on_time"], counts["late"], counts["extended"]) == (1, 0, 1)


def test_late_after_the_new_date_counted_from_it(extended, owner):
    with at(2025, 11, 14):
        send(extended, owner)
    extended.refresh_from_db()
    assert extended.days_late == 2
    assert list(metrics.reports_for_metric(period=extended.period, metric="late")) == [extended]


def test_the_extended_figure_and_its_drill_down(client, extended, small_plan, dfa):
    services.report_open(period=extended.period, agency=small_plan.co_operating)
    assert list(metrics.reports_for_metric(period=extended.period, metric="extended")) == [extended]
    client.force_login(dfa)
    page = client.get(reverse("dashboard_year", args=[2025]))
    assert {h["name"]: h["n"] for h in page.context["headline"]}["extended"] == 1
    drill = client.get(reverse("dashboard_reports", args=[2025]), {"metric": "extended"})
    assert drill.context["metric_label"] == "Được gia hạn"
    assert [r.pk for r in drill.context["page"]] == [extended.pk] and "12/11/2025" in drill.content.decode()
    rows = client.get(reverse("dashboard_reports", args=[2025]), {"metric": "extended", "format": "csv"})
    assert "12/11/2025" in rows.content.decode("utf-8-sig")


def test_an_extended_report_is_not_overdue_before_its_new_date(client, extended, small_plan, dfa):
    other = services.report_open(period=extended.period, agency=small_plan.co_operating)
    for day, overdue in ((D(2025, 11, 7), [other]), (D(2025, 11, 13), [other, extended])):
        assert sorted(metrics.reports_overdue(period=extended.period, today=day), key=lambda r: r.pk) == \
            sorted(overdue, key=lambda r: r.pk)
    with at(2025, 11, 7):
        client.force_login(dfa)
        assert client.get(reverse("dashboard_year", args=[2025])).context["overdue_count"] == 1
    assert metrics.days_left_to_report(extended, extended.period, D(2025, 11, 7)) == 5


def test_python_and_sql_agree_on_the_due_date(extended, owner):
    due = metrics.counted_reports(extended.period).annotate(due=metrics.DUE).filter(pk=extended.pk).values_list(
        "due", flat=True).get()
    assert due == extended.due_date == D(2025, 11, 12)


def test_the_agency_home_and_the_report_page_show_the_new_date(client, extended, owner):
    with at(2025, 11, 7):
        client.force_login(owner)
        home = client.get(reverse("home"))
    assert home.context["days_left"] == 5 and "12/11/2025" in home.content.decode()
    page = client.get(reverse("report_detail", args=[extended.pk])).content.decode()
    assert "hạn 12/11/2025" in page and "gia hạn từ 05/11/2025" in page
    assert "Đồng ý gia hạn" in page and "hạn mới 12/11/2025" in page  # the timeline


def test_the_synthesis_status_table_shows_the_extended_date(extended):
    content, _ = synthesis_content(period=extended.period)
    row = next(a for a in content["agencies"] if a["code"] == extended.agency.code)
    assert (row["due"], row["extended"]) == ("2025-11-12", True)
    assert content["completeness"]["extended"] == 1


# --- reminders follow the new date ------------------------------------------------------------------------------

def _chased(today):
    return {(item.kind, item.offset, item.due, r.pk) for batch in reminders_due(today=today).values()
            for item in batch.items.values() if item.kind in (ReminderKind.DEADLINE, ReminderKind.OVERDUE)
            for r in item.reports}


def test_reminders_count_from_the_new_date(extended, small_plan, small_periods, dfa):
    services.period_close(period=small_periods[2024], user=dfa)
    other = services.report_open(period=extended.period, agency=small_plan.co_operating)
    # 06/11: the other report is a day overdue; the extended one is due in 6 days (its "7 days" stage came on 05/11)
    assert _chased(D(2025, 11, 6)) == {("overdue", -1, D(2025, 11, 5), other.pk),
                                       ("deadline", 7, D(2025, 11, 12), extended.pk)}
    assert _chased(D(2025, 11, 13)) >= {("overdue", -1, D(2025, 11, 12), extended.pk)}
    manual = {(item.offset, item.due) for batch in reminders_manual(period=extended.period, today=D(2025, 11, 7))
              .values() for item in batch.items.values() for r in item.reports if r.pk == extended.pk}
    assert manual == {(5, D(2025, 11, 12))}


def test_the_new_deadline_day_is_reminded_although_the_old_one_was(small_report, small_periods, owner, dfa):
    services.period_close(period=small_periods[2024], user=dfa)
    with at(2025, 11, 5, 8):
        reminders_send_due(today=D(2025, 11, 5))
        extensions.extension_grant(extension=ask(small_report, owner, D(2025, 11, 7)), user=dfa)
    mail.outbox.clear()
    with at(2025, 11, 7, 8):
        reminders_send_due(today=D(2025, 11, 7))
    to_owner = [m for m in mail.outbox if owner.email in m.to]
    assert len(to_owner) == 1 and "07/11/2025" in to_owner[0].body
    assert Reminder.objects.filter(recipient=owner.email, kind="deadline", offset=0).count() == 2


# --- pages --------------------------------------------------------------------------------------------------------

REQUEST = {"owner": 200, "colleague": 200, "outsider": 404, "dfa": 403, "viewer": 403}


@pytest.mark.parametrize("who,expected", REQUEST.items())
def test_request_page_by_role(client, small_report, request, who, expected):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("extension_request", args=[small_report.pk])).status_code == expected


@pytest.mark.parametrize("who,expected", {**REQUEST, "owner": 302, "colleague": 302}.items())
def test_request_post_by_role(client, small_report, request, who, expected):
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("extension_request", args=[small_report.pk]),
                           {"proposed_date": "2025-11-12", "reason": "Chờ số liệu"})
    assert response.status_code == expected
    assert small_report.extensions.exists() == (expected == 302)


def test_request_form_keeps_what_was_typed_on_a_bad_date(client, small_report, owner):
    client.force_login(owner)
    response = client.post(reverse("extension_request", args=[small_report.pk]),
                           {"proposed_date": "2025-11-30", "reason": "Chờ số liệu của các phòng"})
    assert response.status_code == 400 and "Chờ số liệu của các phòng" in response.content.decode()
    assert "Chọn một ngày từ 06/11/2025 đến 14/11/2025" in response.content.decode()
    bad = client.post(reverse("extension_request", args=[small_report.pk]), {"proposed_date": "31/02/2025",
                                                                            "reason": "x"})
    assert bad.status_code == 400 and not small_report.extensions.exists()


DECIDE = {"owner": 403, "colleague": 403, "outsider": 404, "dfa": 302, "viewer": 403}


@pytest.mark.parametrize("who,expected", DECIDE.items())
def test_decide_by_role(client, small_report, owner, request, who, expected):
    extension = ask(small_report, owner)
    client.force_login(request.getfixturevalue(who))
    response = client.post(reverse("extension_decide", args=[extension.pk]),
                           {"decision": "grant", "granted_date": "", "comment": ""})
    assert response.status_code == expected
    small_report.refresh_from_db()
    assert small_report.extended_due == (D(2025, 11, 12) if expected == 302 else None)


def test_refuse_without_a_reason_is_told_and_nothing_changes(client, small_report, owner, dfa):
    extension = ask(small_report, owner)
    client.force_login(dfa)
    response = client.post(reverse("extension_decide", args=[extension.pk]),
                           {"decision": "refuse", "comment": ""}, follow=True)
    assert "từ chối gia hạn phải có lý do" in response.content.decode()
    extension.refresh_from_db()
    assert extension.is_pending


@pytest.mark.parametrize("who,expected", {"owner": 403, "outsider": 403, "dfa": 200, "viewer": 403}.items())
def test_list_by_role(client, small_report, owner, request, who, expected):
    ask(small_report, owner)
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("extension_list"))
    assert response.status_code == expected
    if expected == 200:
        assert [e.report_id for e in response.context["extensions"]] == [small_report.pk]


@pytest.mark.parametrize("name,method", [("extension_request", "get"), ("extension_request", "post"),
                                         ("extension_decide", "post"), ("extension_list", "get")])
def test_anonymous_goes_to_login(client, small_report, owner, name, method):
    args = [] if name == "extension_list" else [ask(small_report, owner).pk if name == "extension_decide"
                                                else small_report.pk]
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_decide_is_post_only(client, small_report, owner, dfa):
    client.force_login(dfa)
    assert client.get(reverse("extension_decide", args=[ask(small_report, owner).pk])).status_code == 405


def test_the_dfa_sees_the_pending_count(client, small_report, owner, dfa, django_assert_max_num_queries):
    ask(small_report, owner)
    client.force_login(dfa)
    home = client.get(reverse("home"))
    assert home.context["extensions_count"] == 1
    assert client.get(reverse("review_queue")).context["extensions_count"] == 1
    with django_assert_max_num_queries(12):
        client.get(reverse("extension_list"))


def test_the_report_page_offers_each_side_its_action(client, small_report, owner, viewer, dfa):
    url = reverse("report_detail", args=[small_report.pk])
    client.force_login(owner)
    assert client.get(url).context["can_request_extension"]
    extension = ask(small_report, owner)
    page = client.get(url)
    assert not page.context["can_request_extension"] and not page.context["can_decide_extension"]
    client.force_login(viewer)
    assert not client.get(url).context["can_decide_extension"]
    client.force_login(dfa)
    page = client.get(url)
    assert page.context["can_decide_extension"] and f'action="{reverse("extension_decide", args=[extension.pk])}"' \
        in page.content.decode()


def test_a_submission_is_timed_against_the_report_s_own_deadline(extended, owner, dfa):
    """The local-time end of the granted day decides, as for the period's deadline."""
    with at(2025, 11, 13, 0, 1):
        send(extended, owner)
    assert Report.objects.get(pk=extended.pk).first_submitted_at == local(2025, 11, 13, 0, 1)
    assert Report.objects.get(pk=extended.pk).days_late == 1


def test_the_agency_calendar_shows_the_extended_deadline(client, extended, owner):
    feed = client.get(reverse("calendar_feed", args=[owner.calendar_token])).content.decode()
    assert "DTSTART;VALUE=DATE:20251112" in feed and "DTSTART;VALUE=DATE:20251105" not in feed


def test_requests_and_decisions_go_into_the_changes_feed(small_report, owner, dfa):
    from reporting.models import FeedEntry

    extensions.extension_grant(extension=ask(small_report, owner), user=dfa)
    extensions.extension_refuse(extension=ask(small_report, owner, day=NEW_DATE + datetime.timedelta(days=1)),
                                user=dfa, comment="Không đủ thời gian tổng hợp.")
    assert list(FeedEntry.objects.filter(report=small_report).order_by("pk").values_list("kind", "action")) == [
        ("report", "extension_requested"), ("report", "extension_granted"),
        ("report", "extension_requested"), ("report", "extension_refused")]
