"""The admin's side of people: the import page (check, then apply) reachable from the user list, and "send the
invitation again". Every page as admin, DFA officer, agency staff, a staff member without rights, and anonymous."""
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AccountMail, User
from agencies.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:agencies_user_import")
CSV = "Họ và tên;Thư điện tử;Mã đơn vị;Vai trò\nNguyễn Văn An;an@example.vn;T-LEAD;\nLê Hoa;hoa@example.vn;T-COOP;\n"


def upload(client, content=CSV, name="people.csv"):
    data = content.encode("utf-8-sig") if isinstance(content, str) else content
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_the_user_list_links_to_the_import_page(client, admin):
    client.force_login(admin)
    page = client.get(reverse("admin:agencies_user_changelist")).content.decode()
    assert IMPORT in page


@pytest.mark.parametrize("who", ["dfa", "viewer", "owner", None])
def test_the_import_page_is_closed_to_others(client, request, who):
    if who:
        client.force_login(request.getfixturevalue(who))
    for response in (client.get(IMPORT), upload(client), client.post(IMPORT, {"payload": "x"})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert not User.objects.filter(email="an@example.vn").exists()


def test_a_staff_member_without_the_right_to_add_users_is_refused(client, small_plan):
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(clerk)
    assert client.get(IMPORT).status_code == 403
    assert upload(client).status_code == 403


def test_check_then_apply(client, admin, mailoutbox, django_capture_on_commit_callbacks,
                          django_assert_max_num_queries):
    client.force_login(admin)
    assert client.get(IMPORT).status_code == 200
    with django_assert_max_num_queries(12):
        response = upload(client)
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.new_count, result.error_count) == (2, 0)
    assert not User.objects.filter(email="an@example.vn").exists()  # the check wrote nothing
    payload = response.context["payload"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(IMPORT, {"payload": payload})
    assert response.status_code == 302 and response["Location"] == reverse("admin:agencies_user_changelist")
    an = User.objects.get(email="an@example.vn")
    assert an.agency.code == "T-LEAD" and an.history.get().history_user == admin
    assert sorted(m.to[0] for m in mailoutbox) == ["an@example.vn", "hoa@example.vn"]
    # the same check applied again: nothing new, nobody invited twice
    with django_capture_on_commit_callbacks(execute=True):
        client.post(IMPORT, {"payload": payload})
    assert User.objects.filter(email__in=["an@example.vn", "hoa@example.vn"]).count() == 2
    assert len(mailoutbox) == 2


def test_errors_are_shown_row_by_row_and_nothing_can_be_applied(client, admin):
    client.force_login(admin)
    response = upload(client, CSV + "Bình;binh@;T-LEAD;\nKhông;khong@example.vn;NOPE;\n")
    page = response.content.decode()
    assert response.status_code == 200 and response.context["result"].error_count == 2
    assert "“binh@” không phải địa chỉ thư điện tử hợp lệ." in page
    assert "Không có đơn vị nào có mã “NOPE”." in page
    assert 'name="payload"' not in page


@pytest.mark.parametrize("content,name,message", [
    (b"", "empty.csv", "Tập tin được gửi là rỗng."),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 64, "old.xls", "(.xls)"),
    (b"PK\x03\x04garbage", "broken.xlsx", "Excel"),
    (b"=cmd|' /C calc'!A0,x\n", "formula.csv", "Họ và tên"),
])
def test_a_bad_file_is_a_message_never_a_500(client, admin, content, name, message):
    client.force_login(admin)
    response = upload(client, content, name)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"]) or message in response.content.decode()


def test_a_tampered_or_stale_payload_is_refused(client, admin):
    client.force_login(admin)
    response = client.post(IMPORT, {"payload": "eyJ0YW1wZXJlZCI6MX0:abc:def"}, follow=True)
    assert "Kết quả kiểm tra đã quá hạn hoặc bị sửa đổi" in response.content.decode()
    assert not AccountMail.objects.exists()


def test_invite_again_from_the_user_list(client, admin, owner, small_plan, mailoutbox,
                                         django_capture_on_commit_callbacks):
    waiting = UserFactory(username="cho", email="cho@example.vn", agency=small_plan.lead)
    waiting.set_unusable_password()
    waiting.save()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:agencies_user_changelist"), {
            "action": "invite_again", "_selected_action": [waiting.pk, owner.pk]}, follow=True)
    page = response.content.decode()
    assert "Đã gửi 1 thư mời." in page and "Bỏ qua 1 người" in page
    assert [m.to for m in mailoutbox] == [["cho@example.vn"]]
    assert re.search(r"/accounts/invitation/\S+/", mailoutbox[0].body)


def test_the_account_mails_are_listed_read_only(client, admin, owner):
    AccountMail.objects.create(user=owner, kind="password_reset")
    client.force_login(admin)
    assert client.get(reverse("admin:agencies_accountmail_changelist")).status_code == 200
    assert client.get(reverse("admin:agencies_accountmail_add")).status_code == 403
