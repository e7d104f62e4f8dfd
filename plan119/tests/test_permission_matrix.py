"""Every URL pattern of the project × every role. A URL added without an entry here fails
`test_every_url_is_in_the_matrix`. On the cast's small plan (conftest.py): no URL needs Plan 119's own data."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plan119.testing import at, fill

ROLES = ["anonymous", "owner", "other", "dfa", "leader", "admin"]
LOGIN = "login"  # a redirect to the login page

# name → (method, {role: expected status}); unlisted roles default to the "*" entry
MATRIX = {
    "home": ("get", {"anonymous": LOGIN, "*": 200}),
    "plan_detail": ("get", {"anonymous": LOGIN, "*": 200}),
    "plan_detail_pk": ("get", {"anonymous": LOGIN, "*": 200}),
    "task_detail": ("get", {"anonymous": LOGIN, "*": 200}),
    "report_detail": ("get", {"anonymous": LOGIN, "owner": 200, "other": 404, "*": 200}),
    "report_edit": ("get", {"anonymous": LOGIN, "owner": 200, "other": 404, "*": 403}),
    "report_submit": ("get", {"anonymous": LOGIN, "owner": 200, "other": 404, "*": 403}),
    "report_review": ("post", {"anonymous": LOGIN, "dfa": 302, "admin": 302, "*": 403}),
    "report_reopen": ("post", {"anonymous": LOGIN, "dfa": 302, "admin": 302, "*": 403}),
    "report_versions": ("get", {"anonymous": LOGIN, "other": 404, "*": 200}),
    "report_document": ("get", {"anonymous": LOGIN, "other": 404, "*": 200}),
    "attachment_download": ("get", {"anonymous": LOGIN, "other": 404, "*": 200}),
    "extension_request": ("get", {"anonymous": LOGIN, "owner": 302, "other": 404, "*": 403}),  # 302: already sent
    "extension_list": ("get", {"anonymous": LOGIN, "dfa": 200, "admin": 200, "*": 403}),
    "extension_decide": ("post", {"anonymous": LOGIN, "other": 404, "dfa": 302, "admin": 302, "*": 403}),
    "review_queue": ("get", {"anonymous": LOGIN, "dfa": 200, "admin": 200, "*": 403}),
    "period_list": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "period_close": ("post", {"anonymous": LOGIN, "dfa": 302, "admin": 302, "*": 403}),
    "difficulty_list": ("get", {"anonymous": LOGIN, "*": 200}),
    "difficulty_create": ("get", {"anonymous": LOGIN, "owner": 200, "other": 200, "*": 403}),
    "difficulty_detail": ("get", {"anonymous": LOGIN, "other": 404, "*": 200}),
    "synthesis": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "synthesis_build": ("post", {"anonymous": LOGIN, "dfa": 302, "admin": 302, "*": 403}),
    "synthesis_status": ("get", {"anonymous": LOGIN, "dfa": 200, "admin": 200, "*": 403}),
    "synthesis_finalise": ("post", {"anonymous": LOGIN, "dfa": 302, "admin": 302, "*": 403}),
    "synthesis_download": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "indicator_list": ("get", {"anonymous": LOGIN, "*": 200}),
    "indicator_create": ("get", {"anonymous": LOGIN, "dfa": 200, "admin": 200, "*": 403}),
    "indicator_edit": ("get", {"anonymous": LOGIN, "dfa": 200, "admin": 200, "*": 403}),
    "review_download": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard_year": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard_reports": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard_sections": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard_matrix": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard_tasks": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard_years": ("get", {"anonymous": LOGIN, "dfa": 200, "leader": 200, "admin": 200, "*": 403}),
    "dashboard_remind": ("post", {"anonymous": LOGIN, "dfa": 302, "admin": 302, "*": 403}),
    "profile": ("get", {"anonymous": LOGIN, "*": 200}),
    "calendar_rotate": ("post", {"anonymous": LOGIN, "*": 302}),
    "calendar_feed": ("get", {"*": 200}),  # the secret address is the credential
    "api_tokens": ("get", {"anonymous": LOGIN, "*": 200}),
    "api_token_revoke": ("post", {"anonymous": LOGIN, "*": 302}),  # one's own tokens only (api/tests/test_tokens.py)
    "notification_list": ("get", {"anonymous": LOGIN, "*": 200}),
    "notifications_mark_read": ("post", {"anonymous": LOGIN, "*": 302}),
    "login": ("get", {"anonymous": 200, "*": 302}),
    "logout": ("post", {"*": 302}),
    "password_change": ("get", {"anonymous": LOGIN, "*": 200}),
    "password_change_done": ("get", {"anonymous": LOGIN, "*": 200}),
    "set_language": ("post", {"*": 302}),
    # "forgot password" and the one-time links (agencies/account_views.py): open to anyone; a wrong link is a page
    "password_reset": ("get", {"*": 200}),
    "password_reset_done": ("get", {"*": 200}),
    "password_reset_confirm": ("get", {"*": 200}),
    "password_reset_complete": ("get", {"*": 302}),
    "invitation_accept": ("get", {"*": 200}),
    "admin:index": ("get", {"anonymous": 302, "admin": 200, "*": 302}),
}


def project_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    # Django's admin guards its own pages (staff only); its index stands for them all here. The API (api:) has its
    # own matrix, with tokens among the roles and the same rule for a missing row (api/tests/test_permissions.py).
    return {n for n in names if not n.startswith(("admin:", "api:"))} | {"admin:index"}


def test_every_url_is_in_the_matrix():
    missing = project_url_names() - set(MATRIX)
    assert not missing, f"add these URLs to the permission matrix: {sorted(missing)}"


@pytest.fixture
def world(small_plan, small_periods, owner, outsider, dfa, viewer, admin, django_capture_on_commit_callbacks):
    """One of everything: a returned 2025 report of the lead department with a version and an attachment, a
    difficulty, a built synthesis."""
    from reporting.cycle import services
    from reporting.difficulties.services import difficulty_raise
    from reporting.models import DeadlineExtension
    from reporting.synthesis.build import synthesis_build

    periods = small_periods
    with at(2025, 10, 20):
        report = fill(services.report_open(period=periods[2025], agency=owner.agency))
        attachment = services.attachment_add(report=report, section=None,
                                             upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n"), user=owner)
        services.report_submit(report=report, user=owner)
        services.report_return(report=report, user=dfa, comment="Bổ sung")
        difficulty = difficulty_raise(agency=owner.agency, task=report.sections.first().task, kind="difficulty",
                                      title="Khó khăn", text="…", user=owner)
        # a request waiting for the DFA (made directly: the service refuses it for a report already sent)
        extension = DeadlineExtension.objects.create(report=report, requested_by=owner, reason="Chờ số liệu",
                                                     proposed_date=periods[2025].agency_due + datetime.timedelta(7))
    synthesis_build(period=periods[2025])
    task = small_plan.tasks["1.1"]
    from plan119.testing import small_indicators_build

    indicator = small_indicators_build(small_plan)["events"]
    args = {
        "indicator_edit": [indicator.pk],
        "plan_detail_pk": [small_plan.plan.pk], "task_detail": [task.pk], "report_detail": [report.pk],
        "report_edit": [report.pk], "report_submit": [report.pk], "report_review": [report.pk],
        "report_reopen": [report.pk],
        "report_versions": [report.pk], "report_document": [report.pk], "attachment_download": [attachment.pk],
        "period_close": [periods[2025].pk], "extension_request": [report.pk], "extension_decide": [extension.pk],
        "difficulty_detail": [difficulty.pk], "synthesis": [2025], "synthesis_build": [2025],
        "synthesis_status": [2025], "synthesis_finalise": [2025],
        "synthesis_download": [2025, "docx"], "dashboard_year": [2025], "dashboard_reports": [2025],
        "dashboard_sections": [2025], "dashboard_matrix": [2025], "dashboard_tasks": [2025], "dashboard_remind": [2025],
        "calendar_feed": [owner.calendar_token], "api_token_revoke": [1],
        "password_reset_confirm": ["MQ", "cz5b3k-0123456789abcdef"], "invitation_accept": ["MQ", "cz5b3k-0123"],
    }
    users = {"anonymous": None, "owner": owner, "other": outsider, "dfa": dfa, "leader": viewer, "admin": admin}
    return args, users


# POSTs that change state run last, DFA and admin last of all, so that their effects do not change other answers
ORDER = sorted(MATRIX, key=lambda n: (MATRIX[n][0] == "post", n in ("period_close", "synthesis_finalise", "logout"), n))


@pytest.mark.django_db
def test_every_url_for_every_role(world):
    args, users = world
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    wrong = {}
    for name in ORDER:
        method, expected = MATRIX[name]
        url = reverse(name, args=args.get(name, []))
        data = {"decision": "accept", "reason": "Lý do", "agency": "all", "language": "vi", "next": "/"}
        for role in ROLES:
            client = clients[role]
            if name == "logout":  # a fresh session, so that logging out does not end the others' checks
                client = Client()
                if users[role] is not None:
                    client.force_login(users[role])
            response = client.post(url, data) if method == "post" else client.get(url)
            want = expected.get(role, expected.get("*"))
            if want == LOGIN:
                ok = response.status_code == 302 and response["Location"].startswith(reverse("login"))
            else:
                ok = response.status_code == want
            if not ok:
                wrong[(name, role)] = (response.status_code, want)
    assert not wrong, wrong
