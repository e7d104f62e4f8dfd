"""Dashboards: figures, drill-downs, filters, exports, charts data, remind now; every page within 15 queries at any
size. On the cast's small plan (conftest.py), with six districts of its own and more agencies made as needed."""
import datetime
import io

import openpyxl
import pytest
from django.core import mail
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, AgencyKind
from agencies.tests.factories import AgencyFactory, staff_of
from plan119.testing import another_plan_build, at, fill
from reporting.cycle import services
from reporting.dashboards.selectors import progress_by_year
from reporting.difficulties import services as difficulty_services
from reporting.models import Reminder, Report, ReportSection
from tasks.models import Assignment, AssignmentRole
from tasks.services import agency_merge
from tasks.tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


# six districts, made in an order that is neither their code-point nor their dictionary order
DISTRICTS = ["Yên Định", "Hoằng Hóa", "Cẩm Thủy", "Hậu Lộc", "Đông Sơn", "Hà Trung"]


@pytest.fixture
def season(small_period, small_plan, owner, outsider, dfa):
    """2025 on the cast's plan: the lead department on time and accepted, the co-operating one late (09/11) and
    waiting, six districts (co-operating on 2.2) missing, the requested organisation voluntary."""
    for i, name in enumerate(DISTRICTS, start=1):
        district = AgencyFactory(code=f"T-D{i}", name=f"Ủy ban nhân dân huyện {name}", kind=AgencyKind.DISTRICT)
        AssignmentFactory(task=small_plan.tasks["2.2"], agency=district, role=AssignmentRole.CO_OPERATING)
    with at(2025, 11, 3):
        lead = fill(services.report_open(period=small_period, agency=owner.agency))
        services.report_submit(report=lead, user=owner)
        services.report_accept(report=lead, user=dfa)
    with at(2025, 11, 9):
        co_operating = fill(services.report_open(period=small_period, agency=outsider.agency))
        services.report_submit(report=co_operating, user=outsider)
    services.reports_open_due(today=datetime.date(2025, 11, 20))
    return small_period


def add_agencies(period, n, start):
    """n more districts, each with a submitted report of two sections (the larger data set)."""
    tasks = period.plan.tasks
    for i in range(n):
        agency = AgencyFactory(code=f"X{start + i:05d}", kind=AgencyKind.DISTRICT)
        AssignmentFactory(task=tasks.get(code="1.1"), agency=agency, role=AssignmentRole.CO_OPERATING)
        AssignmentFactory(task=tasks.get(code="2.2"), agency=agency, role=AssignmentRole.CO_OPERATING)
        user = staff_of(agency)
        with at(2025, 11, 4):
            report = fill(services.report_open(period=period, agency=agency))
            services.report_submit(report=report, user=user)


PAGES = [
    ("dashboard_year", [2025], ""),
    ("dashboard_year", [2025], "?q=hoang+hoa&status=missing&kind=district&late=false&sort=-late"),
    ("dashboard_reports", [2025], "?metric=late"),
    ("dashboard_sections", [2025], "?progress=in_progress"),
    ("dashboard_matrix", [2025], ""),
    ("dashboard_tasks", [2025], ""),
    ("dashboard_years", [], ""),
]


def test_headline_figures(client, season, dfa):
    client.force_login(dfa)
    with at(2025, 11, 20):
        response = client.get(reverse("dashboard_year", args=[2025]))
    stats = response.context["stats"]
    expected = stats["expected"]
    assert expected == 2 + len(DISTRICTS)  # the requested organisation's report is voluntary, not expected
    assert (stats["submitted"], stats["on_time"], stats["late"], stats["accepted"], stats["waiting"]) == (2, 1, 1, 1, 1)
    assert stats["missing"] == expected - 2
    assert stats["reporting_rate"] == round(200 / expected, 1)
    html = response.content.decode()
    assert reverse("dashboard_reports", args=[2025]) + "?metric=late" in html


def test_every_number_drills_down(client, season, dfa):
    client.force_login(dfa)
    late = client.get(reverse("dashboard_reports", args=[2025]), {"metric": "late"})
    assert [r.agency.code for r in late.context["page"]] == ["T-COOP"]
    missing = client.get(reverse("dashboard_reports", args=[2025]), {"metric": "missing"})
    assert (missing.context["page"].paginator.count
            == client.get(reverse("dashboard_year", args=[2025])).context["stats"]["missing"])
    assert client.get(reverse("dashboard_reports", args=[2025]), {"metric": "bogus"}).status_code == 404
    assert (reverse("dashboard_tasks", args=[2025])
            in client.get(reverse("dashboard_year", args=[2025])).content.decode())
    by_task = client.get(reverse("dashboard_tasks", args=[2025]))
    row = next(r for r in by_task.context["progress"] if r["task__code"] == "1.2.1")  # the lead's alone
    link = f'{reverse("dashboard_sections", args=[2025])}?task={row["task_id"]}&amp;progress=in_progress">1<'
    assert link in by_task.content.decode()
    sections = client.get(reverse("dashboard_sections", args=[2025]),
                          {"task": row["task_id"], "progress": "in_progress"})
    assert sections.context["page"].paginator.count == row["in_progress"] == 1


