"""Demo data for `make run`: four years of reports in every state, and difficulties in every state, so that the
dashboards and the leadership's page have something to show.

Deterministic (seeded by agency and year). Goes through the same services as real use, then moves the
timestamps back to plausible dates, so that timelines, versions and lateness are consistent.

The province changes on the way, as it did (issue 15): 2023–2024 are reported by the provincial departments and the
27 district-level People's Committees; the reorganisation files in fixtures/demo/ are applied through the
reorganisation feature itself before the 2025 period opens — a merge of two departments (01/03/2025) and the
two-level local government (01/07/2025: the districts end; a *sample* of communes and wards, not the province's 166,
takes their place; the full list is imported as a reorganisation file when an admin has it).
"""
import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, User
from reporting.cycle import services
from reporting.cycle.reorganisation import reorganisation_file_apply
from reporting.dashboards.metrics import counted_reports
from reporting.difficulties import services as difficulty_services
from reporting.models import (
    Difficulty,
    DifficultyKind,
    DifficultyResponse,
    DifficultyStatus,
    Progress,
    Report,
    ReportEvent,
    ReportSection,
    ReportStatus,
    ReportVersion,
    Synthesis,
)
from reporting.synthesis.build import synthesis_build, synthesis_finalise
from tasks.models import DraftHandling, Task
from tasks.reorganisation import reorganisation_read
from tasks.selectors import indicators_by_task, plan_current

# The demo's reorganisations, applied in the order of their names (their effective dates) when their time comes.
DEMO_REORGANISATIONS = settings.BASE_DIR / "fixtures" / "demo"

RESULTS = [
    "Đã tổ chức {n} hội nghị, hội thảo quán triệt, tuyên truyền với sự tham gia của {m} lượt cán bộ, doanh nghiệp.",
    "Phối hợp đón tiếp {n} đoàn khách quốc tế đến làm việc, tìm hiểu cơ hội đầu tư; "
    "ký kết {k} biên bản ghi nhớ hợp tác.",
    "Đăng tải {m} tin, bài về công tác ngoại giao kinh tế trên trang thông tin điện tử của đơn vị.",
    "Tổ chức {n} chương trình xúc tiến đầu tư, thương mại; hỗ trợ {m} doanh nghiệp tham gia hội chợ quốc tế.",
    "Cử {n} lượt cán bộ tham gia lớp bồi dưỡng kiến thức về hội nhập kinh tế quốc tế.",
]
DIFFICULTIES = ["Kinh phí cho hoạt động xúc tiến còn hạn chế.", "Thiếu cán bộ có trình độ ngoại ngữ.", ""]
PROGRESS = [Progress.IN_PROGRESS, Progress.ONGOING, Progress.COMPLETED, Progress.IN_PROGRESS, Progress.NOT_STARTED]


def _local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 15)))


NEXT_YEAR = [
    "Tiếp tục tổ chức các hoạt động xúc tiến đầu tư, thương mại tại các thị trường trọng điểm; tăng cường phối hợp "
    "với Sở Ngoại vụ trong công tác đối ngoại.",
    "Đẩy mạnh thông tin đối ngoại, quảng bá hình ảnh địa phương; bồi dưỡng kiến thức ngoại giao kinh tế cho cán bộ.",
    "Rà soát các thỏa thuận hợp tác đã ký, đề xuất nội dung hợp tác cụ thể với các đối tác nước ngoài.",
]


def _indicator_value(indicator, rng: random.Random) -> Decimal:
    """A plausible value of a catalogue indicator for the demo: counts whole, amounts with one decimal."""
    if indicator.kind == "percentage":
        return Decimal(rng.randint(60, 100))
    if indicator.kind == "amount":
        return Decimal(rng.randint(5, 4000)) / 10
    return Decimal(rng.randint(1, 30) * (50 if indicator.unit.startswith("lượt") else 1))


