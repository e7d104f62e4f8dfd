#!/usr/bin/env python
"""Synthetic data for the plan119 benchmarks: N ordered agencies, their staff and Y years of reports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plan119_bench DEBUG=1 \
        .venv/bin/python bench/generate.py --agencies 2000 --years 8 [--seed 1] [--reset]

Usable as a module too: ``from bench.generate import generate; generate(agencies=2000, years=8)``
(Django must then already be set up, or ``setup_django()`` is called for you).

What it creates (everything it adds is recognisable, so that ``--reset`` can take it away again):

* the bundled Plan 119/KH-UBND when the database does not hold it yet (``plan_load``);
* agencies ``BENCH-00001`` … (kinds department/district, "Đơn vị thử nghiệm 00001", contact e-mail
  ``bench00001@bench.invalid``, head ``head00001@bench.invalid``) until there are N active departments and
  districts, the real ones of the plan included;
* each bench agency's assignments: the tasks assigned to all departments and districts (lead) plus 1–3 random
  named tasks as co-operating;
* 2 agency staff per bench agency (``staff00001.1@bench.invalid``) and 3 DFA officers (``dfa1@bench.invalid``),
  all with the same pre-hashed password ``bench-password``;
* for the Y most recent plan years up to 2025 (then later plan years when Y asks for more, so that Y=8 gives
  2023–2030), one report per agency and period with a section per task it reports on (the leaf rule of
  ``reporting.cycle.services._agency_assignments``), in every state, with the submitted versions and the timeline.

Rows are written with ``bulk_create`` (no simple-history rows for bench data), one chunk of agencies at a time,
so memory stays bounded whatever N and Y are. It ends with one JSON line on stdout.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BENCH_PREFIX = "BENCH-"
BENCH_DOMAIN = "@bench.invalid"
BENCH_PASSWORD = "bench-password"  # noqa: S105 - the synthetic users' password, scratch databases only
CURRENT_YEAR = 2025  # "today" of the synthetic data: the year agencies are reporting on
BATCH = 2000
CHUNK = 250  # agencies per write transaction

# State mix of a completed year, and of the current one (more drafts: the deadline is still ahead).
MIX_PAST = [("accepted", 0.60), ("submitted", 0.10), ("returned", 0.05), ("late", 0.10), ("draft", 0.15)]
MIX_CURRENT = [("accepted", 0.30), ("submitted", 0.10), ("returned", 0.05), ("late", 0.05), ("draft", 0.50)]


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plan119.settings")
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()


# --- Vietnamese text ---------------------------------------------------------------------------------

def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


COUNTRIES = ["Nhật Bản", "Hàn Quốc", "Lào", "Thái Lan", "Hoa Kỳ", "Cộng hòa Liên bang Đức", "Pháp", "Singapore",
             "Trung Quốc", "Ô-xtrây-li-a", "Ấn Độ", "Liên bang Nga", "Đài Loan (Trung Quốc)", "Ca-na-đa"]
RESULTS = [
    "Tổ chức {n} đoàn công tác xúc tiến đầu tư, thương mại, du lịch tại {c}.",
    "Ký kết {n} văn bản thỏa thuận hợp tác với các đối tác của {c}.",
    "Tiếp và làm việc với {n} đoàn doanh nghiệp {c} tìm hiểu cơ hội đầu tư tại tỉnh.",
    "Thu hút {m} triệu USD vốn đầu tư trực tiếp nước ngoài, chủ yếu từ các nhà đầu tư {c}.",
    "Tham gia {n} hội chợ, triển lãm quốc tế, giới thiệu các sản phẩm chủ lực của địa phương.",
    "Cung cấp thông tin về thị trường {c} cho {k} doanh nghiệp trên địa bàn.",
    "Tổ chức {n} hội nghị, hội thảo chuyên đề về ngoại giao kinh tế và hội nhập quốc tế.",
    "Biên soạn, cập nhật {n} ấn phẩm quảng bá tiềm năng, thế mạnh của tỉnh bằng tiếng Anh, tiếng Nhật, tiếng Hàn.",
    "Phối hợp với Sở Ngoại vụ đón tiếp {n} đoàn khách quốc tế đến thăm và làm việc tại tỉnh.",
    "Tập huấn nghiệp vụ đối ngoại, ngoại giao kinh tế cho {k} lượt cán bộ, công chức, viên chức.",
    "Hỗ trợ {n} doanh nghiệp tháo gỡ rào cản kỹ thuật khi xuất khẩu nông sản sang {c}.",
    "Kim ngạch xuất khẩu sang thị trường {c} đạt {m} triệu USD, tăng {p}% so với cùng kỳ.",
]
DIFFICULTIES = [
    "Kinh phí bố trí cho hoạt động đối ngoại, xúc tiến đầu tư còn hạn chế.",
    "Đội ngũ cán bộ làm công tác đối ngoại còn mỏng, trình độ ngoại ngữ chưa đáp ứng yêu cầu.",
    "Thông tin về thị trường, đối tác nước ngoài chưa được cập nhật kịp thời.",
    "Sự phối hợp giữa các cơ quan, đơn vị trong triển khai nhiệm vụ có lúc chưa chặt chẽ.",
    "Một số dự án đầu tư nước ngoài chậm triển khai do vướng mắc về giải phóng mặt bằng.",
    "",
    "",
]
PROPOSALS = [
    "Đề nghị Sở Ngoại vụ hỗ trợ kết nối với các cơ quan đại diện Việt Nam ở nước ngoài.",
    "Đề nghị UBND tỉnh bố trí kinh phí cho các hoạt động xúc tiến đầu tư năm tới.",
    "Đề nghị tổ chức các lớp bồi dưỡng kiến thức ngoại giao kinh tế cho cán bộ cấp huyện.",
    "Đề nghị xây dựng cơ sở dữ liệu dùng chung về đối tác nước ngoài.",
    "",
    "",
]
SUMMARIES = [
    "Năm {y}, đơn vị đã triển khai nghiêm túc, đầy đủ các nhiệm vụ được giao tại Kế hoạch số 119/KH-UBND; "
    "công tác ngoại giao kinh tế đạt nhiều kết quả tích cực, góp phần thu hút đầu tư và mở rộng thị trường.",
    "Đơn vị đã cụ thể hóa Kế hoạch bằng kế hoạch năm {y}; phần lớn nhiệm vụ đã hoàn thành đúng tiến độ, "
    "một số nhiệm vụ đang tiếp tục triển khai.",
    "Trong năm {y}, các nhiệm vụ được giao cơ bản được thực hiện theo kế hoạch; tuy nhiên nguồn lực còn hạn chế.",
]
RETURN_COMMENTS = [
    "Đề nghị bổ sung số liệu cụ thể về kết quả thu hút đầu tư.",
    "Phần kết quả còn chung chung, đề nghị nêu rõ hoạt động và thời gian thực hiện.",
    "Đề nghị bổ sung khó khăn, vướng mắc và kiến nghị cụ thể.",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Thanh"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hải", "Hương", "Lan", "Long", "Mai", "Nam", "Phương", "Quân", "Thảo",
         "Trang", "Tuấn", "Việt", "Yến"]
PROGRESS_DONE = ["completed", "completed", "completed", "ongoing", "ongoing", "in_progress", "in_progress",
                 "not_started"]


def results_text(rng: random.Random, sentences: int) -> str:
    picked = rng.sample(RESULTS, sentences)
    return nfc(" ".join(
        s.format(n=rng.randint(1, 12), k=rng.randint(5, 300), m=rng.randint(2, 250), p=rng.randint(3, 40),
                 c=rng.choice(COUNTRIES))
        for s in picked
    ))


# --- Helpers -----------------------------------------------------------------------------------------

def chunks(seq, size):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def bench_code(number: int) -> str:
    return f"{BENCH_PREFIX}{number:05d}"


def chosen_years(plan, years: int) -> list[int]:
    """The `years` most recent plan years up to 2025, then later plan years if more are asked (8 → 2023–2030)."""
    plan_years = list(plan.years())
    picked = [y for y in plan_years if y <= CURRENT_YEAR][-years:] if years > 0 else []
    if len(picked) < years:
        picked += [y for y in plan_years if y > CURRENT_YEAR][: years - len(picked)]
    return sorted(picked)


def _mix(rng: random.Random, mix) -> str:
    x, acc = rng.random(), 0.0
    for state, share in mix:
        acc += share
        if x < acc:
            return state
    return mix[-1][0]


def _at(day: datetime.date, rng: random.Random, tz) -> datetime.datetime:
    """A time during office hours on `day`, in Vietnam's time zone."""
    minutes = rng.randint(7 * 60 + 30, 17 * 60)
    return datetime.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, rng.randint(0, 59), tzinfo=tz)


