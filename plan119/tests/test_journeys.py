"""End-to-end journeys in a real browser (Chromium through Playwright) against the live server, on the real Plan 119
and its agencies (plan-fidelity: what its people do, with its items and names).

Each journey logs in through the real login form, as people do, and ends with a screenshot in
var/screenshots/<journey>.png. Dates are today's real ones: the 2026 period is open and its agency deadline
(05/11/2026) has passed, so submissions are late but accepted. Celery runs eagerly (conftest `_celery_eager`),
so e-mails and synthesis builds complete during the request that queues them.

Labels the brief (and the people using the app) know by heart are written out in Vietnamese; labels whose
translation is still being written are looked up through gettext, so that the test follows the catalogue.
"""
import io
import os
import re
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
AXE = "/static/vendor/axe-core/axe.min.js"


# --- helpers ----------------------------------------------------------------------------------------------------

def vi(msgid: str) -> str:
    """What the Vietnamese interface shows for `msgid` (the English text when it is not translated yet)."""
    with translation.override("vi"):
        return gettext(msgid)


def log_in(page, live_server, username: str, next_url: str = "/") -> None:
    page.goto(f"{live_server.url}{reverse('login')}?next={next_url}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}{next_url}")


def screenshot(page, settings, journey: str) -> None:
    folder = settings.BASE_DIR / "var" / "screenshots"
    os.makedirs(folder, exist_ok=True)
    page.screenshot(path=str(folder / f"{journey}.png"), full_page=True)


def alert(page, text: str):
    return page.locator("main [role=alert]", has_text=text)


def task_sections(page):
    return page.locator("#report-form section[data-anchor^='task-']")


def period_2026(plan):
    from reporting.cycle.services import periods_ensure

    return {p.year: p for p in periods_ensure(plan=plan)}[2026]


def submitted_report(plan, user, text="Đã tổ chức 3 hội nghị xúc tiến thương mại."):
    """A 2026 report of `user`'s agency, every section filled, submitted (late: the deadline has passed)."""
    from reporting.cycle.services import report_open, report_save_draft, report_submit

    report = report_open(period=period_2026(plan), agency=user.agency)
    sections = {
        s.pk: {"progress": "in_progress", "results": f"{text} ({s.task.code})", "difficulties": "", "proposals": ""}
        for s in report.sections.select_related("task")
    }
    report = report_save_draft(report=report, user=user, lock_version=report.lock_version,
                               summary="Đơn vị đã triển khai nghiêm túc Kế hoạch.", sections=sections, figures={})
    report.refresh_from_db()
    report_submit(report=report, user=user)
    report.refresh_from_db()
    return report


