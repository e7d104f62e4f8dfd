"""The DFA edits the indicator catalogue on its own page; loading the plan file again keeps what it decided."""
import pytest
from django.urls import reverse

from tasks.models import Indicator
from tasks.services import plan_load, read_plan_file


def form_data(small_plan, **overrides):
    data = {"name": "Hội chợ tham gia", "name_en": "Fairs attended", "unit": "hội chợ", "unit_en": "fairs",
            "kind": "count", "combine": "sum", "tasks": [small_plan.tasks["1.2.1"].pk], "suggested": "on",
            "active": "on", "code": "fairs", "position": "5"}
    data.update(overrides)
    return data


def test_the_dfa_adds_an_indicator_and_agencies_see_it_in_their_form(client, dfa, owner, small_plan, small_report):
    client.force_login(dfa)
    response = client.post(reverse("indicator_create"), form_data(small_plan))
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="fairs")
    assert [t.code for t in indicator.tasks.all()] == ["1.2.1"] and indicator.plan == small_plan.plan
    assert indicator.history.first().history_user == dfa
    client.force_login(owner)
    page = client.get(reverse("report_edit", args=[small_report.pk])).content.decode()
    section = small_report.sections.get(task__code="1.2.1")
    assert f'name="s{section.pk}-ind-i{indicator.pk}"' in page
    assert "Hội chợ tham gia" in client.get(reverse("indicator_list")).content.decode()


def test_bad_input_is_refused_with_messages_and_nothing_is_saved(client, dfa, small_plan, small_indicators):
    client.force_login(dfa)
    response = client.post(reverse("indicator_create"), form_data(small_plan, code="events", tasks=[], kind="x"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Another indicator of this plan already has this code." in body or "đã có mã này" in body
    assert not Indicator.objects.filter(name="Hội chợ tham gia").exists()
    # a parent item has no section of its own: it cannot be chosen
    parent = small_plan.tasks["1.2"].pk
    response = client.post(reverse("indicator_create"), form_data(small_plan, tasks=[parent]))
    assert response.status_code == 400


def test_editing_keeps_values_and_the_plan_file_does_not_overwrite_the_dfa(client, dfa, db, settings):
    plan_load(data=read_plan_file())
    indicator = Indicator.objects.get(code="fdi-capital")
    client.force_login(dfa)
    data = {"name": "Vốn FDI đăng ký mới và tăng thêm", "name_en": indicator.name_en, "unit": indicator.unit,
            "unit_en": indicator.unit_en, "kind": indicator.kind, "combine": indicator.combine,
            "tasks": [t.pk for t in indicator.tasks.all()], "lead_only": "on", "suggested": "on", "active": "on",
            "code": indicator.code, "position": indicator.position}
    assert client.post(reverse("indicator_edit", args=[indicator.pk]), data).status_code == 302
    report = plan_load(data=read_plan_file())
    indicator.refresh_from_db()
    assert indicator.name == "Vốn FDI đăng ký mới và tăng thêm"
    assert any("fdi-capital" in line or "Vốn FDI" in line for line in report.skipped)


@pytest.mark.parametrize("who", ["owner", "viewer"])
def test_only_the_dfa_edits(client, request, small_plan, small_indicators, who):
    client.force_login(request.getfixturevalue(who))
    url = reverse("indicator_edit", args=[small_indicators["events"].pk])
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(small_plan)).status_code == 403
    assert Indicator.objects.get(pk=small_indicators["events"].pk).name == "Sự kiện xúc tiến"