def _day_between(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


# --- Reset -------------------------------------------------------------------------------------------

def reset() -> dict:
    """Delete everything the generator made: reports (and their sections, versions, events), reminders to bench
    addresses, syntheses that mention bench agencies, assignments, users and the BENCH- agencies."""
    setup_django()
    from django.db import models, transaction
    from django.db.models import Q

    from agencies.models import Agency, User
    from reporting.models import Notification, Reminder, Report, ReportEvent, ReportSection, ReportVersion, Synthesis
    from tasks.models import Assignment

    with transaction.atomic():
        reports = Report.objects.filter(
            Q(agency__code__startswith=BENCH_PREFIX) | Q(updated_by__email__endswith=BENCH_DOMAIN)
        )
        ids = list(reports.values_list("pk", flat=True))
        deleted = {"reports": len(ids)}
        # The big tables go with plain DELETEs; whatever else hangs off a report or a section (attachments, figures,
        # outbox rows, tables added later) through the ORM's collector, so that no foreign key is left dangling.
        bulky = {ReportEvent, ReportVersion, ReportSection}
        for part in chunks(ids, 5000):
            for rel in ReportSection._meta.related_objects:
                rel.related_model._base_manager.filter(**{f"{rel.field.name}__report_id__in": part}).delete()
            for rel in Report._meta.related_objects:
                related = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": part})
                if rel.related_model in bulky:
                    related._raw_delete("default")
                elif rel.on_delete is not models.DO_NOTHING:
                    related.delete()
            Report.objects.filter(pk__in=part)._raw_delete("default")
        deleted["reminders"] = Reminder.objects.filter(recipient__endswith=BENCH_DOMAIN).delete()[0]
        stale = [s.pk for s in Synthesis.objects.filter(finalised_at__isnull=True).only("pk", "built_from")
                 if any(code.startswith(BENCH_PREFIX) for code in (s.built_from or {}))]
        deleted["syntheses"] = Synthesis.objects.filter(pk__in=stale).delete()[0]
        users = User.objects.filter(email__endswith=BENCH_DOMAIN)
        Notification.objects.filter(user__in=users)._raw_delete("default")
        deleted["users"] = users.count()
        users.delete()  # the collector clears whatever else points at them
        deleted["assignments"] = Assignment.objects.filter(agency__code__startswith=BENCH_PREFIX)._raw_delete("default")
        deleted["agencies"] = Agency.objects.filter(code__startswith=BENCH_PREFIX).delete()[0]
    return deleted


# --- Generation --------------------------------------------------------------------------------------

def _ensure_plan():
    from tasks.models import Plan
    from tasks.services import plan_load, read_plan_file

    data = read_plan_file()
    plan = Plan.objects.filter(number=data["plan"]["number"]).first()
    if plan is None:
        plan_load(data=data)
        plan = Plan.objects.get(number=data["plan"]["number"])
    return plan


def _ensure_agencies(n: int, rng: random.Random, plan, co_tasks: tuple[int, int] = (1, 3)) -> list[int]:
    """Add BENCH- agencies until there are `n` active departments and districts; give new ones their assignments."""
    from agencies.models import ORDERED_KINDS, Agency, AgencyKind
    from tasks.models import Assignment, AssignmentRole, AssignmentSource, Task

    ordered = Agency.objects.filter(active=True, kind__in=ORDERED_KINDS).count()
    bench = list(Agency.objects.filter(code__startswith=BENCH_PREFIX).values_list("code", flat=True))
    last = max((int(c[len(BENCH_PREFIX):]) for c in bench if c[len(BENCH_PREFIX):].isdigit()), default=0)
    new = []
    for number in range(last + 1, last + 1 + max(0, n - ordered)):
        agency = Agency(
            code=bench_code(number),
            name=nfc(f"Đơn vị thử nghiệm {number:05d}"),
            name_en=f"Bench unit {number:05d}",
            kind=AgencyKind.DEPARTMENT if number % 4 == 0 else AgencyKind.DISTRICT,
            contact_emails=f"bench{number:05d}{BENCH_DOMAIN}",
            head_email=f"head{number:05d}{BENCH_DOMAIN}",
        )
        agency.set_derived_fields()  # bulk_create skips save()
        new.append(agency)
    Agency.objects.bulk_create(new, batch_size=BATCH)

    # Assignments for every bench agency that has none yet (new ones, or after an interrupted run).
    group_tasks = list(Task.objects.filter(plan=plan, assigned_to_all=True).order_by("sort_key"))
    named_tasks = list(Task.objects.filter(plan=plan, assigned_to_all=False).order_by("sort_key"))
    bare = list(Agency.objects.filter(code__startswith=BENCH_PREFIX, active=True, kind__in=ORDERED_KINDS)
                .exclude(assignments__isnull=False).order_by("code").values_list("pk", flat=True))
    rows = []
    for agency_id in bare:
        for task in group_tasks:
            rows.append(Assignment(task=task, agency_id=agency_id, role=AssignmentRole.LEAD,
                                   source=AssignmentSource.ALL_AGENCIES, basis=f"II.{task.code}"))
        for task in rng.sample(named_tasks, min(len(named_tasks), rng.randint(*co_tasks))):
            rows.append(Assignment(task=task, agency_id=agency_id, role=AssignmentRole.CO_OPERATING,
                                   source=AssignmentSource.ADMIN, basis=f"II.{task.code}"))
        if len(rows) >= BATCH * 5:
            Assignment.objects.bulk_create(rows, batch_size=BATCH)
            rows = []
    Assignment.objects.bulk_create(rows, batch_size=BATCH)
    return bare


def _ensure_users(rng: random.Random) -> None:
    """Two agency staff per bench agency (for those that have none), and three DFA officers."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from agencies.models import Agency, Role, User

    password = make_password(BENCH_PASSWORD)  # hashed once, shared by every bench user
    staff_group = Group.objects.get_or_create(name=Role.AGENCY_STAFF)[0]
    dfa_group = Group.objects.get_or_create(name=Role.DFA_OFFICER)[0]
    Through = User.groups.through

    def person(rng):
        return {"last_name": nfc(f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)}"), "first_name": nfc(rng.choice(GIVEN))}

    bare = list(Agency.objects.filter(code__startswith=BENCH_PREFIX).exclude(users__isnull=False)
                .order_by("code").values_list("pk", "code"))
    for part in chunks(bare, 1000):
        users = []
        for agency_id, code in part:
            number = code[len(BENCH_PREFIX):]
            for k in (1, 2):
                users.append(User(
                    username=f"bench{number}_{k}", email=f"staff{number}.{k}{BENCH_DOMAIN}", password=password,
                    agency_id=agency_id, language="en" if rng.random() < 0.1 else "vi", **person(rng),
                ))
        User.objects.bulk_create(users, batch_size=BATCH)
        Through.objects.bulk_create([Through(user_id=u.pk, group_id=staff_group.pk) for u in users], batch_size=BATCH)

    dfa_agency = Agency.objects.filter(code="SNGV").first()
    for k in (1, 2, 3):
        user, created = User.objects.get_or_create(
            username=f"bench_dfa{k}",
            defaults={"email": f"dfa{k}{BENCH_DOMAIN}", "password": password, "agency": dfa_agency, **person(rng)},
        )
        if created:
            Through.objects.bulk_create([Through(user_id=user.pk, group_id=dfa_group.pk)], ignore_conflicts=True)


def _reporting_agencies(plan) -> dict[int, list[tuple]]:
    """agency id → [(task id, role, requested)] of the tasks it reports on (leaf rule), in task order."""
    from tasks.models import Assignment

    rows = (Assignment.objects.filter(task__plan=plan, agency__active=True)
            .order_by("agency_id", "task__sort_key")
            .values_list("agency_id", "task_id", "task__parent_id", "role", "requested"))
    by_agency: dict[int, list[tuple]] = {}
    for agency_id, task_id, parent_id, role, requested in rows:
        by_agency.setdefault(agency_id, []).append((task_id, parent_id, role, requested))
    result = {}
    for agency_id, items in by_agency.items():
        with_children = {parent for _, parent, _, _ in items if parent}
        result[agency_id] = [(t, role, req) for t, _, role, req in items if t not in with_children]
    return result


def _submission_stamps(state, versions, opens, due, rng, tz) -> list:
    """When a report's `versions` versions were submitted: after the deadline when late, else within the period."""
    if state == "late":
        first = _at(due + datetime.timedelta(days=rng.randint(1, 20)), rng, tz)
        stamps = [first]
        if versions == 2:
            stamps.append(first + datetime.timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 5)))
    else:
        last_day = due - datetime.timedelta(days=4 if versions == 2 else 0)
        stamps = [_at(_day_between(rng, opens, last_day), rng, tz)]
        if versions == 2:
            stamps.append(_at(_day_between(rng, stamps[0].date() + datetime.timedelta(days=1), due), rng, tz))
    return stamps


