"""A deadline extension in a real browser (Chromium through Playwright), on the real Plan 119 (issue 14): the
Department of Industry and Trade asks for more time, the DFA grants it, the report is sent by the new date and the
dashboard counts it on time and extended.

The 2026 period's dates are set around today (the agencies' deadline yesterday, the synthesis in three weeks), so that
the journey runs whatever the real date; see test_journeys.py for the helpers and the conventions."""
import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from plan119.tests.test_journeys import (
    alert,
    axe_serious,
    log_in,
    outbox_wait,
    period_2026,
    screenshot,
    submitted_report,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_extension_is_requested_granted_and_counted(page, browser, live_server, plan119, staff, dfa_officer,
                                                       settings):
    from reporting.cycle.services import period_dates_override
    from reporting.models import Notification, Report

    today = timezone.localdate()
    period = period_dates_override(period=period_2026(plan119), opens_on=today - datetime.timedelta(days=30),
                                   agency_due=today - datetime.timedelta(days=1),
                                   synthesis_due=today + datetime.timedelta(days=21))
    new_date = today + datetime.timedelta(days=5)

    log_in(page, live_server, "sct_staff")
    page.get_by_role("link", name="Cần thêm thời gian? Đề nghị gia hạn").click()
    page.wait_for_url(re.compile(r"/reports/\d+/extension/$"))
    page.get_by_label("Hạn mới đề nghị").fill(new_date.isoformat())
    page.get_by_label("Lý do").fill("Đang chờ số liệu xuất khẩu quý IV của Cục Thống kê.")
    page.get_by_role("button", name="Gửi đề nghị đến Sở Ngoại vụ").click()
    page.wait_for_url(re.compile(r"/reports/\d+/$"))
    expect(alert(page, "Đề nghị gia hạn đã được gửi Sở Ngoại vụ")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Đề nghị gia hạn")
    assert outbox_wait(lambda m: dfa_officer.email in m.to and "gia hạn" in m.subject)
    assert axe_serious(page, live_server) == []

    dfa = browser.new_context().new_page()
    log_in(dfa, live_server, "dfa_officer")
    expect(dfa.locator("#extensions-count")).to_have_text("1")
    dfa.locator("#extensions-count").click()
    dfa.get_by_role("link", name=staff.agency.name).click()
    dfa.wait_for_url(re.compile(r"/reports/\d+/#extension$"))
    expect(dfa.get_by_label("Hạn mới (khi đồng ý gia hạn)")).to_have_value(new_date.isoformat())
    assert axe_serious(dfa, live_server) == []
    mail.outbox.clear()
    dfa.get_by_role("button", name="Đồng ý gia hạn").click()
    expect(alert(dfa, f"hạn gửi báo cáo nay là ngày {new_date:%d/%m/%Y}")).to_be_visible()
    assert outbox_wait(lambda m: staff.email in m.to and f"{new_date:%d/%m/%Y}" in m.subject)
    assert Notification.objects.filter(user=staff, body__contains=f"{new_date:%d/%m/%Y}").exists()

    page.goto(live_server.url + "/")
    expect(page.get_by_text(f"{new_date:%d/%m/%Y}").first).to_be_visible()
    report = submitted_report(plan119, staff)  # sent today: after the period's deadline, before the granted date
    assert Report.objects.get(pk=report.pk).days_late == 0

    dfa.goto(live_server.url + reverse("dashboard_year", args=[period.year]))
    expect(dfa.locator("[data-metric=extended] .fs-4")).to_have_text("1")
    dfa.locator("[data-metric=extended]").click()
    expect(dfa.get_by_role("link", name=staff.agency.name)).to_be_visible()
    expect(dfa.locator("main")).to_contain_text(f"{new_date:%d/%m/%Y}")
    dfa.goto(live_server.url + reverse("dashboard_reports", args=[period.year]) + "?metric=on_time")
    expect(dfa.get_by_role("link", name=staff.agency.name)).to_be_visible()
    screenshot(dfa, settings, "extension_counted")
