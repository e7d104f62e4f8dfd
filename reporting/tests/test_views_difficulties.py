"""Difficulties and proposals: agencies raise them with the DFA, the DFA responds and sets the status.

On the cast's small plan (conftest.py): the owner's department carries 1.1, 1.2 (and its 1.2.1) and 2.1; the outsider's
department 1.1, 2.1 and 2.2."""
import unicodedata

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.tests.factories import UserFactory
from plan119.testing import SMALL_PLAN
from reporting.cycle import services
from reporting.difficulties import services as difficulty_services
from reporting.models import Difficulty, DifficultyKind, DifficultyResponse, DifficultyStatus
from tasks.models import Task

pytestmark = pytest.mark.django_db

LIST = reverse("difficulty_list")
CREATE = reverse("difficulty_create")


def detail(difficulty):
    return reverse("difficulty_detail", args=[difficulty.pk])


def task(code):
    return Task.objects.get(plan__number=SMALL_PLAN, code=code)


def raise_(user, code="1.1", title="Thiếu kinh phí tổ chức hội nghị xúc tiến", text="Chưa được bố trí kinh phí.",
           kind=DifficultyKind.DIFFICULTY):
    return difficulty_services.difficulty_raise(agency=user.agency, task=task(code), kind=kind, title=title, text=text,
                                                user=user)


@pytest.fixture
def owners_difficulty(owner):
    return raise_(owner)


@pytest.fixture
def outsiders_difficulty(outsider):
    return raise_(outsider, code="2.2", title="Đề xuất bổ sung kinh phí năm 2025", kind=DifficultyKind.PROPOSAL)


def form_data(code="1.1", **overrides):
    return {"kind": DifficultyKind.DIFFICULTY, "task": task(code).pk, "title": "Vướng mắc thủ tục",
            "text": "Dòng một\nDòng hai", **overrides}


# --- Anonymous users, roles and methods ----------------------------------------------------------------------