def outbox_wait(predicate, timeout=5.0):
    """Messages sent by the live server's thread land in the same locmem outbox; wait briefly for them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mail.outbox if predicate(m)]
        if found:
            return found
        time.sleep(0.1)
    return []


def axe_serious(page, live_server) -> list[str]:
    """Run axe-core (served as a static file, so a CSP forbidding inline scripts does not stop it)."""
    page.add_script_tag(url=live_server.url + AXE)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(" ".join(n["target"]) for n in v["nodes"])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


# --- 1. agency staff: fill, attach, save, reload, submit, e-mail ---------------------------------------------------

def test_agency_fills_attaches_saves_and_submits(page, live_server, plan119, staff, settings):
    from reporting.models import Report, ReportStatus

    log_in(page, live_server, "sct_staff")
    page.get_by_role("link", name="Lập báo cáo").click()
    page.wait_for_url(re.compile(r"/reports/\d+/edit/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026")

    sections = task_sections(page)
    count = sections.count()
    assert count >= 5, "the Department of Industry and Trade leads several tasks"
    texts = {}
    for i in range(count):
        section = sections.nth(i)
        anchor = section.get_attribute("data-anchor")
        texts[anchor] = f"Kết quả năm 2026 của nhiệm vụ {anchor[5:]}: đã tổ chức {i + 2} hội nghị xúc tiến."
        section.get_by_label("Tiến độ", exact=True).select_option("in_progress")
        section.get_by_label("Kết quả đạt được", exact=True).fill(texts[anchor])
    page.get_by_label("Đánh giá chung", exact=True).fill("Đơn vị đã triển khai nghiêm túc Kế hoạch số 119/KH-UBND.")
    first = sections.first
    first.locator("input[type=file]").set_input_files(
        files=[{"name": "minh-chung-hoi-nghi.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Lưu nháp").click()
    expect(alert(page, "Đã lưu bản nháp lúc")).to_be_visible()

    page.reload()
    sections = task_sections(page)
    assert sections.count() == count
    for i in range(count):
        section = sections.nth(i)
        expect(section.get_by_label("Kết quả đạt được", exact=True)).to_have_value(
            texts[section.get_attribute("data-anchor")])
        expect(section.get_by_label("Tiến độ", exact=True)).to_have_value("in_progress")
    expect(sections.first.get_by_role("link", name="minh-chung-hoi-nghi.pdf")).to_be_visible()
    expect(page.get_by_label("Đánh giá chung", exact=True)).to_have_value(
        "Đơn vị đã triển khai nghiêm túc Kế hoạch số 119/KH-UBND.")

    mail.outbox.clear()
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    # a submission cannot be undone: the agency confirms on its own page, which names what is left blank
    page.wait_for_url(re.compile(r"/reports/\d+/submit/(#[\w.-]*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gửi báo cáo đến Sở Ngoại vụ?")
    assert Report.objects.get(agency=staff.agency, period__year=2026).status == ReportStatus.DRAFT
    page.get_by_role("button", name="Xác nhận và gửi").click()
    # the browser keeps the fragment (#section the user was in) through the redirect to the read view
    page.wait_for_url(re.compile(r"/reports/\d+/(#[\w.-]*)?$"))
    expect(alert(page, "Đã gửi báo cáo đến Sở Ngoại vụ")).to_be_visible()
    expect(alert(page, "Thư điện tử xác nhận")).to_be_visible()

    report = Report.objects.get(agency=staff.agency, period__year=2026)
    assert report.status == ReportStatus.SUBMITTED
    assert report.days_late > 0  # the real date is after 05/11/2026
    sent = outbox_wait(lambda m: staff.email in m.to)
    assert sent, f"no confirmation e-mail to {staff.email}; outbox: {[(m.subject, m.to) for m in mail.outbox]}"
    assert "2026" in sent[0].subject
    assert reverse("report_detail", args=[report.pk]) in sent[0].body
    screenshot(page, settings, "agency_submit")


# --- 2. DFA returns, agency corrects and resubmits, DFA accepts, report locked ----------------------------------

def test_dfa_returns_agency_resubmits_dfa_accepts(page, browser, live_server, plan119, staff, dfa_officer, settings):
    report = submitted_report(plan119, staff)
    detail = reverse("report_detail", args=[report.pk])

    log_in(page, live_server, "dfa_officer")
    page.get_by_role("link", name="Danh sách chờ xem xét").first.click()
    page.wait_for_url(f"**{reverse('review_queue')}")
    page.get_by_role("row", name=re.compile(re.escape(staff.agency.name))).get_by_role("link").click()
    page.wait_for_url(f"**{detail}")
    comment = "Đề nghị bổ sung số liệu cụ thể về các hội nghị xúc tiến."
    page.get_by_label("Ý kiến gửi đơn vị").fill(comment)
    section = report.sections.select_related("task").order_by("task__sort_key").first()
    page.locator(f"#comment-s{section.pk}").fill("Nêu rõ số doanh nghiệp tham gia.")
    page.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    expect(alert(page, "Đã trả lại báo cáo cho đơn vị")).to_be_visible()

    agency_context = browser.new_context()
    try:
        agency = agency_context.new_page()
        log_in(agency, live_server, "sct_staff")
        expect(agency.get_by_text(comment)).to_be_visible()
        agency.get_by_role("link", name="Chỉnh sửa và gửi lại").click()
        agency.wait_for_url(f"**{reverse('report_edit', args=[report.pk])}")
        expect(agency.get_by_text("Nêu rõ số doanh nghiệp tham gia.")).to_be_visible()
        fixed = "Đã tổ chức 3 hội nghị xúc tiến thương mại với 120 doanh nghiệp tham gia."
        agency.locator(f"section[data-anchor='task-{section.task.code}']").get_by_label(
            "Kết quả đạt được", exact=True).fill(fixed)
        agency.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
        agency.get_by_role("button", name="Xác nhận và gửi").click()
        agency.wait_for_url(f"**{detail}")
        expect(alert(agency, "Đã gửi báo cáo đến Sở Ngoại vụ")).to_be_visible()

        page.goto(live_server.url + reverse("review_queue"))
        page.get_by_role("row", name=re.compile(re.escape(staff.agency.name))).get_by_role("link").click()
        page.wait_for_url(f"**{detail}")
        expect(page.get_by_text(fixed)).to_be_visible()
        page.get_by_role("button", name="Tiếp nhận", exact=True).click()
        expect(alert(page, "Đã tiếp nhận và khóa báo cáo.")).to_be_visible()

        agency.goto(live_server.url + reverse("home"))
        expect(agency.get_by_role("link", name="Chỉnh sửa và gửi lại")).to_have_count(0)
        expect(agency.get_by_role("link", name="Lập báo cáo")).to_have_count(0)
        agency.get_by_role("link", name="Xem báo cáo").click()
        agency.wait_for_url(f"**{detail}")
        expect(agency.locator("#read-only-reason")).to_contain_text("Sở Ngoại vụ đã tiếp nhận ngày")
        expect(agency.locator("#read-only-reason")).to_contain_text("báo cáo này đã khóa.")
        expect(agency.get_by_role("link", name="Chỉnh sửa", exact=True)).to_have_count(0)
        agency.goto(live_server.url + reverse("report_edit", args=[report.pk]))
        agency.wait_for_url(f"{live_server.url}{detail}")
        expect(alert(agency, "Hiện không thể chỉnh sửa báo cáo này.")).to_be_visible()
        screenshot(agency, settings, "review_cycle")
    finally:
        agency_context.close()
    report.refresh_from_db()
    assert report.status == "accepted" and report.version == 2


# --- 3. DFA builds, edits, downloads and finalises the synthesis ----------------------------------------------

def test_dfa_builds_edits_downloads_and_finalises_the_synthesis(page, live_server, plan119, staff, other_staff,
                                                                 dfa_officer, settings):
    import docx
    import openpyxl

    from reporting.models import PeriodStatus, Synthesis

    submitted_report(plan119, staff)
    submitted_report(plan119, other_staff, text="Đã bố trí kinh phí cho hoạt động đối ngoại.")
    url = reverse("synthesis", args=[2026])

    log_in(page, live_server, "dfa_officer", next_url=url)
    page.get_by_role("button", name=vi("Build the synthesis")).click()
    page.wait_for_url(f"{live_server.url}{url}")
    download_docx = page.get_by_role("link", name=vi("Download DOCX"))
    expect(download_docx).to_be_visible()
    synthesis = Synthesis.objects.get(period__year=2026)
    assert synthesis.built_at is not None and (synthesis.state, synthesis.progress) == ("idle", 100), synthesis.error
    built = vi("Built %(when)s from %(n)s expected report(s) sent and %(v)s voluntary report(s).") % {
        "when": timezone.localtime(synthesis.built_at).strftime("%d/%m/%Y %H:%M"),
        "n": len(synthesis.built_from), "v": 0}
    expect(page.get_by_text(built)).to_be_visible()
    expect(page.locator("#build-progress")).to_be_hidden()
    expect(page.get_by_role("button", name=vi("Rebuild from the reports"))).to_be_visible()

    introduction = "Năm 2026, các sở, ngành, địa phương đã triển khai đồng bộ Kế hoạch số 119/KH-UBND."
    page.get_by_label(vi("Introduction"), exact=True).fill(introduction)
    page.get_by_label(vi("Document number"), exact=True).fill("123/BC-SNGV")
    page.get_by_role("button", name=vi("Save narrative")).click()
    expect(alert(page, vi("Narrative saved."))).to_be_visible()
    expect(page.get_by_label(vi("Introduction"), exact=True)).to_have_value(introduction)

    with page.expect_download() as info:
        download_docx.click()
    assert info.value.suggested_filename.endswith(".docx")
    document = docx.Document(info.value.path())
    assert introduction in "\n".join(p.text for p in document.paragraphs)
    with page.expect_download() as info:
        page.get_by_role("link", name=vi("Download XLSX")).click()
    assert info.value.suggested_filename.endswith(".xlsx")
    with open(info.value.path(), "rb") as handle:  # the downloaded file has no extension, which openpyxl wants
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    assert workbook.sheetnames

    page.get_by_role("button", name=vi("Finalise and close the period")).click()
    expect(alert(page, vi("The synthesis is final; the %(year)s period is closed.") % {"year": 2026})).to_be_visible()
    expect(page.get_by_role("button", name=vi("Rebuild from the reports"))).to_have_count(0)
    expect(page.get_by_text(introduction)).to_be_visible()
    synthesis.refresh_from_db()
    assert synthesis.is_final and synthesis.period.status == PeriodStatus.CLOSED
    screenshot(page, settings, "synthesis")


def test_dfa_downloads_the_mid_term_review_from_the_synthesis_page(page, live_server, plan119, staff, dfa_officer,
                                                                   settings):
    import docx

    submitted_report(plan119, staff)
    url = reverse("synthesis", args=[2026])
    log_in(page, live_server, "dfa_officer", next_url=url)
    form = page.locator("#review-form")
    form.get_by_label(vi("From year")).select_option("2023")
    form.get_by_label(vi("To year")).select_option("2025")
    with page.expect_download() as info:
        form.get_by_role("button", name=vi("Download DOCX")).click()
    assert info.value.suggested_filename == "so-ket-KH119-2023-2025.docx"
    text = "\n".join(p.text for p in docx.Document(info.value.path()).paragraphs)
    assert ("Sơ kết 3 năm thực hiện Kế hoạch số 119/KH-UBND ngày 15/5/2023 của UBND tỉnh giai đoạn 2023 - 2025"
            in text)
    assert not axe_serious(page, live_server)


# --- 4. admin: a co-operating agency for 3.5, and a district merger ------------------------------------------

def select2_choose(page, field: str, typed: str, option: re.Pattern) -> None:
    """Pick from a Django admin autocomplete (select2) the way a person does: open, type, choose."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=option).first.click()