def _fill(report: Report, rng: random.Random, user) -> None:
    sections, indicators = {}, {}
    by_task = indicators_by_task(plan=report.period.plan)
    for section in report.sections.all():
        sections[section.pk] = {
            "progress": rng.choice(PROGRESS),
            "results": rng.choice(RESULTS).format(n=rng.randint(1, 6), m=rng.randint(20, 400), k=rng.randint(1, 3)),
            "difficulties": rng.choice(DIFFICULTIES),
            "proposals": "",
        }
        indicators[section.pk] = {i.pk: _indicator_value(i, rng) for i in services.section_indicators(section, by_task)}
    services.report_save_draft(report=report, user=user, lock_version=report.lock_version,
                               summary=f"Năm {report.period.year}, đơn vị đã triển khai nghiêm túc "
                                       "Kế hoạch số 119/KH-UBND.",
                               sections=sections, indicators=indicators, next_year=rng.choice(NEXT_YEAR))


def _backdate(report: Report, when: datetime.datetime) -> None:
    Report.objects.filter(pk=report.pk).update(submitted_at=when, first_submitted_at=when)
    ReportVersion.objects.filter(report=report).update(submitted_at=when)
    ReportEvent.objects.filter(report=report).update(at=when)


# (agency code, task code, kind, title, text, [(days after raising, status, the DFA's answer)], days before today)
DEMO_DIFFICULTIES = [
    ("SCT", "4.3", DifficultyKind.DIFFICULTY, "Thiếu kinh phí tổ chức đoàn doanh nghiệp dự hội chợ tại Nhật Bản",
     "Dự toán năm chưa bố trí kinh phí cho đoàn xúc tiến thương mại tháng 3; "
     "đề nghị Sở Ngoại vụ báo cáo UBND tỉnh xem xét.",
     [(3, DifficultyStatus.ESCALATED,
       "Sở Ngoại vụ đã tổng hợp, trình UBND tỉnh tại Tờ trình về kinh phí xúc tiến năm nay.")], 40),
    ("TTXT", "3.5", DifficultyKind.PROPOSAL, "Đề xuất cơ chế phối hợp đón tiếp nhà đầu tư Hàn Quốc",
     "Đề nghị thành lập tổ công tác liên ngành để đón tiếp, làm việc với các đoàn nhà đầu tư lớn.",
     [(2, DifficultyStatus.ESCALATED, "Đã báo cáo UBND tỉnh; chờ ý kiến chỉ đạo.")], 25),
    ("SVHTTDL", "3.6", DifficultyKind.DIFFICULTY, "Chưa có tài liệu quảng bá du lịch bằng tiếng Hàn",
     "Đơn vị chưa có kinh nghiệm biên dịch, đề nghị hướng dẫn đầu mối hỗ trợ.",
     [(4, DifficultyStatus.GUIDED,
       "Đề nghị liên hệ Phòng Hợp tác quốc tế, Sở Ngoại vụ để được giới thiệu đơn vị dịch thuật.")], 60),
    ("P-NGHISON", "2.2", DifficultyKind.DIFFICULTY, "Cán bộ phụ trách đối ngoại kiêm nhiệm nhiều việc",
     "Phường mới thành lập chưa bố trí được cán bộ chuyên trách công tác đối ngoại.",
     [(5, DifficultyStatus.GUIDED, "Sở Ngoại vụ sẽ mời cán bộ của phường tham gia lớp bồi dưỡng nghiệp vụ tháng tới."),
      (30, DifficultyStatus.RESOLVED, "Cán bộ của phường đã hoàn thành lớp bồi dưỡng.")], 90),
    ("STC", "3.3", DifficultyKind.PROPOSAL, "Đề xuất cập nhật danh mục dự án kêu gọi đầu tư",
     "Đề nghị Sở Ngoại vụ phối hợp dịch danh mục dự án sang tiếng Anh để gửi các cơ quan đại diện.", [], 6),
]


