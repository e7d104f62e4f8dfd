"""Calendar feeds, validated by parsing them; the profile page that shows and rotates the address. On the cast's
small plan (conftest.py): three years, 2024–2026."""
import pytest
from django.urls import reverse
from icalendar import Calendar

from plan119.testing import another_plan_build

pytestmark = pytest.mark.django_db


def events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(e["summary"]): (e.decoded("dtstart"), str(e["url"])) for e in calendar.walk("VEVENT")}


def test_agency_feed(client, small_periods, owner):
    response = client.get(reverse("calendar_feed", args=[owner.calendar_token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    found = events(response)
    due = [v for k, v in found.items() if "2025" in k and ("hạn" in k.lower() or "due" in k.lower())]
    assert due and due[0][0].isoformat() == "2025-11-05"
    assert all(v[1].startswith("http") for v in found.values())
    assert len(found) == 6  # opening and deadline of each of the three years (2024–2026)


def test_agency_feed_leaves_out_plans_that_give_the_agency_nothing(client, small_periods, small_plan, owner):
    """Another plan's periods exist too, but the owner's agency carries no task of it."""
    other = another_plan_build(small_plan.outside)
    assert other.periods.count() == 8
    assert len(events(client.get(reverse("calendar_feed", args=[owner.calendar_token])))) == 6


def test_dfa_feed_has_both_deadlines_of_open_periods(client, small_periods, dfa):
    from reporting.cycle.services import period_close

    period_close(period=small_periods[2024], user=dfa)
    found = events(client.get(reverse("calendar_feed", args=[dfa.calendar_token])))
    dates = sorted(v[0].isoformat() for v in found.values())
    assert "2025-11-05" in dates and "2025-11-15" in dates and "2024-11-05" not in dates
    assert len(found) == 4  # 2025 and 2026, two deadlines each


def test_unknown_or_rotated_token_is_404(client, small_periods, owner):
    old = owner.calendar_token
    client.force_login(owner)
    client.post(reverse("calendar_rotate"))
    owner.refresh_from_db()
    assert owner.calendar_token != old
    client.logout()
    assert client.get(reverse("calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[owner.calendar_token])).status_code == 200
    assert client.get(reverse("calendar_feed", args=["x" * 30])).status_code == 404


@pytest.mark.parametrize("who", ["owner", "outsider", "dfa", "viewer"])
def test_profile_for_everyone(client, small_periods, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200 and user.calendar_token in response.content.decode()
    response = client.post(reverse("profile"),
                           {"first_name": "Lan", "last_name": "Lê", "email": "lan@thanhhoa.gov.vn", "language": "en"})
    user.refresh_from_db()
    assert user.language == "en" and user.first_name == "Lan"


def test_profile_anonymous_and_methods(client, small_periods, owner):
    assert client.get(reverse("profile")).status_code == 302
    assert client.post(reverse("calendar_rotate")).status_code == 302
    client.force_login(owner)
    assert client.get(reverse("calendar_rotate")).status_code == 405
    assert client.post(reverse("calendar_feed", args=[owner.calendar_token])).status_code == 405


def test_bad_email_in_profile_keeps_input(client, small_periods, owner):
    client.force_login(owner)
    response = client.post(reverse("profile"),
                           {"first_name": "Giữ lại", "last_name": "", "email": "not-an-email", "language": "vi"})
    assert response.status_code == 200 and "Giữ lại" in response.content.decode()
