"""Upcoming/past, the admin form's time zones, and the calendar SEQUENCE bookkeeping."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from talks.forms import TalkPageForm
from talks.models import TalkPage
from tests.factories import make_speaker, make_talk, make_venue, shanghai

pytestmark = pytest.mark.django_db


def test_upcoming_and_past_split_at_the_end_of_a_talk(series):
    now = timezone.now()
    running = make_talk(series, "Running now", start=now - timedelta(minutes=30), minutes=60)
    soon = make_talk(series, "Soon", start=now + timedelta(days=1))
    later = make_talk(series, "Later", start=now + timedelta(days=9))
    old = make_talk(series, "Old", start=now - timedelta(days=30))
    older = make_talk(series, "Older", start=now - timedelta(days=60))

    assert list(TalkPage.objects.upcoming()) == [running, soon, later]
    assert list(TalkPage.objects.past()) == [old, older]


def test_drafts_are_not_listed(series):
    make_talk(series, "Draft", publish=False)
    assert not TalkPage.objects.live().upcoming().exists()


def test_admin_form_shows_times_as_the_venue_wall_clock(series):
    venue = make_venue(time_zone="Asia/Shanghai")
    talk = make_talk(series, "Zone test", venue=venue, start=shanghai(2024, 9, 25, 16))
    form_class = TalkPage.get_edit_handler().get_form_class()
    assert issubclass(form_class, TalkPageForm)
    form = form_class(instance=talk, for_user=None)
    assert form.initial["start"] == datetime(2024, 9, 25, 16, 0)
    assert form.initial["end"] == datetime(2024, 9, 25, 17, 0)


def test_end_must_follow_start(series):
    talk = make_talk(series, "Backwards", publish=False)
    talk.end = talk.start - timedelta(minutes=5)
    with pytest.raises(Exception, match="end after it starts"):
        talk.full_clean()


def test_sequence_starts_at_zero_and_bumps_only_on_visible_changes(series):
    talk = make_talk(series, "Sequence")
    assert talk.calendar_sequence == 0

    talk.search_description = "not shown in calendars"
    talk.save_revision().publish()
    talk.refresh_from_db()
    assert talk.calendar_sequence == 0

    talk.start += timedelta(hours=1)
    talk.end += timedelta(hours=1)
    talk.save_revision().publish()
    talk.refresh_from_db()
    assert talk.calendar_sequence == 1

    talk.status = TalkPage.Status.CANCELLED
    talk.save_revision().publish()
    talk.refresh_from_db()
    assert talk.calendar_sequence == 2


def test_republishing_an_old_revision_never_rewinds_the_sequence(series):
    talk = make_talk(series, "Rewind")
    first_revision = talk.latest_revision
    talk.title = "Rewind, retitled"
    talk.save_revision().publish()
    talk.refresh_from_db()
    assert talk.calendar_sequence == 1

    first_revision.publish()  # back to the old title: a change again, so forward again
    talk.refresh_from_db()
    assert talk.title == "Rewind"
    assert talk.calendar_sequence == 2


def test_speakers_keep_the_editors_order(series):
    b, a = make_speaker("Bea Second"), make_speaker("Al First")
    talk = make_talk(series, "Order", speakers=[b, a])
    assert [s.name for s in talk.speakers] == ["Bea Second", "Al First"]


def test_speaker_slugs_are_unique_and_automatic(db):
    one, two = make_speaker("Jian Li"), make_speaker("Jian Li")
    assert (one.slug, two.slug) == ("jian-li", "jian-li-2")
