"""One question per check (pretix style): who may see or change a report, an attachment, a difficulty."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from reporting.models import Attachment, Difficulty, Report


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


def report_to_edit(user, pk: int) -> Report:
    report = report_for(user, pk)
    if not may_edit(user, report):
        raise PermissionDenied
    return report


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
        if not request.user.can_read_everything:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