def _submit_and_review(report, period, state, submitter, reviewer, rng, tz) -> tuple[int, list]:
    """Fill in a non-draft report's submissions and review; returns (versions, events)."""
    opens, due = period.opens_on, period.agency_due
    events = []  # (kind, at, version, comment, actor)
    versions = 2 if state != "returned" and rng.random() < 0.2 else 1
    stamps = _submission_stamps(state, versions, opens, due, rng, tz)
    for number, at in enumerate(stamps, 1):
        if number > 1:  # returned half-way between the two submissions
            events.append(("returned", stamps[number - 2] + (at - stamps[number - 2]) / 2, number - 1,
                           nfc(rng.choice(RETURN_COMMENTS)), reviewer))
        events.append(("submitted", at, number, "", submitter))
    last = stamps[-1]
    report.version = versions
    report.submitted_at = last
    report.first_submitted_at = stamps[0]
    report.submitted_by_id = submitter
    report.summary = nfc(rng.choice(SUMMARIES).format(y=period.year))
    report.status = "submitted"
    if state == "accepted":
        reviewed = last + datetime.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
        report.status, report.reviewed_at, report.reviewed_by_id = "accepted", reviewed, reviewer
        events.append(("accepted", reviewed, versions, "", reviewer))
    elif state == "returned":
        reviewed = last + datetime.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6))
        comment = nfc(rng.choice(RETURN_COMMENTS))
        report.status, report.reviewed_at, report.reviewed_by_id = "returned", reviewed, reviewer
        report.review_comment = comment
        events.append(("returned", reviewed, versions, comment, reviewer))
    report.lock_version = len(events) + rng.randint(1, 6)
    return versions, events


