"""The changes feed: every report transition, difficulty update and synthesis state change, in one order, with a
cursor that never skips or repeats (reporting.delivery.feed explains how)."""
import threading

import pytest
from rest_framework.test import APIClient

from plan119.testing import fill
from reporting.cycle import services
from reporting.delivery.feed import feed_record, feed_sequence, feed_since
from reporting.difficulties.services import difficulty_respond
from reporting.models import FeedEntry
from reporting.synthesis.build import synthesis_build, synthesis_finalise

EVENTS = "/api/v1/events/"


def _read_all(client, since=0, limit=100):
    seen = []
    while True:
        page = client.get(EVENTS, {"since": since, "limit": limit})
        assert page.status_code == 200, page.content
        body = page.json()
        seen += body["events"]
        if not body["events"]:
            return seen, body["next"]
        since = body["next"]


@pytest.fixture
def history(small_report, owner, dfa, difficulty, small_period):
    """Submitted, returned, submitted again, accepted; a difficulty answered; the synthesis built and finalised."""
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    services.report_return(report=small_report, user=dfa, comment="Bổ sung")
    services.report_submit(report=small_report, user=owner)
    services.report_accept(report=small_report, user=dfa)
    difficulty_respond(difficulty=difficulty, user=dfa, text="Đã chuyển UBND tỉnh", status="escalated")
    synthesis_finalise(synthesis=synthesis_build(period=small_period), user=dfa)


def _as(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_the_dfa_follows_every_change_in_order(history, dfa, small_plan):
    events, cursor = _read_all(_as(dfa), limit=2)
    assert [(e["kind"], e["action"]) for e in events] == [
        ("difficulty", "raised"),
        ("report", "submitted"), ("report", "returned"), ("report", "submitted"), ("report", "accepted"),
        ("difficulty", "escalated"),
        ("synthesis", "running"), ("synthesis", "built"), ("synthesis", "finalised"),
    ]
    cursors = [e["cursor"] for e in events]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors) and cursor == cursors[-1]
    assert events[1]["agency"] == "T-LEAD" and events[1]["year"] == 2025 and events[1]["version"] == 1
    assert {e["plan"] for e in events} == {small_plan.plan.pk}  # a difficulty without a period has its task's plan
    assert _read_all(_as(dfa), since=cursor)[0] == []  # nothing repeats


def test_each_person_follows_what_they_may_read(history, owner, outsider, viewer):
    own = [(e["kind"], e["action"]) for e in _read_all(_as(owner))[0]]
    assert ("report", "accepted") in own and ("difficulty", "escalated") in own
    assert not any(kind == "synthesis" for kind, _ in own)
    assert _read_all(_as(outsider))[0] == []
    leadership = [(e["kind"], e["action"]) for e in _read_all(_as(viewer))[0]]
    assert [a for k, a in leadership if k == "synthesis"] == ["finalised"]


def test_a_bad_cursor_is_a_problem_not_an_error(owner, small_plan):
    response = _as(owner).get(EVENTS, {"since": "yesterday"})
    assert response.status_code == 400
    assert "since" in response.json()["errors"]


def test_places_are_given_once_and_in_turn(db):
    for _ in range(3):
        feed_record(kind="report", action="submitted")
    assert feed_sequence() == 3
    assert feed_sequence() == 0
    assert sorted(FeedEntry.objects.values_list("seq", flat=True)) == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_late_is_not_skipped():
    """A transaction inserts an entry (a lower id) and commits only after a later entry was read: a cursor on ids or
    times would have moved past it; the place given after commit puts it after what the client has read."""
    from django.db import connection

    from conftest import require_service

    require_service(connection.vendor == "postgresql",
                    "two open transactions at once are tested on PostgreSQL (SQLite lets one writer in at a time)")
    inserted, release, errors = threading.Event(), threading.Event(), []

    def slow_change():
        from django.db import connection as thread_connection
        from django.db import transaction

        try:
            with transaction.atomic():
                feed_record(kind="report", action="submitted", version=1)
                inserted.set()
                release.wait(10)
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(error)
        finally:
            thread_connection.close()

    thread = threading.Thread(target=slow_change)
    thread.start()
    assert inserted.wait(10)
    feed_record(kind="report", action="accepted", version=2)
    first = feed_since(entries=FeedEntry.objects.all(), cursor=0, limit=100)
    assert [e.version for e in first] == [2]
    release.set()
    thread.join()
    assert not errors, errors
    later = feed_since(entries=FeedEntry.objects.all(), cursor=first[-1].seq, limit=100)
    assert [e.version for e in later] == [1]
    assert later[0].pk < first[0].pk  # by id it came first: an id cursor would have skipped it


@pytest.mark.django_db(transaction=True)
def test_concurrent_readers_give_each_entry_one_place():
    from django.db import connection

    from conftest import require_service

    require_service(connection.vendor == "postgresql", "concurrent sequencers are tested on PostgreSQL")
    errors = []

    def writer_and_reader():
        from django.db import connection as thread_connection

        try:
            for _ in range(20):
                feed_record(kind="report", action="submitted")
                feed_sequence()
        except Exception as error:  # pragma: no cover - shown in the assertion
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=writer_and_reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    feed_sequence()
    assert sorted(FeedEntry.objects.values_list("seq", flat=True)) == list(range(1, 81))
