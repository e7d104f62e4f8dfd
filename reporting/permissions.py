"""One question per check (pretix style): who may see or change a report, an attachment, a difficulty, a synthesis.

Views ask these and nothing else: a decorator for "may this user open this page at all", a `<thing>_for(user, …)`
helper that fetches an object *for this user* (404 to outsiders, 403 to those who may see but not do), and
`may_<verb>` predicates for the buttons a template shows. What the object itself allows (a report that can be
reopened, a submitted report waiting for review) is the model's rule, asked here, never repeated.
"""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from reporting.models import (
    Attachment,
    DeadlineExtension,
    Difficulty,
    FeedEntry,
    FeedKind,
    Report,
    ReportingPeriod,
    Synthesis,
)


def may_read_plan(user) -> bool:
    """The plan, its periods and agencies: everyone who reads every agency's data, and agency staff."""
    return user.can_read_everything or user.is_agency_staff


def may_read_figures(user) -> bool:
    """The dashboards' figures of every agency: the DFA, leadership and admins."""
    return user.can_read_everything


def may_review_reports(user) -> bool:
    """Who reviews reports at all (accepts or returns them): the DFA and admins."""
    return user.is_dfa_officer


def reports_visible_to(user):
    """Reports a user may read: all of them for the DFA, leadership and admins; their agency's for staff."""
    if user.can_read_everything:
        return Report.objects.all()
    if user.is_agency_staff:
        return Report.objects.filter(agency_id=user.agency_id)
    return Report.objects.none()


def report_for(user, pk: int) -> Report:
    """The report if this user may read it, else 404 (outsiders are not told it exists)."""
    return get_object_or_404(reports_visible_to(user).select_related("period__plan", "agency"), pk=pk)


def may_edit(user, report: Report) -> bool:
    return user.is_agency_staff and user.agency_id == report.agency_id


def may_review(user, report: Report) -> bool:
    """The DFA accepts or returns a report that waits for review."""
    return may_review_reports(user) and report.may_be_reviewed()


def may_reopen(user, report: Report) -> bool:
    """The DFA reopens a report its agency can no longer change (Report.may_be_reopened)."""
    return user.is_dfa_officer and report.may_be_reopened()


def report_to_edit(user, pk: int) -> Report:
    report = report_for(user, pk)
    if not may_edit(user, report):
        raise PermissionDenied
    return report


def may_request_extension(user, report: Report) -> bool:
    """The staff who may edit a report ask for its deadline to be extended, while it is still owed
    (Report.may_ask_extension)."""
    return may_edit(user, report) and report.may_ask_extension()


def may_decide_extension(user) -> bool:
    """The DFA grants or refuses extensions."""
    return user.is_dfa_officer


def extension_to_decide(user, pk: int) -> DeadlineExtension:
    """An extension request if this user may decide it: 404 to those who may not see its report, 403 to readers."""
    extension = get_object_or_404(DeadlineExtension.objects.select_related("report"), pk=pk)
    if not reports_visible_to(user).filter(pk=extension.report_id).exists():
        raise Http404
    if not may_decide_extension(user):
        raise PermissionDenied
    return extension


def attachment_for(user, pk: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("report"), pk=pk)
    if not reports_visible_to(user).filter(pk=attachment.report_id).exists():
        raise Http404
    return attachment


def difficulties_visible_to(user):
    if user.can_read_everything:
        return Difficulty.objects.all()
    if user.is_agency_staff:
        return Difficulty.objects.filter(agency_id=user.agency_id)
    return Difficulty.objects.none()


def difficulty_for(user, pk: int) -> Difficulty:
    return get_object_or_404(difficulties_visible_to(user).select_related("agency", "task"), pk=pk)


def may_respond(user) -> bool:
    """The DFA answers difficulties and sets their status (received, guided, escalated, resolved)."""
    return user.is_dfa_officer


def difficulty_to_respond(user, pk: int) -> Difficulty:
    """The difficulty if this user may answer it: 404 to those who may not see it, 403 to those who may only read it."""
    difficulty = difficulty_for(user, pk)
    if not may_respond(user):
        raise PermissionDenied
    return difficulty


def feed_visible_to(user):
    """The changes feed a user may follow: everything for the DFA and admins; for leadership everything but the
    synthesis until it is final (as its page); for staff their own agency's reports and difficulties."""
    if user.is_dfa_officer:
        return FeedEntry.objects.all()
    if user.can_read_everything:
        return FeedEntry.objects.exclude(Q(kind=FeedKind.SYNTHESIS) & ~Q(action="finalised"))
    if user.is_agency_staff:
        return FeedEntry.objects.filter(agency_id=user.agency_id).exclude(kind=FeedKind.SYNTHESIS)
    return FeedEntry.objects.none()


def may_read_synthesis(user, synthesis: Synthesis | None) -> bool:
    """The DFA always (it drafts it); leadership every synthesis once built — a draft marked as such — to read and
    download, never to build, edit or finalise (synthesis_to_edit, dfa_required)."""
    return user.is_dfa_officer or (user.can_read_everything and synthesis is not None
                                   and synthesis.built_at is not None)


def synthesis_of(period: ReportingPeriod) -> Synthesis | None:
    """The period's synthesis, None while none was built."""
    return Synthesis.objects.filter(period=period).select_related("finalised_by").first()


def synthesis_for(user, period: ReportingPeriod) -> Synthesis | None:
    """The period's synthesis (None while none was built) if this user may read it, else 403."""
    synthesis = synthesis_of(period)
    if not may_read_synthesis(user, synthesis):
        raise PermissionDenied
    return synthesis


def synthesis_to_edit(user, period: ReportingPeriod) -> Synthesis:
    """The period's synthesis if this user may edit its narrative (the DFA, once it exists), else 403."""
    synthesis = synthesis_for(user, period)
    if synthesis is None or not user.is_dfa_officer:
        raise PermissionDenied
    return synthesis


def dfa_required(view):
    """DFA officers (and admins) only; everyone else signed in gets 403, anonymous users the login page."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_dfa_officer:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def staff_required(view):
    """Staff of an agency only (they raise difficulties and write reports)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_agency_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def readers_only(view):
    """The DFA, leadership and admins: everyone who reads every agency's data."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_read_figures(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def readers_or_staff_only(view):
    """Everyone who reads every agency's data, and agency staff (who see their own agency's)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_read_plan(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