def _plan_report(period, agency_id, assignments, staff_of, dfa_ids, marker_id, mix, rng, tz):
    """One agency's report of the period (not saved yet) and its plan: (report, (state, versions, events))."""
    from reporting.models import Report

    expected = any(not req for _, _, req in assignments)
    state = _mix(rng, mix)
    staff = staff_of.get(agency_id) or []
    submitter = rng.choice(staff) if staff else None
    reviewer = rng.choice(dfa_ids) if dfa_ids else None
    report = Report(period_id=period.pk, agency_id=agency_id, expected=expected,
                    updated_by_id=submitter or marker_id)
    versions = 0
    events = []  # (kind, at, version, comment, actor)
    if state != "draft":
        versions, events = _submit_and_review(report, period, state, submitter, reviewer, rng, tz)
    else:
        report.lock_version = rng.randint(0, 4)
    return report, (state, versions, events)


NEXT_YEAR = [
    "Tiếp tục tổ chức các đoàn xúc tiến đầu tư, thương mại tại các thị trường trọng điểm.",
    "Tăng cường phối hợp với Sở Ngoại vụ trong công tác thông tin đối ngoại và vận động nguồn lực.",
    "Tổ chức hội nghị quán triệt, bồi dưỡng kiến thức ngoại giao kinh tế cho cán bộ, công chức.",
]
INDICATORS: dict[int, list] = {}  # task id → the plan's indicators of that task, filled by generate()


