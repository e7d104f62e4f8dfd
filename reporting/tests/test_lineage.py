"""The across-years page follows lineage (issue 15): one agency's line per year, of its own reports or with the earlier
years of the bodies it succeeds (agencies.models.Agency.lineage), its export, bad input, permissions and queries.

On the cast's small plan (conftest.py, years 2024–2026): the lead department (T-LEAD) and the co-operating one (T-COOP)
report in 2024, T-LEAD on time and T-COOP late; they merge into a new department (T-NEW) on 01/03/2025 through the
reorganisation feature, and T-NEW reports on time in 2025."""
import csv
import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, AgencyKind
from agencies.services import agency_retire_into
from agencies.tests.factories import AgencyFactory, staff_of
from plan119.testing import at, fill
from reporting.cycle import services
from reporting.cycle.reorganisation import reorganisation_file_apply
from reporting.dashboards.selectors import agency_line
from reporting.models import Report
from tasks.models import AssignmentRole
from tasks.reorganisation import reorganisation_read
from tasks.tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

HEADER = "Ngày hiệu lực,Căn cứ,Thao tác,Mã đơn vị,Tên,Tên tiếng Anh,Loại,Từ đơn vị,Nhiệm vụ\n"
MERGE = HEADER + "01/03/2025,QĐ 1/QĐ-UBND,Sáp nhập,T-NEW,Sở Thử nghiệm Kinh tế,,Sở,T-LEAD;T-COOP,\n"
MERGE_AGAIN = HEADER + "01/03/2026,QĐ 9/QĐ-UBND,Sáp nhập,T-NEWER,Sở Thử nghiệm Kinh tế và Tài chính,,Sở,T-NEW,\n"
SPLIT = HEADER + ("01/03/2025,QĐ 2/QĐ-UBND,Chia tách,T-A,Sở Thử nghiệm A,,Sở,T-COOP,2.1\n"
                  "01/03/2025,QĐ 2/QĐ-UBND,Chia tách,T-B,Sở Thử nghiệm B,,Sở,T-COOP,*\n")
TRADE, FINANCE, ECONOMY = "Sở Thử nghiệm Công Thương", "Sở Thử nghiệm Tài chính", "Sở Thử nghiệm Kinh tế"
URL = reverse("dashboard_years")


def apply(text: str, *when):
    with at(*when):
        _reorganisation, result = reorganisation_file_apply(parsed=reorganisation_read(data=text.encode()))
    assert result.applied, [row.messages for row in result.rows]


def send(period, agency, user, *when):
    with at(*when):
        return services.report_submit(report=fill(services.report_open(period=period, agency=agency)), user=user)


@pytest.fixture
def year_2024(small_periods, small_plan, owner, outsider):
    """Both departments' 2024 reports: the lead's on time (03/11), the co-operating one's late (10/11)."""
    send(small_periods[2024], small_plan.lead, owner, 2024, 11, 3)
    send(small_periods[2024], small_plan.co_operating, outsider, 2024, 11, 10)
    return small_periods


@pytest.fixture
def merged(year_2024, owner):
    """…then they merge into T-NEW on 01/03/2025 (the people go with them); T-NEW reports on time in 2025."""
    apply(MERGE, 2025, 3, 1)
    new = Agency.objects.get(code="T-NEW")
    with at(2025, 10, 20):
        services.reports_open_due(today=datetime.date(2025, 10, 20))
    owner.refresh_from_db()
    assert owner.agency == new
    send(year_2024[2025], new, owner, 2025, 11, 3)
    return new


