"""Writes on agencies and users that need no knowledge of plans or reports."""
import datetime

from django.db import transaction

from .models import Agency, User


def agency_end(*, agency: Agency, on: datetime.date) -> None:
    """`agency` ends when `on` begins: its last day is the day before (Agency.merged_on is the inverse), and it is no
    longer active. Merged, split or abolished alike."""
    agency.active = False
    agency.exists_until = on - datetime.timedelta(days=1)
    agency.save()


@transaction.atomic
def agency_retire_into(*, agency: Agency, successor: Agency, on: datetime.date) -> int:
    """Mark `agency` as merged into `successor` on `on` (its last day is the day before) and move its people there.
    Returns how many users moved.

    The agency row stays (reports and history point at it); only its work passes on. Callers that also move
    plan assignments use tasks.services.agency_merge, which calls this.
    """
    if agency.pk == successor.pk:
        raise ValueError("An agency cannot be merged into itself.")
    if successor.successor().pk == agency.pk:
        raise ValueError("The successor was itself merged into this agency.")
    agency.merged_into = successor
    agency_end(agency=agency, on=on)
    moved = 0
    for user in User.objects.filter(agency=agency):
        user.agency = successor
        user.save(update_fields=["agency"])
        moved += 1
    return moved
