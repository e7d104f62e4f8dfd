"""Invitations and "forgot password" (agencies/accounts.py, agencies/account_views.py): one-time links that expire,
no enumeration, throttling, and deactivated people who keep their history but cannot sign in."""
import re
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from agencies.accounts import invitation_send, invitation_tokens, reset_tokens
from agencies.models import AccountMail, AccountMailKind, User
from agencies.tests.factories import UserFactory, staff_of
from plan119.testing import at

pytestmark = pytest.mark.django_db

PASSWORD = "một mật khẩu khá dài 2026"  # noqa: S105


@pytest.fixture
def newcomer(small_plan):
    """Someone an admin imported: no password yet."""
    user = staff_of(small_plan.lead, username="moi@example.vn", email="moi@example.vn", first_name="Nguyễn Văn",
                    last_name="Mới")
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture
def send(django_capture_on_commit_callbacks, mailoutbox):
    """Run `action` and return the path of the link in the e-mail it sent (the Celery job runs in-process)."""
    def run(action):
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            action()
        assert len(mailoutbox) == before + 1
        url = re.search(r"http://\S+", mailoutbox[-1].body).group(0)
        assert url.startswith("http://localhost:8000/")  # settings.SITE_URL
        return urlparse(url).path
    return run


def set_password(client, link, password=PASSWORD):
    """Follow a one-time link as a browser does and choose a password; the response of the last step."""
    response = client.get(link)
    if response.status_code != 302:
        return response
    return client.post(response["Location"], {"new_password1": password, "new_password2": password})


def link_works(client, link) -> bool:
    response = client.get(link, follow=True)
    return response.context["validlink"]


# --- invitations --------------------------------------------------------------------------------------------------

def test_the_invitation_link_works_once(client, newcomer, send, mailoutbox, admin):
    link = send(lambda: invitation_send(user=newcomer, by=admin))
    message = mailoutbox[-1]
    assert message.to == ["moi@example.vn"]
    assert "Nguyễn Văn Mới" in message.body and "moi@example.vn" in message.body
    assert link.startswith("/accounts/invitation/")
    response = set_password(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_complete")
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)
    assert client.post(reverse("login"), {"username": "moi@example.vn", "password": PASSWORD}).status_code == 302
    client.logout()
    assert not link_works(client, link)  # the password changed: the link is dead
    assert AccountMail.objects.get().sent_at is not None


@pytest.mark.parametrize("language,subject", [
    ("vi", "[KH 119] Tài khoản của Anh/Chị: mời đặt mật khẩu"),
    ("en", "[Plan 119] Your account: choose your password"),
])
def test_the_invitation_is_in_the_persons_language(newcomer, send, mailoutbox, language, subject):
    newcomer.language = language
    newcomer.save()
    send(lambda: invitation_send(user=newcomer))
    assert mailoutbox[-1].subject == subject


def test_the_invitation_expires(client, newcomer, send, settings):
    settings.INVITATION_DAYS = 7
    with at(2026, 3, 2, 9):
        link = send(lambda: invitation_send(user=newcomer))
    with at(2026, 3, 9, 8, 59):
        assert link_works(client, link)
    with at(2026, 3, 9, 9, 1):
        assert not link_works(client, link)
        assert set_password(client, link).status_code == 200  # the page that says so, not a form
    newcomer.refresh_from_db()
    assert not newcomer.has_usable_password()


def test_a_new_invitation_kills_the_earlier_link(client, newcomer, send):
    first = send(lambda: invitation_send(user=newcomer))
    second = send(lambda: invitation_send(user=newcomer))
    assert not link_works(client, first)
    assert link_works(client, second)


@pytest.mark.parametrize("tamper", ["token", "uid", "garbage uid", "huge uid", "reset token"])
def test_a_wrong_link_leads_nowhere(client, newcomer, send, tamper):
    link = send(lambda: invitation_send(user=newcomer))
    uid, token = link.rstrip("/").split("/")[-2:]
    bad = {
        "token": (uid, token[:-1] + ("0" if token[-1] != "0" else "1")),
        "uid": (urlsafe_base64_encode(force_bytes(newcomer.pk + 1)), token),
        "garbage uid": ("!!!", token),
        "huge uid": (urlsafe_base64_encode(b"99999999999999999999999"), token),
        "reset token": (uid, reset_tokens.make_token(newcomer)),  # a reset token is no invitation
    }[tamper]
    response = client.get(reverse("invitation_accept", args=bad))
    assert response.status_code == 200 and not response.context["validlink"]


def test_only_people_without_a_password_are_invited(owner, newcomer, mailoutbox, django_capture_on_commit_callbacks):
    inactive = UserFactory(is_active=False)
    inactive.set_unusable_password()
    inactive.save()
    no_email = UserFactory(email="")
    no_email.set_unusable_password()
    no_email.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert [invitation_send(user=u) for u in (owner, inactive, no_email)] == [False, False, False]
    assert mailoutbox == [] and not AccountMail.objects.exists()