def test_accent_insensitive_search(client, season, dfa):
    client.force_login(dfa)
    response = client.get(reverse("dashboard_year", args=[2025]), {"q": "tai chinh"})
    assert [r.agency.code for r in response.context["page"]] == ["T-COOP"]
    response = client.get(reverse("dashboard_year", args=[2025]), {"q": "HOANG HOA"})
    assert [r.agency.code for r in response.context["page"]] == ["T-D2"]


def test_filters(client, season, dfa):
    client.force_login(dfa)
    url = reverse("dashboard_year", args=[2025])
    assert [r.agency.code for r in client.get(url, {"late": "true"}).context["page"]] == ["T-COOP"]
    assert [r.agency.code for r in client.get(url, {"late": "false"}).context["page"]] == ["T-LEAD"]
    assert [r.agency.code for r in client.get(url, {"status": "accepted"}).context["page"]] == ["T-LEAD"]
    # 2.1: the co-operating department leads it, the lead department only co-operates on it
    leads = client.get(url, {"lead_of": season.plan.tasks.get(code="2.1").pk}).context["page"]
    assert [r.agency.code for r in leads] == ["T-COOP"]
    districts = client.get(url, {"kind": "district"}).context["page"].paginator.count
    assert districts == len(DISTRICTS)


def test_lead_of_offers_the_tasks_of_the_plan_shown(client, season, dfa, small_plan):
    """Another plan has a task led by the same department; the small plan's dashboard offers only its own tasks."""
    another_plan_build(small_plan.lead)
    client.force_login(dfa)
    field = client.get(reverse("dashboard_year", args=[2025])).context["table"].form.fields["lead_of"]
    assert set(field.queryset.values_list("plan", flat=True)) == {season.plan.pk}


