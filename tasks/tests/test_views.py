import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from agencies.tests.factories import AgencyFactory
from tasks.models import Task

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_log_in(client, plan119):
    for url in (reverse("plan_detail"), reverse("task_detail", args=[Task.objects.first().pk]), reverse("home")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["staff", "other_staff", "dfa_officer", "leader", "admin_user"])
def test_everyone_signed_in_reads_the_plan(client, plan119, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("plan_detail"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "3.10" in html and "Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch" in html
    assert "Ban Quản lý Khu kinh tế Nghi Sơn và các Khu công nghiệp" in html


def test_filter_by_agency(client, plan119, staff):
    client.force_login(staff)
    sct = Agency.objects.get(code="SCT")
    response = client.get(reverse("plan_detail"), {"agency": sct.pk})
    codes = [t.code for _, tasks in response.context["groups"] for t in tasks]
    assert codes == ["1.1", "2.2", "3.2", "3.2.1", "3.2.2", "3.2.3", "3.10", "4.3", "4.5", "5.2", "6.3"]
    response = client.get(reverse("plan_detail"), {"agency": sct.pk, "role": "co"})
    assert response.context["groups"] == []
    assert ("No task matches this filter." in response.content.decode()
            or "Không có nhiệm vụ" in response.content.decode())


def test_filter_by_co_operating_role(client, plan119, staff):
    client.force_login(staff)
    response = client.get(reverse("plan_detail"), {"agency": Agency.objects.get(code="BQLKKT").pk, "role": "co"})
    codes = [t.code for _, tasks in response.context["groups"] for t in tasks]
    assert codes == ["3.5"]


def test_bad_filter_value_is_a_form_error_not_a_crash(client, plan119, staff):
    client.force_login(staff)
    response = client.get(reverse("plan_detail"), {"agency": "abc"})
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_plan_page_query_count_does_not_grow(client, plan119, staff):
    client.force_login(staff)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("plan_detail"))
    for n in range(30):
        AgencyFactory(code=f"EXTRA{n}")
    from tasks.services import assignments_sync_for_agency

    for agency in Agency.objects.filter(code__startswith="EXTRA"):
        assignments_sync_for_agency(agency=agency)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("plan_detail"))
    assert len(large) == len(small) <= 12


def test_task_page_shows_full_text_and_agencies(client, plan119, other_staff):
    client.force_login(other_staff)
    task = Task.objects.get(code="3.9")
    response = client.get(reverse("task_detail", args=[task.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Xứ Thanh" in html and "Sở Thông tin và Truyền thông" in html and "Sở Ngoại vụ" in html


def test_task_page_of_a_group_item_lists_the_members(client, plan119, staff):
    client.force_login(staff)
    response = client.get(reverse("task_detail", args=[Task.objects.get(code="2.2").pk]))
    assert len(response.context["group_members"]) == 48


def test_unknown_task_is_404(client, plan119, staff):
    client.force_login(staff)
    assert client.get(reverse("task_detail", args=[999999])).status_code == 404


def test_wrong_method(client, plan119, staff):
    client.force_login(staff)
    assert client.post(reverse("plan_detail")).status_code == 405


def test_english_interface(client, plan119, staff):
    client.force_login(staff)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("plan_detail")})
    html = client.get(reverse("plan_detail")).content.decode()
    assert "Investment, Trade and Tourism Promotion Centre" in html
    assert "Lead agency" in html
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("plan_detail")})
    html = client.get(reverse("plan_detail")).content.decode()
    assert "Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch" in html


def test_login_page(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
