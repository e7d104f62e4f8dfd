"""The plan's pages: who reads them, filters, query counts, the task page, English, on the cast's small plan
(conftest.py); the page of an item for all departments and districts lists Plan 119's 48 members."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from agencies.tests.factories import AgencyFactory
from tasks.models import AssignmentRole, Task
from tasks.tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_log_in(client, small_plan):
    for url in (reverse("plan_detail"), reverse("task_detail", args=[small_plan.tasks["1.1"].pk]), reverse("home")):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["owner", "outsider", "dfa", "viewer", "admin"])
def test_everyone_signed_in_reads_the_plan(client, small_plan, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("plan_detail"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "1.2.1" in html and "Sở Thử nghiệm Công Thương" in html
    assert "Sở Thử nghiệm Tài chính" in html


def test_filter_by_agency(client, small_plan, owner):
    client.force_login(owner)
    response = client.get(reverse("plan_detail"), {"agency": small_plan.lead.pk})
    codes = [t.code for _, tasks in response.context["groups"] for t in tasks]
    assert codes == ["1.1", "1.2", "1.2.1", "2.1"]
    response = client.get(reverse("plan_detail"), {"agency": small_plan.co_operating.pk, "role": "lead"})
    codes = [t.code for _, tasks in response.context["groups"] for t in tasks]
    assert codes == ["2.1", "2.2"]
    response = client.get(reverse("plan_detail"), {"agency": small_plan.outside.pk})
    assert response.context["groups"] == []
    assert ("No task matches this filter." in response.content.decode()
            or "Không có nhiệm vụ" in response.content.decode())


def test_filter_by_co_operating_role(client, small_plan, owner):
    client.force_login(owner)
    response = client.get(reverse("plan_detail"), {"agency": small_plan.co_operating.pk, "role": "co"})
    codes = [t.code for _, tasks in response.context["groups"] for t in tasks]
    assert codes == ["1.1"]


def test_bad_filter_value_is_a_form_error_not_a_crash(client, owner):
    client.force_login(owner)
    response = client.get(reverse("plan_detail"), {"agency": "abc"})
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_plan_page_query_count_does_not_grow(client, small_plan, owner):
    client.force_login(owner)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("plan_detail"))
    for n in range(30):  # thirty more agencies, each named on two items of the plan
        agency = AgencyFactory(code=f"EXTRA{n}")
        AssignmentFactory(task=small_plan.tasks["1.1"], agency=agency, role=AssignmentRole.CO_OPERATING)
        AssignmentFactory(task=small_plan.tasks["2.2"], agency=agency, role=AssignmentRole.CO_OPERATING)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("plan_detail"))
    assert Agency.objects.get(code="EXTRA29").name in response.content.decode()
    assert len(large) == len(small) <= 12


def test_task_page_shows_full_text_and_agencies(client, small_plan, outsider):
    client.force_login(outsider)
    task = small_plan.tasks["1.1"]
    task.text = "Tổ chức hội nghị xúc tiến Xứ Thanh."
    task.save()
    response = client.get(reverse("task_detail", args=[task.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Xứ Thanh" in html and "Sở Thử nghiệm Công Thương" in html and "Sở Thử nghiệm Tài chính" in html
    assert "Hội Thử nghiệm" in html  # the organisation the plan requests


def test_task_page_of_a_group_item_lists_the_members(client, plan119, staff):
    client.force_login(staff)
    response = client.get(reverse("task_detail", args=[Task.objects.get(code="2.2").pk]))
    assert len(response.context["group_members"]) == 48


def test_unknown_task_is_404(client, small_plan, owner):
    client.force_login(owner)
    assert client.get(reverse("task_detail", args=[999999])).status_code == 404


def test_wrong_method(client, small_plan, owner):
    client.force_login(owner)
    assert client.post(reverse("plan_detail")).status_code == 405


def test_english_interface(client, small_plan, owner):
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("plan_detail")})
    html = client.get(reverse("plan_detail")).content.decode()
    assert "Test Department of Trade" in html and "Sở Thử nghiệm Công Thương" not in html
    assert "Lead agency" in html
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("plan_detail")})
    html = client.get(reverse("plan_detail")).content.decode()
    assert "Sở Thử nghiệm Công Thương" in html


def test_login_page(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="vi"' in response.content.decode()