def _demo_difficulties(*, today: datetime.date, dfa: User) -> None:
    """Difficulties and proposals in every state: waiting, guided, escalated to the People's Committee, resolved."""
    plan = plan_current()
    if plan is None:
        return
    for code, task_code, kind, title, text, answers, days_ago in DEMO_DIFFICULTIES:
        user = User.objects.filter(agency__code=code).first()
        if user is None or user.agency is None or Difficulty.objects.filter(title=title).exists():
            continue
        raised = _local(today - datetime.timedelta(days=days_ago), 9)
        try:
            difficulty = difficulty_services.difficulty_raise(agency=user.agency, task=plan.tasks.get(code=task_code),
                                                              kind=kind, title=title, text=text, user=user)
        except (services.ReportingError, Task.DoesNotExist):
            continue  # the admin changed the assignments: skip this example
        Difficulty.objects.filter(pk=difficulty.pk).update(raised_at=raised)
        for after, status, answer in answers:
            response = difficulty_services.difficulty_respond(difficulty=difficulty, user=dfa, text=answer,
                                                              status=status)
            at = min(raised + datetime.timedelta(days=after), timezone.now())
            DifficultyResponse.objects.filter(pk=response.pk).update(at=at)
            Difficulty.objects.filter(pk=difficulty.pk).update(updated_at=at)


# The README's examples ("Demo logins"): whatever the date, each finds the report of the period its home page shows in
# this state. The DFA's example is the report waiting for review.
DEMO_EXAMPLES = {"SCT": "draft", "STTTT": "returned", "STC": "submitted"}


def _demo_current_period(plan, today: datetime.date):
    """The period the home pages show (services.period_current), opened today when its opening date is still ahead:
    a demo run in March still has a report to fill in."""
    services.periods_ensure(plan=plan)
    period = services.period_current(plan=plan, today=today)
    if period is not None and not period.has_opened(today):
        period = services.period_dates_override(period=period, opens_on=today,
                                                agency_due=period.agency_due_override,
                                                synthesis_due=period.synthesis_due_override)
    return period


def _demo_reorganisations(*, up_to: datetime.date, by: User | None) -> None:
    """Apply the demo's reorganisation files in force by `up_to`, through the feature itself (reading, checking,
    recording, applying; an admin finds them under Reorganisations). A file already applied changes nothing."""
    for path in sorted(DEMO_REORGANISATIONS.glob("*.csv")):
        parsed = reorganisation_read(data=path.read_bytes())
        if parsed.has_errors or parsed.effective_on is None:
            raise ValueError(f"{path.name}: the demo's reorganisation has errors")  # tests keep the files valid
        if parsed.effective_on <= up_to:
            reorganisation_file_apply(parsed=parsed, drafts=DraftHandling.MOVE, by=by)


@transaction.atomic
def demo_reports_create(*, today: datetime.date, dfa: User) -> int:
    """Reports for every year up to `today`'s, year after year, with the demo's reorganisations applied when their
    time comes; past years closed with a finalised synthesis, and the README's examples in their states (again on
    every run). Returns reports accepted."""
    plan = plan_current()
    if plan is None:
        return 0
    current = _demo_current_period(plan, today)
    if ReportVersion.objects.exists():
        _demo_examples(current, today=today, dfa=dfa)
        return 0
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    touched, synthesised = 0, []
    for period in sorted(services.periods_ensure(plan=plan), key=lambda p: p.year):
        if period.opens_on > today:
            continue
        # the province as it is when the period opens: the bodies in existence then are asked for its reports
        _demo_reorganisations(up_to=period.opens_on, by=admin)
        services.reports_open_due(today=period.opens_on)
        is_current = current is not None and period.pk == current.pk
        # the reports that count: a body a reorganisation ended before the deadline owes none (open_periods may have
        # opened its report before the demo's reorganisations were applied; it stays, closed with a note)
        for report in counted_reports(period).select_related("agency").order_by("agency__code"):
            if is_current and report.agency.code in DEMO_EXAMPLES:
                continue
            touched += _demo_report(report, period=period, today=today, dfa=dfa, current=is_current)
        if not is_current and period.synthesis_due < today:
            synthesised.append(period)
    _demo_reorganisations(up_to=today, by=admin)
    # built once every year has its reports: building one opens the reports of every period open today
    for period in synthesised:
        _demo_synthesis(period, today=today, dfa=dfa)
    _demo_difficulties(today=today, dfa=dfa)
    _demo_examples(current, today=today, dfa=dfa)
    return touched