def test_admin_adds_a_co_agency_and_merges_a_district(page, browser, live_server, plan119, staff, admin_user,
                                                      agency_of, settings):
    from agencies.tests.factories import staff_of
    from tasks.models import Assignment, AssignmentRole

    hatrung, bimson = agency_of("H-HATRUNG"), agency_of("TX-BIMSON")
    staff_of(hatrung, username="hatrung_staff")
    assert not Assignment.objects.filter(task__code="3.5", agency=staff.agency).exists()

    log_in(page, live_server, "root", next_url=reverse("admin:tasks_assignment_add"))
    select2_choose(page, "task", "3.5", re.compile(r"^3\.5\. "))
    select2_choose(page, "agency", "SCT", re.compile(re.escape(staff.agency.name)))
    page.locator("#id_role").select_option("co")
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assignment = Assignment.objects.get(task__code="3.5", agency=staff.agency)
    assert assignment.role == "co" and assignment.source == "admin"

    page.goto(f"{live_server.url}{reverse('admin:agencies_agency_changelist')}?q=H-HATRUNG")
    page.locator("#result_list input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option(label=vi("Merge the selected agencies into another agency"))
    page.locator("button[name=index]").click()
    expect(page.get_by_text(f"H-HATRUNG — {hatrung.name}")).to_be_visible()
    page.get_by_label(vi("Merge into")).select_option(label=bimson.name)
    page.get_by_role("button", name=vi("Merge")).click()
    expect(page.locator(".messagelist li", has_text=bimson.name)).to_be_visible()
    hatrung.refresh_from_db()
    assert not hatrung.active and hatrung.merged_into == bimson

    # the co-operating agency now sees 3.5 among its tasks
    context = browser.new_context()
    try:
        sct = context.new_page()
        log_in(sct, live_server, "sct_staff")
        tasks_table = sct.locator("table", has=sct.get_by_role("columnheader", name="Nhiệm vụ", exact=True))
        row = tasks_table.get_by_role("row").filter(has=sct.get_by_role("cell", name="3.5", exact=True))
        expect(row).to_have_count(1)
        with translation.override("vi"):
            expect(row).to_contain_text(str(AssignmentRole.CO_OPERATING.label))
    finally:
        context.close()

    # the merged district's staff now work for the successor
    context = browser.new_context()
    try:
        district = context.new_page()
        log_in(district, live_server, "hatrung_staff")
        expect(district.get_by_role("heading", level=1)).to_have_text(bimson.name)
        expect(district.get_by_text(hatrung.name)).to_have_count(0)
        screenshot(district, settings, "admin_merge")
    finally:
        context.close()


# --- 5. language switch ---------------------------------------------------------------------------------------

def test_language_switch_keeps_the_page(page, live_server, plan119, staff, settings):
    plan_url = reverse("plan_detail")
    log_in(page, live_server, "sct_staff", next_url=plan_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kế hoạch số 119/KH-UBND")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan No. 119/KH-UBND")
    assert page.url == f"{live_server.url}{plan_url}"
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kế hoạch số 119/KH-UBND")
    assert page.url == f"{live_server.url}{plan_url}"
    screenshot(page, settings, "language")


# --- 6. accessibility: axe-core on the main pages, and the report form by keyboard alone ----------------------

def test_main_pages_have_no_serious_accessibility_violations(page, browser, live_server, plan119, staff, other_staff,
                                                             dfa_officer, admin_user, settings):
    from plan119.testing import fill
    from reporting.cycle.services import report_open

    waiting = submitted_report(plan119, other_staff)  # something in the review queue and on the dashboard
    report = fill(report_open(period=period_2026(plan119), agency=staff.agency))

    found = {}
    page.goto(f"{live_server.url}{reverse('login')}")
    found["login"] = axe_serious(page, live_server)
    log_in(page, live_server, "sct_staff")
    found["home (agency)"] = axe_serious(page, live_server)
    page.goto(live_server.url + reverse("report_edit", args=[report.pk]))
    found["report form"] = axe_serious(page, live_server)
    page.goto(live_server.url + reverse("report_submit", args=[report.pk]))
    found["confirm submission"] = axe_serious(page, live_server)

    dfa_context = browser.new_context()
    try:
        dfa = dfa_context.new_page()
        log_in(dfa, live_server, "dfa_officer", next_url=reverse("review_queue"))
        found["review queue"] = axe_serious(dfa, live_server)
        dfa.goto(live_server.url + reverse("report_detail", args=[waiting.pk]))
        found["review"] = axe_serious(dfa, live_server)
        dfa.goto(live_server.url + reverse("dashboard"))
        found["dashboard"] = axe_serious(dfa, live_server)
        screenshot(dfa, settings, "accessibility_dashboard")
    finally:
        dfa_context.close()
    admin_context = browser.new_context()
    try:
        admin = admin_context.new_page()
        log_in(admin, live_server, "root", next_url=reverse("admin:index"))
        found["admin index"] = axe_serious(admin, live_server)
    finally:
        admin_context.close()
    problems = {name: violations for name, violations in found.items() if violations}
    assert not problems, "serious/critical axe violations:\n" + "\n".join(
        f"{name}:\n  " + "\n  ".join(violations) for name, violations in problems.items())


def test_report_form_by_keyboard_alone(page, live_server, plan119, staff, settings):
    from reporting.cycle.services import report_open
    from reporting.models import Report

    report = report_open(period=period_2026(plan119), agency=staff.agency)
    log_in(page, live_server, "sct_staff", next_url=reverse("report_edit", args=[report.pk]))

    def focused():
        return page.evaluate(
            "() => { const e = document.activeElement; "
            "return [e.tagName, e.name || '', e.value || '', e.textContent.trim()]; }")

    for _ in range(80):
        page.keyboard.press("Tab")
        if focused()[:2] == ["TEXTAREA", "summary"]:
            break
    else:
        pytest.fail(f"Tab never reached the first field of the report; stopped on {focused()}")
    page.keyboard.type("Báo cáo nhập hoàn toàn bằng bàn phím.")

    for _ in range(400):
        page.keyboard.press("Tab")
        tag, name, value, text = focused()
        if tag == "BUTTON" and name == "action" and value == "save":
            break
    else:
        pytest.fail(f"Tab never reached the save button; stopped on {focused()}")
    assert text == "Lưu nháp"
    page.keyboard.press("Enter")
    expect(alert(page, "Đã lưu bản nháp lúc")).to_be_visible()
    expect(page.get_by_label("Đánh giá chung", exact=True)).to_have_value("Báo cáo nhập hoàn toàn bằng bàn phím.")
    assert Report.objects.get(pk=report.pk).summary == "Báo cáo nhập hoàn toàn bằng bàn phím."
    screenshot(page, settings, "keyboard")


# --- 7. issue 14: confirm, then submit; a blank progress is refused; a return is told in the app; comparison ------

def test_blank_progress_is_refused_then_the_agency_confirms_and_submits(page, live_server, plan119, staff, settings):
    from reporting.models import Report, ReportStatus

    log_in(page, live_server, "sct_staff")
    page.get_by_role("link", name="Lập báo cáo").click()
    page.wait_for_url(re.compile(r"/reports/\d+/edit/$"))
    sections = task_sections(page)
    for i in range(sections.count()):
        section = sections.nth(i)
        if i:  # the first task's progress is left "---------"
            section.get_by_label("Tiến độ", exact=True).select_option("in_progress")
        section.get_by_label("Kết quả đạt được", exact=True).fill(f"Đã tổ chức {i + 2} hội nghị xúc tiến.")
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    first = task_sections(page).first
    code = first.get_attribute("data-anchor")[5:]
    expect(first.get_by_role("alert")).to_contain_text(f"Nhiệm vụ {code}")
    expect(first.get_by_role("alert")).to_contain_text("chưa chọn tiến độ")
    report = Report.objects.get(agency=staff.agency, period__year=2026)
    assert report.status == ReportStatus.DRAFT and report.sections.exclude(results="").exists()  # the draft is kept
    screenshot(page, settings, "progress_refused")

    first.get_by_label("Tiến độ", exact=True).select_option("completed")
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    page.wait_for_url(f"**{reverse('report_submit', args=[report.pk])}")
    expect(page.locator("#submit-blanks")).to_contain_text("Phần đánh giá chung còn trống.")
    screenshot(page, settings, "confirm_submission")
    page.get_by_role("link", name="Quay lại báo cáo", exact=True).click()  # not yet: back to the form, nothing sent
    page.wait_for_url(f"**{reverse('report_edit', args=[report.pk])}")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    page.get_by_label("Đánh giá chung", exact=True).fill("Đơn vị đã triển khai nghiêm túc Kế hoạch.")
    page.get_by_role("button", name="Gửi Sở Ngoại vụ").click()
    expect(page.locator("#submit-blanks-none")).to_be_visible()
    page.get_by_role("button", name="Xác nhận và gửi").click()
    page.wait_for_url(f"**{reverse('report_detail', args=[report.pk])}")
    expect(page.locator("#read-only-reason")).to_contain_text("Đã gửi Sở Ngoại vụ ngày")
    expect(page.locator("#read-only-reason")).to_contain_text("đang chờ Sở Ngoại vụ xem xét")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_return_is_told_in_the_app(page, browser, live_server, plan119, staff, dfa_officer, settings):
    report = submitted_report(plan119, staff)
    comment = "Đề nghị bổ sung số doanh nghiệp tham gia hội nghị."
    log_in(page, live_server, "dfa_officer", next_url=reverse("report_detail", args=[report.pk]))
    page.get_by_label("Ý kiến gửi đơn vị").fill(comment)
    page.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    expect(alert(page, "Đã trả lại báo cáo cho đơn vị")).to_be_visible()

    context = browser.new_context()
    try:
        agency = context.new_page()
        log_in(agency, live_server, "sct_staff")
        notifications = agency.get_by_role("link", name=re.compile(r"^Thông báo"))
        expect(notifications).to_contain_text("chưa đọc")  # the unread count, said to screen readers too
        notifications.click()
        agency.wait_for_url(f"**{reverse('notification_list')}")
        returned = agency.locator(".card", has_text="trả lại").first
        expect(returned).to_contain_text(comment)
        returned.get_by_role("link", name="Mở").click()
        agency.wait_for_url(f"**{reverse('report_detail', args=[report.pk])}")
        expect(agency.get_by_text(comment).first).to_be_visible()
        screenshot(agency, settings, "return_notified")
    finally:
        context.close()


def test_the_dfa_reads_the_comparison_of_two_versions(page, live_server, plan119, staff, dfa_officer, settings):
    from reporting.cycle.services import report_return, report_save_draft, report_submit

    report = submitted_report(plan119, staff, text="Đã tổ chức 5 hội nghị xúc tiến")
    report_return(report=report, user=dfa_officer, comment="Bổ sung")
    report.refresh_from_db()
    first = report.sections.select_related("task").order_by("task__sort_key").first()
    report_save_draft(report=report, user=staff, lock_version=report.lock_version, summary=report.summary,
                      sections={first.pk: {"results": "Đã số hóa 100% hồ sơ xúc tiến"}})
    report.refresh_from_db()
    report_submit(report=report, user=staff)

    log_in(page, live_server, "dfa_officer", next_url=reverse("report_detail", args=[report.pk]))
    page.get_by_role("link", name="So sánh các phiên bản").click()
    page.wait_for_url(f"**{reverse('report_versions', args=[report.pk])}")
    expect(page.locator("#diff-legend")).to_be_visible()
    block = page.locator(f"[id='diff-{first.task.code}']")
    old, new = block.locator(".diff-old"), block.locator(".diff-new")
    expect(old.locator("del").first).to_contain_text("tổ chức 5 hội nghị")
    expect(new.locator("ins").first).to_contain_text("số hóa 100% hồ sơ")
    assert old.locator("ins").count() == 0 and new.locator("del").count() == 0
    # struck through and underlined, not only coloured; side by side on a wide screen
    assert "line-through" in old.locator("del").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in new.locator("ins").first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert old.bounding_box()["x"] < new.bounding_box()["x"]
    screenshot(page, settings, "comparison")
    page.get_by_label("Hiển thị").select_option("inline")
    page.get_by_role("button", name="So sánh", exact=True).click()
    seen = page.locator(f"[id='diff-{first.task.code}'] .diff-text").first.evaluate(
        "e => { const c = e.cloneNode(true); c.querySelectorAll('.visually-hidden').forEach(x => x.remove());"
        " return c.textContent; }")
    assert "5 hội nghị số hóa 100%" in " ".join(seen.split()), seen  # never glued ("hội nghịsố")
    expect(page.locator(f"[id='diff-{first.task.code}'] del").first).to_contain_text("[đã xóa:")  # said in words