def test_anonymous_is_sent_to_log_in(client, owners_difficulty):
    for url in (LIST, CREATE, detail(owners_difficulty)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    response = client.post(detail(owners_difficulty), {"text": "x", "status": DifficultyStatus.RESOLVED})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(CREATE, form_data())
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Difficulty.objects.count() == 1 and not DifficultyResponse.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_method(client, owner, owners_difficulty, method):
    client.force_login(owner)
    for url in (LIST, CREATE, detail(owners_difficulty)):
        assert getattr(client, method)(url).status_code == 405, url
    assert client.post(LIST).status_code == 405


def test_user_without_agency_or_role_is_refused(client, owners_difficulty):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert client.get(detail(owners_difficulty)).status_code == 404


# --- The list -------------------------------------------------------------------------------------------------

def test_staff_list_shows_only_their_agency(client, owner, owners_difficulty, outsiders_difficulty):
    client.force_login(owner)
    response = client.get(LIST)
    assert response.status_code == 200
    assert list(response.context["difficulties"]) == [owners_difficulty]
    html = response.content.decode()
    assert owners_difficulty.title in html and outsiders_difficulty.title not in html
    assert reverse("difficulty_create") in html  # the "raise" button


def test_other_staff_does_not_see_it(client, outsider, owners_difficulty, outsiders_difficulty):
    client.force_login(outsider)
    response = client.get(LIST)
    assert list(response.context["difficulties"]) == [outsiders_difficulty]
    assert owners_difficulty.title not in response.content.decode()


@pytest.mark.parametrize("who", ["dfa", "viewer", "admin"])
def test_readers_see_every_agency(client, request, who, owners_difficulty, outsiders_difficulty):
    client.force_login(request.getfixturevalue(who))
    response = client.get(LIST)
    assert response.status_code == 200
    assert list(response.context["difficulties"]) == [outsiders_difficulty, owners_difficulty]  # newest first
    html = response.content.decode()
    assert "Sở Thử nghiệm Công Thương" in html and "Sở Thử nghiệm Tài chính" in html and "2.2" in html and "1.1" in html
    assert reverse("difficulty_create") not in html  # only agency owner raise difficulties


def test_list_counts_responses(client, dfa, owners_difficulty, outsiders_difficulty):
    difficulty_services.difficulty_respond(difficulty=owners_difficulty, user=dfa, text="Đã nhận",
                                           status=DifficultyStatus.RECEIVED)
    difficulty_services.difficulty_respond(difficulty=owners_difficulty, user=dfa, text="Hướng dẫn",
                                           status=DifficultyStatus.GUIDED)
    client.force_login(dfa)
    counts = {d.pk: d.n_responses for d in client.get(LIST).context["difficulties"]}
    assert counts == {owners_difficulty.pk: 2, outsiders_difficulty.pk: 0}


def test_filter_by_status_agency_task_and_kind(client, dfa, owner, owners_difficulty, outsiders_difficulty):
    second = raise_(owner, code="1.2.1", title="Kiến nghị về thủ tục", kind=DifficultyKind.PROPOSAL)
    difficulty_services.difficulty_respond(difficulty=second, user=dfa, text="Chuyển UBND tỉnh",
                                           status=DifficultyStatus.ESCALATED)
    client.force_login(dfa)

    def shown(**params):
        return set(client.get(LIST, params).context["difficulties"])

    assert shown() == {owners_difficulty, outsiders_difficulty, second}
    assert shown(status=DifficultyStatus.ESCALATED) == {second}
    assert shown(status=DifficultyStatus.RECEIVED) == {owners_difficulty, outsiders_difficulty}
    assert shown(status=DifficultyStatus.RESOLVED) == set()
    assert shown(agency=owner.agency_id) == {owners_difficulty, second}
    assert shown(agency=outsiders_difficulty.agency_id) == {outsiders_difficulty}
    assert shown(task=task("1.1").pk) == {owners_difficulty}
    assert shown(task=task("1.2.1").pk, status=DifficultyStatus.ESCALATED) == {second}
    assert shown(kind=DifficultyKind.PROPOSAL) == {outsiders_difficulty, second}
    assert shown(agency=owner.agency_id, kind=DifficultyKind.PROPOSAL) == {second}


def test_staff_filter_stays_within_their_agency(client, owner, owners_difficulty, outsiders_difficulty):
    client.force_login(owner)
    response = client.get(LIST, {"agency": outsiders_difficulty.agency_id})
    assert list(response.context["difficulties"]) == []


def test_bad_filter_value_is_not_a_crash(client, dfa, owners_difficulty):
    client.force_login(dfa)
    response = client.get(LIST, {"status": "nonsense", "task": "abc"})
    assert response.status_code == 200
    assert response.context["filter"].errors


def test_list_query_count_does_not_grow(client, dfa, owner, outsider):
    def create(n):
        for i in range(n):
            who = owner if i % 2 else outsider
            d = raise_(who, code="1.1", title=f"Khó khăn số {i}")  # both departments carry 1.1
            difficulty_services.difficulty_respond(difficulty=d, user=dfa, text="Đã nhận",
                                                   status=DifficultyStatus.GUIDED)

    client.force_login(dfa)
    create(2)
    client.get(LIST)  # warm up caches (content types, sessions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(LIST).status_code == 200
    create(18)
    with CaptureQueriesContext(connection) as large:
        response = client.get(LIST)
    assert len(response.context["difficulties"]) == 20
    assert len(large) == len(small) <= 15


# --- Raising a difficulty --------------------------------------------------------------------------------------

def test_create_form_offers_only_the_agency_tasks(client, owner):
    client.force_login(owner)
    response = client.get(CREATE)
    assert response.status_code == 200
    codes = [t.code for t in response.context["form"].fields["task"].queryset]
    assert codes == ["1.1", "1.2", "1.2.1", "2.1"]  # not 2.2, the other department's alone


def test_create_preselects_the_task(client, owner):
    client.force_login(owner)
    response = client.get(CREATE, {"task": task("1.1").pk})
    assert str(response.context["form"]["task"].value()) == str(task("1.1").pk)
    assert client.get(CREATE, {"task": "abc"}).status_code == 200


def test_staff_raises_a_difficulty(client, owner, small_plan, small_periods, in_october_2025):
    client.force_login(owner)
    response = client.post(CREATE, form_data(), follow=True)
    difficulty = Difficulty.objects.get()
    assert response.redirect_chain[-1][0] == detail(difficulty)
    assert (difficulty.agency, difficulty.task.code, difficulty.raised_by) == (owner.agency, "1.1", owner)
    assert difficulty.status == DifficultyStatus.RECEIVED
    assert difficulty.text == "Dòng một\nDòng hai"
    assert difficulty.period == small_periods[2025]  # the period of the day it is raised
    html = response.content.decode()
    assert "Dòng một<br>Dòng hai" in html
    assert len(list(response.context["messages"])) == 1


@pytest.mark.parametrize("who", ["dfa", "viewer", "admin"])
def test_only_agency_staff_raise_difficulties(client, request, who, small_plan):
    client.force_login(request.getfixturevalue(who))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    assert not Difficulty.objects.exists()


def test_forged_task_is_a_form_error(client, owner):
    client.force_login(owner)
    response = client.post(CREATE, form_data(code="2.2", title="Giữ lại tiêu đề"))  # the other department's task
    assert response.status_code == 200
    assert response.context["form"].errors["task"]
    assert "Giữ lại tiêu đề" in response.content.decode()
    assert not Difficulty.objects.exists()


def test_unknown_task_id_is_a_form_error(client, owner):
    client.force_login(owner)
    response = client.post(CREATE, form_data(task="999999"))
    assert response.status_code == 200 and response.context["form"].errors["task"]
    response = client.post(CREATE, form_data(task="abc"))
    assert response.status_code == 200 and response.context["form"].errors["task"]
    assert not Difficulty.objects.exists()


def test_missing_fields_keep_the_input(client, owner):
    client.force_login(owner)
    response = client.post(CREATE, form_data(text="", title="Tiêu đề giữ nguyên"))
    assert response.status_code == 200
    assert response.context["form"].errors["text"]
    assert "Tiêu đề giữ nguyên" in response.content.decode()
    assert not Difficulty.objects.exists()


def test_service_refusal_is_a_form_error(client, owner, monkeypatch):
    def refuse(**kwargs):
        raise services.ReportingError("Không thể gửi lúc này.")

    monkeypatch.setattr(difficulty_services, "difficulty_raise", refuse)
    client.force_login(owner)
    response = client.post(CREATE, form_data(title="Tiêu đề của tôi"))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Không thể gửi lúc này."]
    html = response.content.decode()
    assert "Không thể gửi lúc này." in html and "Tiêu đề của tôi" in html


def test_markup_is_escaped(client, owner, dfa):
    client.force_login(owner)
    client.post(CREATE, form_data(title="<script>alert(1)</script>", text="<b>đậm</b>\n<script>alert(2)</script>"))
    difficulty = Difficulty.objects.get()
    difficulty_services.difficulty_respond(difficulty=difficulty, user=dfa, text="<img src=x onerror=alert(3)>",
                                status=DifficultyStatus.GUIDED)
    for url in (LIST, detail(difficulty)):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html and "<b>đậm" not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    html = client.get(detail(difficulty)).content.decode()
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(3)&gt;" in html


def test_decomposed_vietnamese_is_stored_composed(client, owner, dfa):
    client.force_login(owner)
    title = "Khó khăn về kinh phí"
    decomposed = unicodedata.normalize("NFD", title)
    assert decomposed != title
    client.post(CREATE, form_data(title=decomposed, text=decomposed))
    difficulty = Difficulty.objects.get()
    assert difficulty.title == title and difficulty.text == title
    assert Difficulty.objects.filter(title=title).exists()
    client.force_login(dfa)
    client.post(detail(difficulty), {"text": unicodedata.normalize("NFD", "Đề nghị bổ sung"), "status": "guided"})
    assert DifficultyResponse.objects.get().text == "Đề nghị bổ sung"


# --- The detail page and the DFA's responses -----------------------------------------------------------------------

def test_owning_staff_reads_it_without_a_response_form(client, owner, owners_difficulty):
    client.force_login(owner)
    response = client.get(detail(owners_difficulty))
    assert response.status_code == 200
    assert response.context["form"] is None
    html = response.content.decode()
    assert owners_difficulty.title in html and "Sở Thử nghiệm Công Thương" in html
    assert reverse("task_detail", args=[owners_difficulty.task.pk]) in html


def test_other_agency_gets_404(client, outsider, owners_difficulty):
    client.force_login(outsider)
    assert client.get(detail(owners_difficulty)).status_code == 404
    assert client.post(detail(owners_difficulty), {"text": "x", "status": "resolved"}).status_code == 404
    assert client.get(reverse("difficulty_detail", args=[999999])).status_code == 404


def test_dfa_responds_and_the_agency_sees_it(client, dfa, owner, owners_difficulty):
    client.force_login(dfa)
    response = client.get(detail(owners_difficulty))
    assert response.status_code == 200 and response.context["form"] is not None
    response = client.post(detail(owners_difficulty), {"text": "Đề nghị liên hệ Sở Tài chính.\nXem Công văn 12.",
                                                    "status": DifficultyStatus.GUIDED}, follow=True)
    assert response.redirect_chain[-1][0] == detail(owners_difficulty)
    assert len(list(response.context["messages"])) == 1
    owners_difficulty.refresh_from_db()
    assert owners_difficulty.status == DifficultyStatus.GUIDED
    reply = DifficultyResponse.objects.get()
    assert (reply.author, reply.status, reply.difficulty) == (dfa, DifficultyStatus.GUIDED, owners_difficulty)

    client.post(detail(owners_difficulty), {"text": "Đã báo cáo UBND tỉnh.", "status": DifficultyStatus.ESCALATED})
    owners_difficulty.refresh_from_db()
    assert owners_difficulty.status == DifficultyStatus.ESCALATED

    client.force_login(owner)
    response = client.get(detail(owners_difficulty))
    html = response.content.decode()
    assert [r.status for r in response.context["responses"]] == [DifficultyStatus.GUIDED, DifficultyStatus.ESCALATED]
    assert "Đề nghị liên hệ Sở Tài chính.<br>Xem Công văn 12." in html and "Đã báo cáo UBND tỉnh." in html
    assert timezone.localtime(reply.at).strftime("%d/%m/%Y %H:%M") in html
    assert dfa.username in html
    listed = client.get(LIST).context["difficulties"]
    assert [(d.status, d.n_responses) for d in listed] == [(DifficultyStatus.ESCALATED, 2)]


def test_invalid_response_keeps_the_input(client, dfa, owners_difficulty):
    client.force_login(dfa)
    response = client.post(detail(owners_difficulty), {"text": "Nội dung giữ lại", "status": "bogus"})
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert "Nội dung giữ lại" in response.content.decode()
    response = client.post(detail(owners_difficulty), {"text": "  ", "status": DifficultyStatus.RESOLVED})
    assert response.context["form"].errors["text"]
    assert not DifficultyResponse.objects.exists()
    owners_difficulty.refresh_from_db()
    assert owners_difficulty.status == DifficultyStatus.RECEIVED


@pytest.mark.parametrize("who", ["viewer", "owner"])
def test_only_the_dfa_responds(client, request, who, owners_difficulty):
    client.force_login(request.getfixturevalue(who))
    response = client.get(detail(owners_difficulty))
    assert response.status_code == 200 and response.context["form"] is None
    assert client.post(detail(owners_difficulty), {"text": "x", "status": DifficultyStatus.RESOLVED}).status_code == 403
    assert not DifficultyResponse.objects.exists()
    owners_difficulty.refresh_from_db()
    assert owners_difficulty.status == DifficultyStatus.RECEIVED


def test_admin_may_respond(client, admin, owners_difficulty):
    client.force_login(admin)
    response = client.post(detail(owners_difficulty), {"text": "Đã xử lý xong.", "status": DifficultyStatus.RESOLVED})
    assert response.status_code == 302
    owners_difficulty.refresh_from_db()
    assert owners_difficulty.status == DifficultyStatus.RESOLVED


def test_list_pages_keep_the_filter(client, dfa, owner, monkeypatch):
    from reporting.difficulties import views as views_difficulties

    monkeypatch.setattr(views_difficulties, "PAGE_SIZE", 2)
    for i in range(3):
        raise_(owner, title=f"Khó khăn {i}")
    client.force_login(dfa)
    response = client.get(LIST, {"agency": owner.agency_id})
    assert [d.title for d in response.context["difficulties"]] == ["Khó khăn 2", "Khó khăn 1"]
    assert f"?agency={owner.agency_id}&amp;page=2" in response.content.decode()
    response = client.get(LIST, {"agency": owner.agency_id, "page": 2})
    assert [d.title for d in response.context["difficulties"]] == ["Khó khăn 0"]


# --- issue 11, point 10: a form sent twice (double click) makes one difficulty ------------------------------------

def test_the_form_carries_a_new_one_time_token_each_time(client, owner):
    client.force_login(owner)
    first, second = (client.get(CREATE).context["form"]["token"].value() for _ in range(2))
    assert first and second and first != second
    response = client.get(CREATE)
    assert f'name="token" value="{response.context["form"]["token"].value()}"' in response.content.decode()


def test_a_double_click_makes_one_difficulty_and_both_answers_lead_to_it(client, owner):
    client.force_login(owner)
    token = client.get(CREATE).context["form"]["token"].value()
    first = client.post(CREATE, form_data(token=token))
    second = client.post(CREATE, form_data(token=token))
    difficulty = Difficulty.objects.get()
    assert str(difficulty.submission_token) == str(token)
    assert first.status_code == second.status_code == 302 and first.url == second.url == detail(difficulty)
    third = client.post(CREATE, form_data(token=client.get(CREATE).context["form"]["token"].value()))
    assert third.status_code == 302 and Difficulty.objects.count() == 2


def test_the_same_token_twice_in_the_service_returns_the_first(owner):
    import uuid

    token = uuid.uuid4()
    first = difficulty_services.difficulty_raise(agency=owner.agency, task=task("1.1"), kind=DifficultyKind.DIFFICULTY,
                                                 title="A",
                                      text="B", user=owner, token=token)
    again = difficulty_services.difficulty_raise(agency=owner.agency, task=task("1.1"), kind=DifficultyKind.DIFFICULTY,
                                                 title="A",
                                      text="B", user=owner, token=token)
    assert again.pk == first.pk and Difficulty.objects.count() == 1


def test_a_token_from_another_agencys_form_is_refused(client, owner, outsider):
    client.force_login(outsider)
    token = client.get(CREATE).context["form"]["token"].value()
    client.post(CREATE, form_data(code="2.2", token=token))
    client.force_login(owner)
    response = client.post(CREATE, form_data(token=token))
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Difficulty.objects.get().agency == outsider.agency


@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_once_make_one_difficulty(small_plan, owner):
    """Two requests racing: the unique constraint lets one insert through; the other answers the same difficulty."""
    import threading
    import uuid

    from conftest import require_service

    require_service(connection.vendor == "postgresql",
                    "concurrent inserts are tested on PostgreSQL (in-memory SQLite locks whole tables)")
    token, results, errors = uuid.uuid4(), [], []
    barrier = threading.Barrier(2)

    def send():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(difficulty_services.difficulty_raise(agency=owner.agency, task=task("1.1"),
                                                                kind=DifficultyKind.DIFFICULTY,
                                                     title="A", text="B", user=owner, token=token).pk)
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(set(results)) == 1 and Difficulty.objects.filter(submission_token=token).count() == 1