def test_an_invitation_owed_to_someone_who_set_a_password_meanwhile_is_not_sent(
        newcomer, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the worker has not run yet
        invitation_send(user=newcomer)
    newcomer.set_password(PASSWORD)
    newcomer.save()
    callbacks[0]()
    assert mailoutbox == []
    assert AccountMail.objects.get().sent_at is not None


def test_a_deactivated_persons_link_leads_nowhere(client, newcomer, send):
    link = send(lambda: invitation_send(user=newcomer))
    newcomer.is_active = False
    newcomer.save()
    assert not link_works(client, link)


# --- forgot password ----------------------------------------------------------------------------------------------

def ask_reset(client, email, address="10.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_the_log_in_page_offers_forgot_password(client):
    response = client.get(reverse("login"))
    assert reverse("password_reset").encode() in response.content


def test_the_reset_pages_are_in_vietnamese_in_the_sites_layout(client):
    client.cookies["django_language"] = "vi"
    page = client.get(reverse("password_reset"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Quên mật khẩu?" in page and 'class="navbar' in page
    done = client.get(reverse("password_reset_done"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Kiểm tra thư" in done


def test_reset_link_works_once(client, owner, send):
    link = send(lambda: ask_reset(client, owner.email.upper()))
    assert link.startswith("/accounts/reset/")
    response = set_password(client, link)
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert not link_works(client, link)


def test_reset_link_expires(client, owner, send, settings):
    settings.PASSWORD_RESET_TIMEOUT = 24 * 3600
    with at(2026, 3, 2, 9):
        link = send(lambda: ask_reset(client, owner.email))
    with at(2026, 3, 3, 8, 59):
        assert link_works(client, link)
    with at(2026, 3, 3, 9, 1):
        assert not link_works(client, link)


def test_an_invitation_token_is_no_reset_token(client, newcomer):
    uid = urlsafe_base64_encode(force_bytes(newcomer.pk))
    response = client.get(reverse("password_reset_confirm", args=[uid, invitation_tokens.make_token(newcomer)]))
    assert not response.context["validlink"]


def test_no_enumeration_the_same_answer_for_any_address(client, owner, mailoutbox, django_capture_on_commit_callbacks):
    inactive = UserFactory(username="gone", email="gone@example.vn", is_active=False)
    answers = {}
    for email in (owner.email, "nobody@example.vn", inactive.email):
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = ask_reset(client, email)
        page = client.get(response["Location"])
        content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page.content)
        answers[email] = (response.status_code, response["Location"], content, len(mailoutbox) - before)
    assert answers[owner.email][:3] == answers["nobody@example.vn"][:3] == answers[inactive.email][:3]
    assert [answers[e][3] for e in (owner.email, "nobody@example.vn", inactive.email)] == [1, 0, 0]
    assert list(AccountMail.objects.values_list("user", "kind")) == [(owner.pk, AccountMailKind.PASSWORD_RESET)]


def test_someone_invited_who_lost_the_invitation_can_ask_for_a_reset(client, newcomer, send):
    link = send(lambda: ask_reset(client, newcomer.email))
    assert set_password(client, link).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.has_usable_password()


def test_an_address_asked_too_often_gets_nothing_more_silently(client, owner, mailoutbox, settings,
                                                              django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_ADDRESS_LIMIT = 3
    with at(2026, 3, 2, 9):
        with django_capture_on_commit_callbacks(execute=True):
            responses = [ask_reset(client, owner.email, address=f"10.0.0.{i}") for i in range(5)]
        assert {(r.status_code, r["Location"]) for r in responses} == {(302, reverse("password_reset_done"))}
        assert len(mailoutbox) == 3
    with at(2026, 3, 2, 10, 1), django_capture_on_commit_callbacks(execute=True):
        ask_reset(client, owner.email)
    assert len(mailoutbox) == 4


def test_a_client_asking_too_often_is_told_to_wait(client, owner, settings):
    settings.PASSWORD_RESET_CLIENT_LIMIT = 10
    for i in range(10):
        assert ask_reset(client, f"someone{i}@example.vn").status_code == 302
    response = ask_reset(client, owner.email)
    assert response.status_code == 429
    assert "quá nhiều yêu cầu đặt lại mật khẩu" in response.content.decode()
    assert not AccountMail.objects.exists()
    assert ask_reset(client, owner.email, address="10.0.0.2").status_code == 302


def test_a_bad_address_is_a_form_error(client):
    response = client.post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200 and response.context["form"].errors


# --- deactivated people -------------------------------------------------------------------------------------------

def test_a_deactivated_person_cannot_sign_in(client, owner):
    owner.is_active = False
    owner.save()
    response = client.post(reverse("login"), {"username": owner.username, "password": "correct horse battery staple"})
    assert response.status_code == 200 and response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_deactivating_someone_ends_their_session(client, owner):
    client.force_login(owner)
    assert client.get(reverse("profile")).status_code == 200
    User.objects.filter(pk=owner.pk).update(is_active=False)
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_deactivated_persons_reset_link_leads_nowhere(client, owner, send):
    link = send(lambda: ask_reset(client, owner.email))
    owner.is_active = False
    owner.save()
    assert not link_works(client, link)
    owner.refresh_from_db()
    assert owner.check_password("correct horse battery staple")

