"""The admin is Vietnamese for an admin who reads Vietnamese: every app, model, heading, filter and field label of
every admin page (index, each model's list, add form, a change form and its history), Django's own, ours and the
third-party apps' (django-axes, django-celery-beat, simple_history), whose names our catalogue (locale/vi) translates.

The page text is read without data (table rows, choices, text areas, scripts): what an admin typed may be English."""
import re

import pytest
from django.contrib import admin as django_admin
from django.urls import NoReverseMatch, reverse

from plan119.testing import fill

# English an admin used to see in the Vietnamese admin (issue 14), and the names it would come back as
REFUSED = [
    "Access attempt", "Access log", "Access failure", "Axes", "Periodic task", "Clocked", "Crontab", "Solar event",
    "Interval", "Intervals", "Notification", "Outbox", "Reminder", "Report event", "Submitted version",
    "Difficulty response", "History", "Plan:", "By plan", "By period", "Bản ghi nhớ", "Task Name", "Human readable",
    "Scheduler", "Get full name", "Sessions", "Skip to main content", "Toggle theme", "Show counts", "Hide counts",
    "Site administration", "Locked Out", "User Agent", "Model name", "Add link", "Arguments", "Execution Options",
    "Schedule", "Enabled", "Last Run", "Start Datetime", "Latitude", "Longitude", "Form Data", "Attempt Time",
    "Failed Logins", "Logout Time", "Change reason", "Changed by", "Lock version", "Created at", "Updated at",
    "Uploaded by", "Claimed at", "Sent at", "Attempts", "Error", "Link", "Kind", "Subject", "Message", "Read at",
]
# each word alone or in its plural ("Periodic tasks"), not inside another word
_PATTERN = re.compile(r"(?<![\w])(" + "|".join(re.escape(w) for w in REFUSED) + r")(?:e?s)?(?![\w])", re.IGNORECASE)
_DATA = re.compile(r"(?s)<script.*?</script>|<style.*?</style>|<option.*?</option>|<tbody.*?</tbody>"
                   r"|<textarea.*?</textarea>|<input[^>]*>|<div class=\"readonly\">.*?</div>")


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", _DATA.sub(" ", html)).split())


def admin_pages():
    """Every page of every registered model an admin opens: list, add form, the first object's form and history."""
    pages = [reverse("admin:index")]
    for model in django_admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{info}_change", args=[first.pk]))
            try:
                pages.append(reverse(f"{info}_history", args=[first.pk]))
            except NoReverseMatch:
                pass
        pages.append(reverse("admin:app_list", args=[model._meta.app_label]))
    return list(dict.fromkeys(pages))


@pytest.mark.django_db
def test_every_admin_page_names_things_in_vietnamese(client, admin, small_report, owner, dfa):
    from reporting.cycle import services

    fill(small_report)
    services.report_submit(report=small_report, user=owner)  # an e-mail in the outbox, notifications
    services.report_return(report=small_report, user=dfa, comment="Bổ sung")
    client.force_login(admin)
    english = {}
    for url in admin_pages():
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        if response.status_code == 403:  # read-only models (login attempts) have no add page
            continue
        assert response.status_code == 200, url
        found = sorted({m.group(1) for m in _PATTERN.finditer(visible_text(response.content.decode()))})
        if found:
            english[url] = found
    assert not english, "English in the Vietnamese admin:\n" + "\n".join(f"{u}: {w}" for u, w in english.items())


@pytest.mark.django_db
def test_the_check_finds_english_when_there_is_some(client, admin):
    """The same index in English shows the names the check refuses: it can fail."""
    client.force_login(admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    found = {m.group(1).lower() for m in _PATTERN.finditer(visible_text(client.get(reverse("admin:index")).content
                                                                         .decode()))}
    assert {"periodic task", "clocked", "notification", "outbox", "reminder", "access log"} <= found, found