def _demo_examples(period, *, today: datetime.date, dfa: User) -> None:
    """Put each example agency's report of `period` in its state (DEMO_EXAMPLES), unless someone already worked on
    it: a draft with blanks left to fill in, a report the DFA returned, a report waiting for the DFA."""
    if period is None:
        return
    for agency in Agency.objects.filter(code__in=DEMO_EXAMPLES, active=True).order_by("code"):
        report = services.report_open(period=period, agency=agency)
        if report.version or report.updated_by_id or report.status != ReportStatus.DRAFT:
            continue  # someone worked on it: theirs
        rng = random.Random(f"{agency.code}-{period.year}")  # noqa: S311  # demo data, repeatable by design
        user = agency.users.first() or dfa
        _fill(report, rng, user)
        state = DEMO_EXAMPLES[agency.code]
        if state == "draft":
            # left for the example user to finish: one task without its progress, the confirmation names it
            first = report.sections.order_by("task__sort_key").first()
            if first is not None:
                ReportSection.objects.filter(pk=first.pk).update(progress="")
            continue
        report.refresh_from_db()
        services.report_submit(report=report, user=user)
        _backdate(report, _local(min(period.agency_due, today), 10))
        if state == "returned":
            services.report_return(report=report, user=dfa,
                                   comment="Đề nghị bổ sung số liệu cụ thể về các hội nghị xúc tiến đã tổ chức.")


def _demo_report(report: Report, *, period, today: datetime.date, dfa: User, current: bool) -> bool:
    """Take one report somewhere a real one goes, drawn from its agency and year: not started, started, sent on time or
    late, waiting, returned or accepted. True when it was accepted."""
    rng = random.Random(f"{report.agency.code}-{period.year}")  # noqa: S311  # demo data, repeatable by design
    roll = rng.random()
    user = report.agency.users.first() or dfa
    if roll < (0.18 if current else 0.08) or (not report.expected and roll < 0.6):
        if roll < 0.05:
            _fill(report, rng, user)  # started, never submitted
        return False
    _fill(report, rng, user)
    report.refresh_from_db()
    services.report_submit(report=report, user=user)
    if roll > 0.88:  # late
        day = period.agency_due + datetime.timedelta(days=rng.randint(1, 12))
    else:
        day = period.agency_due - datetime.timedelta(days=rng.randint(0, 20))
    _backdate(report, _local(min(day, today), rng.randint(8, 16)))
    report.refresh_from_db()
    if current and roll > 0.75:
        return False  # waiting for review
    if 0.70 < roll <= 0.75:
        services.report_return(report=report, user=dfa, comment="Đề nghị bổ sung số liệu cụ thể về kết quả đạt được.")
        return False
    services.report_accept(report=report, user=dfa)
    return True


def _demo_synthesis(period, *, today: datetime.date, dfa: User) -> None:
    synthesis = synthesis_build(period=period, today=today)
    synthesis.introduction = (f"Thực hiện Kế hoạch số 119/KH-UBND, năm {period.year} "
                              "Sở Ngoại vụ tổng hợp kết quả như sau.")
    synthesis.save()
    if period.year < today.year - 2:
        # the oldest years are finalised and closed; the two latest stay open (late corrections, reminders to try)
        synthesis_finalise(synthesis=synthesis, user=dfa)
        # finalised the day before it was due, as the DFA would have
        finalised = _local(period.synthesis_due - datetime.timedelta(days=1), 16)
        Synthesis.objects.filter(pk=synthesis.pk).update(finalised_at=finalised)