def _indicator_values(plan_tasks, task_id: int, role: str, rng) -> list[dict]:
    """Values of the catalogue indicators asked of a section, as a submitted version stores them."""
    values = []
    for code, name, unit, kind, lead_only in INDICATORS.get(task_id, []):
        if lead_only and role != "lead":
            continue
        value = rng.randint(0, 40) if kind == "count" else round(rng.uniform(0, 100), 1)
        values.append({"code": code, "name": name, "unit": unit, "value": str(value)})
    return values


def _report_rows(report, state, versions, events, assignments, plan_tasks, rng) -> tuple[list, list, list]:
    """A saved report's sections, versions and events (unsaved): (sections, versions_rows, event_rows)."""
    from reporting.models import ReportEvent, ReportSection, ReportVersion

    sections, versions_rows, event_rows = [], [], []
    typed = state != "draft" or rng.random() < 0.5  # half of the drafts have been started
    content_sections = {}
    for task_id, role, requested in assignments:
        code, title = plan_tasks[task_id]
        if typed and (state != "draft" or rng.random() < 0.6):
            values = {
                "progress": rng.choice(PROGRESS_DONE),
                "results": results_text(rng, rng.randint(1, 3) if role == "co" else rng.randint(2, 4)),
                "difficulties": nfc(rng.choice(DIFFICULTIES)),
                "proposals": nfc(rng.choice(PROPOSALS)),
            }
        else:
            values = {"progress": "", "results": "", "difficulties": "", "proposals": ""}
        sections.append(ReportSection(report_id=report.pk, task_id=task_id, role=role, requested=requested,
                                      review_comment=report.review_comment
                                      and rng.choice(["", report.review_comment]),
                                      **values))
        content_sections[code] = {"title": title, **values, "figures": [],
                                  "indicators": _indicator_values(plan_tasks, task_id, role, rng)
                                  if values["results"] else []}
    for number in range(1, versions + 1):
        if number < versions:  # the earlier version said less
            content = {"summary": report.summary, "attachments": [], "sections": {
                code: {**s, "results": s["results"].split(". ")[0]} for code, s in content_sections.items()
            }}
        else:
            content = {"summary": report.summary, "sections": content_sections, "attachments": [],
                       "next_year": nfc(rng.choice(NEXT_YEAR))}
        at = [e[1] for e in events if e[0] == "submitted"][number - 1]
        versions_rows.append(ReportVersion(report_id=report.pk, number=number, submitted_at=at,
                                           submitted_by_id=report.submitted_by_id, content=content))
    for kind, at, version, comment, actor in events:
        event_rows.append(ReportEvent(report_id=report.pk, kind=kind, actor_id=actor, at=at, version=version,
                                      comment=comment))
    return sections, versions_rows, event_rows