def line_of(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def figures(row):
    return (row["expected"], row["submitted"], row["on_time"], row["late"], row["missing"], row["reporting_rate"],
            row["on_time_rate"])


def names(row):
    return [item["agency"].name for item in row["reported_by"]]


def test_without_lineage_a_successor_has_only_its_own_years(client, merged, dfa):
    client.force_login(dfa)
    response = line_of(client, agency="T-NEW")
    line = response.context["line"]
    assert line["agency"] == merged and not line["lineage"]
    y2024, y2025, y2026 = line["years"]
    assert figures(y2024) == (0, 0, 0, 0, 0, None, None) and names(y2024) == []
    assert figures(y2025) == (1, 1, 1, 0, 0, 100.0, 100.0) and names(y2025) == [ECONOMY]
    assert figures(y2026) == (0, 0, 0, 0, 0, None, None)
    html = response.content.decode()
    assert f"{ECONOMY} qua các năm" in html  # "Line of …"
    table = html[html.index('id="line-table"'):html.index("</table>", html.index('id="line-table"'))]
    assert '<th scope="row">2024</th><td>—</td>' in table and table.count("<td>—</td>") >= 4  # nothing: dashes
    assert response.context["chart"]["line"]["reporting_rate"] == [None, 100.0, None]


def test_with_lineage_the_predecessors_earlier_years_count_and_are_named(client, merged, dfa):
    client.force_login(dfa)
    response = line_of(client, agency="T-NEW", lineage="1")
    line = response.context["line"]
    assert line["lineage"] and {body.code for body in line["bodies"]} == {"T-NEW", "T-LEAD", "T-COOP"}
    y2024, y2025, _y2026 = line["years"]
    # the two 2024 reports: both sent, the lead's on time, the co-operating one late
    assert figures(y2024) == (2, 2, 1, 1, 0, 100.0, 50.0)
    assert names(y2024) == [TRADE, FINANCE]  # Vietnamese order
    assert figures(y2025) == (1, 1, 1, 0, 0, 100.0, 100.0) and names(y2025) == [ECONOMY]
    html = response.content.decode()
    # each name opens the report it stands for: every number a click away from the reports it counts
    trade, finance = (Report.objects.get(period__year=2024, agency__code=code) for code in ("T-LEAD", "T-COOP"))
    assert (f'<td><a href="{reverse("report_detail", args=[trade.pk])}">{TRADE}</a>; '
            f'<a href="{reverse("report_detail", args=[finance.pk])}">{FINANCE}</a></td>') in html
    assert response.context["chart"]["line"]["reporting_rate"] == [100.0, 100.0, None]


def test_the_province_is_the_same_whatever_the_choice(client, merged, dfa):
    client.force_login(dfa)
    plain = line_of(client)
    assert plain.context["line"] is None and "line" not in plain.context["chart"]
    for params in ({"agency": "T-NEW"}, {"agency": "T-NEW", "lineage": "1"}, {"agency": "T-LEAD", "lineage": "1"}):
        response = line_of(client, **params)
        assert response.context["series"] == plain.context["series"]
        assert response.context["chart"]["reporting_rate"] == plain.context["chart"]["reporting_rate"]
    assert [figures(r)[:2] for r in plain.context["series"]] == [(2, 2), (1, 1), (0, 0)]


def test_the_choice_offers_the_bodies_with_reports_ended_ones_marked(client, merged, dfa):
    client.force_login(dfa)
    response = line_of(client)
    options = dict(response.context["line_form"].fields["agency"].widget.choices)
    # the requested organisation only reports voluntarily, outside the figures; T-OUT has no report
    assert set(options) == {"", "T-LEAD", "T-COOP", "T-NEW"}
    assert options["T-LEAD"] == f"{TRADE} (đã chấm dứt hoạt động, ngày cuối 28/02/2025)"
    assert options["T-NEW"] == ECONOMY
    codes = [code for code in options if code]
    assert codes == ["T-LEAD", "T-NEW", "T-COOP"]  # Vietnamese order of the names: Công Thương, Kinh tế, Tài chính
    html = response.content.decode()
    assert 'name="agency"' in html and 'name="lineage"' in html and "kèm các năm trước" in html


def test_an_ended_body_keeps_its_own_line(client, merged, dfa):
    """A predecessor's line is its own years; it does not follow its successor forward."""
    client.force_login(dfa)
    line = line_of(client, agency="t-lead", lineage="1").context["line"]  # codes are read in any case
    assert [body.code for body in line["bodies"]] == ["T-LEAD"]
    assert [figures(r)[:3] for r in line["years"]] == [(1, 1, 1), (0, 0, 0), (0, 0, 0)]


def test_a_chain_of_merges_is_followed_through(client, merged, dfa, owner, small_periods):
    """T-LEAD and T-COOP into T-NEW (2025), T-NEW into T-NEWER (2026): T-NEWER's line has every year."""
    apply(MERGE_AGAIN, 2026, 3, 1)
    newer = Agency.objects.get(code="T-NEWER")
    with at(2026, 10, 20):
        services.reports_open_due(today=datetime.date(2026, 10, 20))
    owner.refresh_from_db()
    send(small_periods[2026], newer, owner, 2026, 11, 9)  # late
    client.force_login(dfa)
    years = line_of(client, agency="T-NEWER", lineage="1").context["line"]["years"]
    assert [names(r) for r in years] == [[TRADE, FINANCE], [ECONOMY], ["Sở Thử nghiệm Kinh tế và Tài chính"]]
    assert figures(years[2]) == (1, 1, 0, 1, 0, 100.0, 0.0)
    alone = line_of(client, agency="T-NEWER").context["line"]["years"]
    assert [r["expected"] for r in alone] == [0, 0, 1]


def test_a_split_the_rest_carries_the_line_the_others_start_their_own(year_2024, small_plan):
    apply(SPLIT, 2025, 3, 1)
    plan = small_plan.plan
    rest, other = Agency.objects.get(code="T-B"), Agency.objects.get(code="T-A")
    with_coop = agency_line(plan=plan, agency=rest, lineage=True)
    assert [b.code for b in with_coop["bodies"]] == ["T-B", "T-COOP"]
    assert names(with_coop["years"][0]) == [FINANCE] and figures(with_coop["years"][0])[:4] == (1, 1, 0, 1)
    on_its_own = agency_line(plan=plan, agency=other, lineage=True)
    assert [b.code for b in on_its_own["bodies"]] == ["T-A"] and on_its_own["years"][0]["expected"] == 0


def test_the_line_as_csv_and_xlsx(client, merged, dfa):
    client.force_login(dfa)
    response = client.get(URL, {"table": "agency", "agency": "T-NEW", "lineage": "1", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="theo-nam-t-new-ke-thua.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Năm", "Báo cáo của"] and len(rows[0]) == 9
    assert rows[1] == ["2024", f"{TRADE}; {FINANCE}", "2", "2", "1", "1", "0", "100.0", "50.0"]
    assert rows[2][:3] == ["2025", ECONOMY, "1"] and rows[3][:2] == ["2026", ""]
    xlsx = client.get(URL, {"table": "agency", "agency": "T-NEW", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [cell.value for cell in sheet[2]][:3] == [2024, None, 0] and sheet.cell(3, 2).value == ECONOMY
    # the page links to it, with the choice
    html = line_of(client, agency="T-NEW", lineage="1").content.decode()
    assert "?table=agency&amp;agency=T-NEW&amp;lineage=1&amp;format=csv" in html
    # the other tables are still there
    assert client.get(URL, {"format": "csv", "agency": "T-NEW"}).content.decode("utf-8-sig").startswith("Năm,")


@pytest.mark.parametrize("code", ["NOPE", "T-OUT", "T-ORG", "<b>x</b>", "x" * 300, "a\x00b"])
def test_a_bad_agency_gets_a_message_not_an_error(client, merged, dfa, code):
    client.force_login(dfa)
    for params in ({"agency": code}, {"agency": code, "lineage": "1", "table": "agency", "format": "csv"}):
        response = client.get(URL, params)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert response.context["line"] is None
        assert response.context["line_form"].errors["agency"]
        html = response.content.decode()
        assert 'role="alert"' in html and "<b>x</b>" not in html
        assert 'id="rates-table"' in html  # the province is shown all the same
    if code == "NOPE":
        assert "Không có cơ quan, đơn vị nào mang mã “NOPE” có báo cáo trong kế hoạch này." in html
    if "\x00" in code:
        assert "Không được chứa ký tự rỗng (null)." in html  # in Vietnamese, like every message


def test_a_download_of_no_agency_s_line_says_what_to_choose(client, merged, dfa):
    client.force_login(dfa)
    response = line_of(client, table="agency", format="xlsx")
    assert response["Content-Type"].startswith("text/html")
    assert "Hãy chọn cơ quan, đơn vị cần tải số liệu qua các năm." in response.content.decode()


def test_a_successor_s_line_is_there_before_its_first_report(client, year_2024, dfa, small_plan):
    """Merged on 01/03/2025, T-NEW has no report before the 2025 period opens; its line already shows its
    predecessors' 2024, on the page and in the API alike."""
    from rest_framework.test import APIClient

    apply(MERGE, 2025, 3, 1)
    assert not Report.objects.filter(agency__code="T-NEW").exists()
    client.force_login(dfa)
    line = line_of(client, agency="T-NEW", lineage="1").context["line"]
    assert figures(line["years"][0]) == (2, 2, 1, 1, 0, 100.0, 50.0) and names(line["years"][0]) == [TRADE, FINANCE]
    api = APIClient()
    api.force_login(dfa)
    rows = api.get(f"/api/v1/plans/{small_plan.plan.pk}/figures/years/", {"agency": "T-NEW", "lineage": "true"}).json()
    assert rows[0]["reported_by"] == ["T-LEAD", "T-COOP"]
    # an organisation the plan only requests has no line to show, on the page as in the API
    assert line_of(client, agency="T-ORG").context["line"] is None
    assert api.get(f"/api/v1/plans/{small_plan.plan.pk}/figures/years/", {"agency": "T-ORG"}).status_code == 400


def test_odd_but_harmless_parameters(client, merged, dfa):
    client.force_login(dfa)
    assert line_of(client, lineage="1").context["line"] is None  # lineage without an agency: the province only
    assert line_of(client, agency="", table="agency", format="csv").context["line"] is None
    assert line_of(client, agency="T-NEW", lineage="yes").context["line"]["lineage"]
    assert not line_of(client, agency="T-NEW", lineage="false").context["line"]["lineage"]


@pytest.mark.parametrize("params", [{"agency": "T-NEW", "lineage": "1"},
                                    {"agency": "T-NEW", "lineage": "1", "table": "agency", "format": "csv"},
                                    {"agency": "NOPE"}])
def test_who_may_see_a_line(client, merged, dfa, viewer, admin, owner, outsider, params):
    assert client.get(URL, params).status_code == 302
    assert client.get(URL, params)["Location"].startswith(reverse("login"))
    for user, code in ((owner, 403), (outsider, 403), (staff_of(AgencyFactory()), 403), (dfa, 200), (viewer, 200),
                       (admin, 200)):
        client.force_login(user)
        assert client.get(URL, params).status_code == code, user.username
        client.logout()


def add_bodies(periods, new, n, start):
    """n districts that report in 2024 and are then merged into `new` (a wider line), and n that report in 2025 (more
    agencies to choose from)."""
    task = periods[2024].plan.tasks.get(code="2.2")
    for i in range(n):
        for year in (2024, 2025):
            agency = AgencyFactory(code=f"X{year}-{start + i:04d}", kind=AgencyKind.DISTRICT)
            AssignmentFactory(task=task, agency=agency, role=AssignmentRole.CO_OPERATING)
            send(periods[year], agency, staff_of(agency), year, 11, 4)
            if year == 2024:
                agency_retire_into(agency=agency, successor=new, on=datetime.date(2025, 3, 1))


def test_the_page_keeps_its_queries_at_any_size(client, merged, dfa, small_periods, django_assert_max_num_queries):
    client.force_login(dfa)
    params = {"agency": "T-NEW", "lineage": "1"}

    def count():
        with CaptureQueriesContext(connection) as ctx:
            line_of(client, **params)
        return len(ctx)

    add_bodies(small_periods, merged, 2, 0)
    small = count()
    add_bodies(small_periods, merged, 15, 100)
    large = count()
    assert small == large, (small, large)
    assert line_of(client, **params).context["line"]["years"][0]["expected"] == 2 + 15 + 2
    with django_assert_max_num_queries(16):
        line_of(client, **params)



def test_the_api_gives_the_same_line(merged, dfa, small_plan):
    """GET /api/v1/plans/{plan}/figures/years/?agency=&lineage=: the page's line, the same rule (agency_line)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(dfa)
    url = f"/api/v1/plans/{small_plan.plan.pk}/figures/years/"
    province = client.get(url).json()
    assert "reported_by" not in province[0]
    own = {row["year"]: row for row in client.get(url, {"agency": "T-NEW"}).json()}
    assert (own[2024]["expected"], own[2024]["reported_by"]) == (0, [])
    assert (own[2025]["on_time"], own[2025]["reported_by"]) == (1, ["T-NEW"])
    line = {row["year"]: row for row in client.get(url, {"agency": "t-new", "lineage": "true"}).json()}
    assert (line[2024]["expected"], line[2024]["late"], line[2024]["reported_by"]) == (2, 1, ["T-LEAD", "T-COOP"])
    assert line[2024]["on_time_rate"] == 50.0
    assert client.get(url).json() == province  # the province's figures do not move
    bad = client.get(url, {"agency": "KHONG-CO"})
    assert bad.status_code == 400 and "KHONG-CO" in str(bad.json())
    assert client.get(url, {"agency": "T-NEW", "lineage": "maybe"}).status_code == 400
