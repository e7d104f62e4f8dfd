"""The changes feed (the API's `GET /api/v1/events/?since=<cursor>`): report transitions, difficulty updates and
synthesis state changes, in one order that a polling system follows with a cursor that never skips or repeats.

Why a place given after commit, not the row's id or time
---------------------------------------------------------
A change writes its `FeedEntry` in its own transaction. Ids and timestamps are taken when a row is *inserted*, not
when its transaction *commits*: transaction A inserts id 7 at 10:00:00, transaction B inserts id 8 and commits at
10:00:01, a client polls and reads 8, then A commits. A cursor on (time, id) or on id has moved past 7: the client
never sees it. A "safe horizon" (only read rows older than N seconds) narrows the window but cannot close it: a
transaction may stay open longer than any N.

So an entry's place in the feed (`seq`) is not given by its writer. `feed_sequence()` gives places, in its own
transaction, to entries that have already committed: it locks the one `FeedCounter` row (givers take turns), reads
the committed entries that have no place yet (under PostgreSQL's READ COMMITTED the read after the lock sees
everything committed before it; SQLite runs one writer at a time) and numbers them after the last place given.
An entry committed later is numbered later, by a later turn, so its place is always above every place a client
has already read: `seq > cursor` never skips one. Places are unique and never change: nothing repeats. The feed
asks for places before every read, so the feed is as fresh as the database.

A new kind of change (deadline extensions requested, granted or refused, for instance) adds a `FeedKind` and calls
`feed_record` from its service, in the service's transaction; the feed, its cursor and the API need nothing more.
"""
from django.db import transaction
from django.db.models import QuerySet

from reporting.models import FeedCounter, FeedEntry, ReportingPeriod

SEQUENCE_BATCH = 1000


def feed_record(*, kind: str, action: str, plan_id: int | None = None, period_id: int | None = None,
                agency_id: int | None = None, report_id: int | None = None, difficulty_id: int | None = None,
                version: int = 0) -> FeedEntry:
    """Write one change into the feed, inside the caller's transaction (it commits, or vanishes, with the change).
    The plan is the period's when only the period is given."""
    if plan_id is None and period_id is not None:
        plan_id = ReportingPeriod.objects.filter(pk=period_id).values_list("plan_id", flat=True).first()
    return FeedEntry.objects.create(kind=kind, action=action, plan_id=plan_id, period_id=period_id,
                                    agency_id=agency_id, report_id=report_id, difficulty_id=difficulty_id,
                                    version=version)


def _counter() -> FeedCounter:
    counter = FeedCounter.objects.select_for_update().filter(pk=1).first()
    if counter is None:
        FeedCounter.objects.bulk_create([FeedCounter(pk=1)], ignore_conflicts=True)
        counter = FeedCounter.objects.select_for_update().get(pk=1)
    return counter


def feed_sequence() -> int:
    """Give the committed entries without a place the next places, in turn with any other giver. Returns how many."""
    given = 0
    while True:
        with transaction.atomic():
            counter = _counter()
            pending = list(FeedEntry.objects.filter(seq__isnull=True).order_by("id").only("id")[:SEQUENCE_BATCH])
            if not pending:
                return given
            for entry in pending:
                counter.last += 1
                entry.seq = counter.last
            FeedEntry.objects.bulk_update(pending, ["seq"])
            counter.save(update_fields=["last"])
            given += len(pending)
        if len(pending) < SEQUENCE_BATCH:
            return given


def feed_since(*, entries: QuerySet, cursor: int, limit: int) -> list[FeedEntry]:
    """The placed entries of `entries` after `cursor`, in feed order, at most `limit`."""
    feed_sequence()
    return list(entries.filter(seq__gt=cursor).order_by("seq")[:limit])
