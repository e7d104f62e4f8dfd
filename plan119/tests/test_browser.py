"""Smoke test in a real browser: the login page and the plan page render in Chromium (Playwright), on the real Plan 119
(its page, its eight years and item 4.3 in the charts)."""
import os

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_and_read_the_plan(page, live_server, plan119, settings):
    from agencies.models import Agency
    from agencies.tests.factories import staff_of

    staff_of(Agency.objects.get(code="TTXT"), username="ttxt_demo")
    page.goto(live_server.url + reverse("plan_detail"))
    page.get_by_label("Tên đăng nhập").fill("ttxt_demo")
    page.get_by_label("Mật khẩu").fill("correct horse battery staple")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{reverse('plan_detail')}")
    assert page.get_by_role("heading", name="Kế hoạch số 119/KH-UBND").is_visible()
    assert page.locator("td li", has_text="Ban Quản lý Khu kinh tế Nghi Sơn và các Khu công nghiệp").first.is_visible()
    os.makedirs(settings.BASE_DIR / "var" / "screenshots", exist_ok=True)
    page.screenshot(path=str(settings.BASE_DIR / "var" / "screenshots" / "plan.png"), full_page=True)


def test_charts_render_in_the_browser(page, live_server, plan119, settings):
    from agencies.models import Role
    from agencies.tests.factories import UserFactory, staff_of
    from plan119.testing import fill
    from reporting.cycle.services import periods_ensure, report_open, report_submit

    periods = {p.year: p for p in periods_ensure(plan=plan119)}
    sct = staff_of(plan119.tasks.get(code="4.3").assignments.filter(role="lead").first().agency)
    report_submit(report=fill(report_open(period=periods[2025], agency=sct.agency)), user=sct)
    UserFactory(username="chart_dfa", role=Role.DFA_OFFICER)
    page.goto(live_server.url + reverse("dashboard_years"))
    page.get_by_label("Tên đăng nhập").fill("chart_dfa")
    page.get_by_label("Mật khẩu").fill("correct horse battery staple")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{reverse('dashboard_years')}")
    page.wait_for_selector("body[data-charts=ready]")
    # Chart.js drew on both canvases: they are no longer blank
    for canvas in ("#rates-chart", "#progress-chart"):
        assert page.evaluate(f"document.querySelector('{canvas}').toDataURL().length") > 3000
    assert page.locator("#rates-table tbody tr").count() == 8  # the numbers are also a table for screen readers
    # one task's progress: the chart is redrawn for it alone
    drawn = page.evaluate("document.querySelector('#progress-chart').toDataURL()")
    page.select_option("#progress-task", "4.3")
    page.wait_for_selector("#progress-chart[data-task='4.3']")
    assert "4.3" in page.get_attribute("#progress-chart", "aria-label")
    assert page.evaluate("document.querySelector('#progress-chart').toDataURL()") != drawn
    assert page.locator("#progress-table a[href*='progress=in_progress']").count() >= 1
    os.makedirs(settings.BASE_DIR / "var" / "screenshots", exist_ok=True)
    page.screenshot(path=str(settings.BASE_DIR / "var" / "screenshots" / "charts.png"), full_page=True)


def test_forgot_password_in_the_browser(page, live_server, plan119, settings, mailoutbox):
    """From the log in page to a new password and back in, in Vietnamese, through the e-mail's one-time link."""
    import re

    from agencies.models import Agency
    from agencies.tests.factories import staff_of

    staff_of(Agency.objects.get(code="TTXT"), username="quen", email="quen@example.vn")
    page.goto(live_server.url + reverse("login"))
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.get_by_label("Địa chỉ thư điện tử").fill("QUEN@example.vn")
    page.get_by_role("button", name="Gửi đường dẫn").click()
    page.wait_for_url(f"**{reverse('password_reset_done')}")
    assert page.get_by_role("heading", name="Kiểm tra thư điện tử").is_visible()
    link = re.search(r"http://\S+", mailoutbox[-1].body).group(0).replace(settings.SITE_URL, live_server.url)
    page.goto(link)
    page.fill("#id_new_password1", "một mật khẩu khá dài 2026")
    page.fill("#id_new_password2", "một mật khẩu khá dài 2026")
    page.get_by_role("button", name="Đặt mật khẩu").click()
    page.wait_for_url(f"**{reverse('login')}")
    assert page.get_by_text("Mật khẩu đã được đặt").is_visible()
    page.get_by_label("Tên đăng nhập").fill("quen")
    page.get_by_label("Mật khẩu").fill("một mật khẩu khá dài 2026")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**{reverse('home')}")
    page.goto(link)
    assert page.get_by_text("Đường dẫn này không còn dùng được").is_visible()