def test_exports(client, season, dfa):
    client.force_login(dfa)
    csv = client.get(reverse("dashboard_year", args=[2025]), {"format": "csv", "late": "true"})
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv") and "Sở Thử nghiệm Tài chính" in text
    assert "Sở Thử nghiệm Công Thương" not in text
    xlsx = client.get(reverse("dashboard_reports", args=[2025]), {"metric": "submitted", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3
    for name, args, _ in PAGES:
        assert client.get(reverse(name, args=args), {"format": "csv"}).status_code == 200


def test_years_chart_data_and_table(client, season, dfa):
    client.force_login(dfa)
    response = client.get(reverse("dashboard_years"))
    chart = response.context["chart"]
    assert chart["years"] == [2024, 2025, 2026]
    assert chart["reporting_rate"][1] > 0 and chart["reporting_rate"][0] == 0  # 2024: expected, nothing sent
    assert chart["reporting_rate"][2] is None  # 2026: nothing expected yet, a gap rather than 0 %
    html = response.content.decode()
    assert 'id="chart-data"' in html and "<caption" in html
    # progress per task and year: a chart for any one task, every count a link to the sections it counts
    task = season.plan.tasks.get(code="1.2.1")
    assert chart["tasks"]["1.2.1"]["in_progress"] == [0, 1, 0]
    assert chart["progress"]["in_progress"][1] == sum(counts["in_progress"][1] for counts in chart["tasks"].values())
    assert chart["progress"]["in_progress"][1] == 6  # the lead's 1.1, 1.2.1, 2.1 and the co-operating 1.1, 2.1, 2.2
    assert '<option value="1.2.1">' in html
    link = f'href="{reverse("dashboard_sections", args=[2025])}?task={task.pk}&amp;progress=in_progress" title="'
    assert link in html
    sections = client.get(reverse("dashboard_sections", args=[2025]), {"task": task.pk, "progress": "in_progress"})
    assert sections.context["page"].paginator.count == 1
    csv = client.get(reverse("dashboard_years"), {"table": "progress", "format": "csv"}).content.decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0].split(",")[:3] == ["Nhiệm vụ", "Năm", "Đã hoàn thành"]
    assert "1.2.1,2025,0,1,0,0" in lines


@pytest.mark.parametrize("who,code", [("owner", 403), ("outsider", 403), ("viewer", 200), ("dfa", 200)])
def test_who_sees_the_dashboards(client, season, request, who, code):
    client.force_login(request.getfixturevalue(who))
    for name, args, query in PAGES:
        assert client.get(reverse(name, args=args) + query).status_code == code, name


def test_anonymous_and_wrong_method(client, season, dfa):
    for name, args, _query in PAGES:
        assert client.get(reverse(name, args=args)).status_code == 302
    client.force_login(dfa)
    assert client.post(reverse("dashboard_year", args=[2025])).status_code == 405
    assert client.get(reverse("dashboard_remind", args=[2025])).status_code == 405


def test_leadership_cannot_remind(client, season, viewer):
    client.force_login(viewer)
    assert client.post(reverse("dashboard_remind", args=[2025]), {"agency": "all"}).status_code == 403
    assert "remind now" not in client.get(reverse("dashboard_year", args=[2025])).content.decode()


def test_remind_now_once_per_day(client, season, dfa):
    target = staff_of(Agency.objects.get(code="T-D1"), email="canbo.syt@thanhhoa.gov.vn")  # a missing report
    client.force_login(dfa)
    with at(2025, 11, 20):
        page = client.get(reverse("dashboard_year", args=[2025])).content.decode()
        assert "remind now" in page or "nhắc ngay" in page
        client.post(reverse("dashboard_remind", args=[2025]), {"agency": target.agency_id})
        client.post(reverse("dashboard_remind", args=[2025]), {"agency": target.agency_id})
        client.post(reverse("dashboard_remind", args=[2025]), {"agency": "all"})
    to_target = [m for m in mail.outbox if "canbo.syt@thanhhoa.gov.vn" in m.to]
    assert len(to_target) == 1
    assert Reminder.objects.filter(recipient="canbo.syt@thanhhoa.gov.vn", kind="manual").count() == 1
    with at(2025, 11, 21):
        client.post(reverse("dashboard_remind", args=[2025]), {"agency": target.agency_id})
    assert len([m for m in mail.outbox if "canbo.syt@thanhhoa.gov.vn" in m.to]) == 2
    assert client.post(reverse("dashboard_remind", args=[2025]), {"agency": 999999}).status_code == 404


def test_query_budget_does_not_grow_tenfold(client, season, dfa):
    client.force_login(dfa)

    def counts():
        out = {}
        for name, args, query in PAGES:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse(name, args=args) + query).status_code == 200
            out[(name, query)] = len(ctx)
        return out

    add_agencies(season, 3, 0)
    small = counts()
    add_agencies(season, 27, 100)
    large = counts()
    assert small == large, (small, large)
    assert max(large.values()) <= 15, large


def test_agency_home_shows_comments_past_reports_and_difficulties(client, season, owner):
    difficulty_services.difficulty_raise(agency=owner.agency, task=season.plan.tasks.get(code="1.2.1"),
                                         kind="proposal", title="Đề xuất hỗ trợ hội chợ", text="…", user=owner)
    client.force_login(owner)
    with at(2026, 10, 10, 9):
        html = client.get(reverse("home")).content.decode()
    assert "2025" in html and "Đề xuất hỗ trợ hội chợ" in html


def counted_afresh(plan):
    """What progress_by_year must say, counted straight from the tables: (task, year, progress) → sections."""
    rows = (
        ReportSection.objects.filter(report__period__plan=plan, report__first_submitted_at__isnull=False,
                                     requested=False)
        .values_list("task__code", "report__period__year", "progress").annotate(n=Count("pk")).order_by()
    )
    return {(code, year, progress or "none"): n for code, year, progress, n in rows}


def flat(progress):
    return {(row["code"], year, p): n for row in progress for year, by in row["years"].items() for p, n in by.items()}


