"""Difficulties and proposals (khó khăn, vướng mắc, kiến nghị): raised by an agency in writing to the DFA, which
guides the agency or escalates what is beyond its authority to the Provincial People's Committee (closing paragraph
of the plan, section IV).
"""
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agencies.models import Agency
from reporting.cycle.services import ReportingError
from reporting.delivery.feed import feed_record
from reporting.models import Difficulty, DifficultyResponse, DifficultyStatus, FeedKind
from tasks.models import Assignment


def difficulty_raise(
    *, agency: Agency, task, kind: str, title: str, text: str, user, period=None, token: uuid.UUID | None = None
) -> Difficulty:
    """An agency reports a difficulty or proposal in writing to the DFA (closing paragraph of the plan).

    Sent once per form: `token` is the form's one-time token, and a second sending of the same form (a double click,
    two requests at once) answers the difficulty the first one made. The database's unique constraint decides, so
    two requests racing each other cannot both insert.
    """
    if not Assignment.objects.filter(agency=agency, task=task).exists() and not Assignment.objects.filter(
        agency=agency, task__parent=task
    ).exists():
        raise ReportingError(_("Your agency is not assigned task %(code)s.") % {"code": task.code})
    try:
        with transaction.atomic():
            difficulty = Difficulty.objects.create(
                agency=agency, task=task, kind=kind, title=title.strip(), text=text.strip(), raised_by=user,
                period=period, submission_token=token,
            )
            _feed_difficulty(difficulty, "raised")
            return difficulty
    except IntegrityError:
        first = Difficulty.objects.filter(submission_token=token).first() if token else None
        if first is None:
            raise
        if first.agency_id != agency.pk:  # a token copied from another agency's form
            raise ReportingError(
                _("This form was already sent. Open a new form to raise another difficulty.")
            ) from None
        return first


@transaction.atomic
def difficulty_respond(*, difficulty: Difficulty, user, text: str, status: str) -> DifficultyResponse:
    """The DFA answers and sets the status: guidance given, escalated to the Provincial People's Committee, resolved."""
    if status not in DifficultyStatus.values:
        raise ReportingError(_("Unknown status."))
    response = DifficultyResponse.objects.create(difficulty=difficulty, author=user, text=text.strip(), status=status)
    difficulty.status = status
    difficulty.save(update_fields=["status", "updated_at"])
    _feed_difficulty(difficulty, status)
    return response


def _feed_difficulty(difficulty: Difficulty, action: str) -> None:
    """A difficulty raised or answered (its new status) into the changes feed (reporting.delivery.feed)."""
    feed_record(kind=FeedKind.DIFFICULTY, action=action, plan_id=difficulty.task.plan_id,
                period_id=difficulty.period_id, agency_id=difficulty.agency_id, difficulty_id=difficulty.pk)