def _generate_period(period, plan_tasks, reporting, staff_of, dfa_ids, marker_id, rng, tz) -> tuple[int, int]:
    """Bulk-create the missing reports of one period, a chunk of agencies at a time. Returns (reports, sections)."""
    from django.db import transaction

    from reporting.models import Report, ReportEvent, ReportSection, ReportVersion

    mix = MIX_CURRENT if period.year == CURRENT_YEAR else MIX_PAST
    have = set(Report.objects.filter(period=period).values_list("agency_id", flat=True))
    todo = sorted(a for a in reporting if a not in have)
    made_reports = made_sections = 0

    for part in chunks(todo, CHUNK):
        reports, plans = [], []
        for agency_id in part:
            report, plan = _plan_report(period, agency_id, reporting[agency_id], staff_of, dfa_ids, marker_id, mix,
                                        rng, tz)
            reports.append(report)
            plans.append(plan)

        with transaction.atomic():
            Report.objects.bulk_create(reports, batch_size=BATCH)
            sections, versions_rows, event_rows = [], [], []
            # one plan per report, appended together above
            for report, (state, versions, events) in zip(reports, plans, strict=True):
                rows = _report_rows(report, state, versions, events, reporting[report.agency_id], plan_tasks, rng)
                sections += rows[0]
                versions_rows += rows[1]
                event_rows += rows[2]
            ReportSection.objects.bulk_create(sections, batch_size=BATCH)
            ReportVersion.objects.bulk_create(versions_rows, batch_size=BATCH // 2)
            ReportEvent.objects.bulk_create(event_rows, batch_size=BATCH)
        made_reports += len(reports)
        made_sections += len(sections)
    return made_reports, made_sections


def generate(agencies: int, years: int, seed: int = 1, co_tasks: tuple[int, int] = (1, 3)) -> dict:
    """Make the database hold `agencies` ordered agencies and `years` years of their reports (see module doc).

    `co_tasks` is the range of named tasks each new bench agency co-operates on (only used for agencies created now).
    """
    setup_django()
    import zoneinfo

    from django.conf import settings
    from django.db import transaction

    from agencies.models import ORDERED_KINDS, Agency, User
    from reporting.cycle.services import periods_ensure
    from reporting.models import Report, ReportSection
    from tasks.models import Task

    started = time.monotonic()
    rng = random.Random(seed)
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)

    plan = _ensure_plan()
    with transaction.atomic():
        _ensure_agencies(agencies, rng, plan, co_tasks)
        _ensure_users(rng)

    periods = {p.year: p for p in periods_ensure(plan=plan)}
    years_list = chosen_years(plan, years)
    reporting = _reporting_agencies(plan)
    plan_tasks = {t.pk: (t.code, t.title) for t in Task.objects.filter(plan=plan)}
    INDICATORS.clear()
    for indicator in plan.indicators.prefetch_related("tasks"):
        for task in indicator.tasks.all():
            INDICATORS.setdefault(task.pk, []).append(
                (indicator.code, indicator.name, indicator.unit, indicator.kind, indicator.lead_only))
    staff_of: dict[int, list[int]] = {}
    for user_id, agency_id in (User.objects.filter(email__endswith=BENCH_DOMAIN, agency_id__in=list(reporting),
                                                   groups__name="agency_staff").values_list("pk", "agency_id")):
        staff_of.setdefault(agency_id, []).append(user_id)
    dfa_ids = list(User.objects.filter(username__startswith="bench_dfa").order_by("pk").values_list("pk", flat=True))
    marker_id = dfa_ids[0] if dfa_ids else None  # updated_by of reports of real agencies: lets --reset find them

    made = {"reports": 0, "sections": 0}
    for year in years_list:
        r, s = _generate_period(periods[year], plan_tasks, reporting, staff_of, dfa_ids, marker_id, rng, tz)
        made["reports"] += r
        made["sections"] += s
        print(f"  {year}: {r} reports, {s} sections created", file=sys.stderr, flush=True)

    chosen = [periods[y].pk for y in years_list]
    return {
        "agencies": Agency.objects.filter(active=True, kind__in=ORDERED_KINDS).count(),
        "years": len(years_list),
        "reports": Report.objects.filter(period_id__in=chosen).count(),
        "sections": ReportSection.objects.filter(report__period_id__in=chosen).count(),
        "created_reports": made["reports"],
        "created_sections": made["sections"],
        "year_range": [years_list[0], years_list[-1]] if years_list else [],
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agencies", type=int, default=2000,
                        help="active departments and districts wanted (default 2000)")
    parser.add_argument("--years", type=int, default=8, help="reporting years to fill (default 8: 2023–2030)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--co-tasks", default="1-3", metavar="MIN-MAX",
                        help="named tasks each new bench agency co-operates on (default 1-3; more = more sections)")
    parser.add_argument("--reset", action="store_true", help="delete the bench data first")
    parser.add_argument("--allow-sqlite", action="store_true",
                        help="write into a SQLite database too "
                             "(by default only PostgreSQL: the dev db.sqlite3 is left alone)")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        raise SystemExit(f"DATABASE_URL points at {connection.vendor} ({connection.settings_dict['NAME']}); "
                         "the bench data belongs in a scratch PostgreSQL database (see bench/README.md), "
                         "or pass --allow-sqlite.")
    if args.reset:
        started = time.monotonic()
        deleted = reset()
        print(f"reset: {json.dumps(deleted)} in {time.monotonic() - started:.1f}s", file=sys.stderr, flush=True)
    low, _, high = args.co_tasks.partition("-")
    result = generate(args.agencies, args.years, seed=args.seed, co_tasks=(int(low), int(high or low)))
    print(json.dumps({k: result[k] for k in ("agencies", "years", "reports", "sections", "seconds")}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