def test_progress_by_year_follows_every_write(season, outsider, dfa, small_plan):
    plan = season.plan

    def check():
        got = flat(progress_by_year(plan=plan))
        assert got == counted_afresh(plan)
        return got

    stc = Report.objects.get(period=season, agency=outsider.agency)
    shared = (stc.sections.filter(task__report_sections__report__agency__code="T-LEAD")
              .values_list("task__code", flat=True)[0])
    assert check()[(shared, 2025, "in_progress")] == 2  # and cached now
    with at(2025, 11, 10):
        services.report_return(report=stc, user=dfa, comment="Bổ sung số liệu")
    check()
    # a returned report still counts, with what the agency is changing
    section = stc.sections.get(task__code=shared)
    stc.refresh_from_db()
    with at(2025, 11, 11):
        services.report_save_draft(report=stc, user=outsider, lock_version=stc.lock_version, summary="",
                                   sections={section.pk: {"progress": "completed"}})
    assert check()[(shared, 2025, "completed")] == 1
    # the admin gives the agency one more task: its report gains a section, not started yet
    task = (plan.tasks.filter(children__isnull=True).exclude(assignments__agency=stc.agency)
            .exclude(assigned_to_all=True).first())
    Assignment.objects.create(task=task, agency=stc.agency, role=AssignmentRole.CO_OPERATING)
    services.report_open(period=season, agency=stc.agency)
    assert check()[(task.code, 2025, "none")] == 1
    stc.refresh_from_db()
    with at(2025, 11, 12):
        fill(stc, text="Bổ sung")
        services.report_save_draft(report=stc, user=outsider, lock_version=stc.lock_version, summary="", sections={})
        services.report_submit(report=stc, user=outsider)
    check()
    # the agency is merged into another: what it sent stays counted in its year (the body that wrote it keeps it)
    agency_merge(agency=stc.agency, successor=small_plan.outside)
    assert check()[(shared, 2025, "in_progress")] == 2
    # an item renumbered is shown under its new code
    item = plan.tasks.get(code=shared)
    item.code = "9.9"
    item.save()
    assert ("9.9", 2025, "in_progress") in check()


def test_progress_by_year_counts_a_period_again_only_when_it_changed(season, small_periods, owner):
    with at(2024, 10, 30, 9):
        report = fill(services.report_open(period=small_periods[2024], agency=owner.agency))
        services.report_submit(report=report, user=owner)

    def recounts():
        with CaptureQueriesContext(connection) as ctx:
            progress_by_year(plan=season.plan)
        return [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"] and '"active"' not in q["sql"]
                and "reporting_reportsection" in q["sql"]]

    assert len(recounts()) == 1
    assert recounts() == []
    late = staff_of(Agency.objects.get(code="T-D1"))  # a district that had sent nothing
    with at(2025, 11, 14):
        services.report_submit(report=fill(services.report_open(period=season, agency=late.agency)), user=late)
    [recount] = recounts()
    assert f"IN ({season.pk})" in recount  # 2025 only: 2024 comes from the cache
    assert recounts() == []


def test_progress_by_year_without_its_cache(season, settings, caplog):
    """A shared cache that is down (CACHE_URL) costs a recount, not the page."""
    import socket

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]  # nothing listens there once closed
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2}}}
    assert flat(progress_by_year(plan=season.plan)) == counted_afresh(season.plan)
    assert "Cache unavailable" in caplog.text


def test_agencies_in_vietnamese_dictionary_order(client, season, dfa):
    """Đông Sơn after Cẩm Thủy and before Hà Trung, Hà Trung < Hậu Lộc < Hoằng Hóa: not code-point order."""
    client.force_login(dfa)
    names = [r.agency.name.removeprefix("Ủy ban nhân dân huyện ")
             for r in client.get(reverse("dashboard_year", args=[2025]),
                                 {"kind": "district", "sort": "agency"}).context["page"]]
    wanted = ["Cẩm Thủy", "Đông Sơn", "Hà Trung", "Hậu Lộc", "Hoằng Hóa", "Yên Định"]
    assert sorted(wanted) != wanted and names == wanted


def test_a_pasted_page_as_search_is_cut_to_its_first_words_with_a_note(client, season, dfa):
    """Every word is one more condition: ~1,100 words made SQLite refuse the query ("Expression tree is too large")."""
    client.force_login(dfa)
    response = client.get(reverse("dashboard_year", args=[2025]), {"q": "tai chinh " + "so " * 1100})
    assert response.status_code == 200
    assert [r.agency.code for r in response.context["page"]] == ["T-COOP"]
    note = str(response.context["table"].search_note)
    assert note and note in response.content.decode()
    response = client.get(reverse("dashboard_year", args=[2025]), {"q": "tai chinh"})
    assert not response.context["table"].search_note and [r.agency.code for r in response.context["page"]] == ["T-COOP"]


def test_search_words_are_capped_in_number_and_length():
    from agencies.parsing import SEARCH_MAX_CHARS, SEARCH_MAX_WORDS, search_words

    assert search_words("  Sở   Ngoại vụ ") == (["so", "ngoai", "vu"], False)
    words, shortened = search_words("a " * 50)
    assert words == ["a"] * SEARCH_MAX_WORDS and shortened
    words, shortened = search_words("x" * 5000)
    assert words == ["x" * SEARCH_MAX_CHARS] and shortened
    assert sum(map(len, search_words("abcdefghij " * 30).words)) <= SEARCH_MAX_CHARS
