"""seed_demo_content loads the first real talk exactly, and a second run changes nothing."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

from talks.models import HomePage, Speaker, TalkPage, Venue

pytestmark = pytest.mark.django_db

FIRST_TITLE = (
    "Theoretical basis of deep learning: optimization, generalization and implicit bias of "
    "gradient algorithms"
)


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("pk", "title", "live", "path")),
        "revisions": Revision.objects.count(),
        "speakers": sorted(Speaker.objects.values_list("pk", "name", "bio")),
        "venues": sorted(Venue.objects.values_list("pk", "name", "time_zone")),
        "talks": sorted(
            TalkPage.objects.values_list("pk", "start", "end", "status", "calendar_sequence")
        ),
    }


def test_seed_is_idempotent():
    call_command("seed_demo_content")
    first = snapshot()
    call_command("seed_demo_content")
    assert snapshot() == first


def test_a_talk_seeded_before_some_demos_existed_gets_them_once():
    call_command("seed_demo_content")
    talk = TalkPage.objects.get(title=FIRST_TITLE)
    every = [child.block_type for child in talk.body]
    assert len(every) == 7 and all(kind.startswith("demo_") for kind in every)
    del talk.body[3:]  # as seeded when only the first three demos existed
    talk.save_revision().publish()
    call_command("seed_demo_content")
    talk.refresh_from_db()
    assert [child.block_type for child in talk.body] == every
    revisions = talk.revisions.count()
    call_command("seed_demo_content")
    assert talk.revisions.count() == revisions


def test_first_talk_is_seeded_as_announced(client):
    call_command("seed_demo_content")
    talk = TalkPage.objects.get(title=FIRST_TITLE)
    assert talk.live
    assert talk.start == datetime(2024, 9, 25, 8, 0, tzinfo=UTC)  # 16:00 Asia/Shanghai
    assert talk.venue.building == "Computer Building" and talk.venue.room == "313"
    assert talk.venue.time_zone == "Asia/Shanghai"
    [speaker] = talk.speakers
    assert speaker.name == "Jian Li"
    assert "Distinguished Professor" in speaker.position
    assert "doctoral supervisor" in speaker.position
    assert (
        speaker.affiliation
        == "Institute for Interdisciplinary Information Sciences, Tsinghua University"
    )
    for fact in (
        "theoretical computer science",
        "foundations of artificial intelligence",
        "databases",
        "financial technology",
        "more than 100 papers",
        "VLDB",
        "ESA",
        "ICDT",
    ):
        assert fact in speaker.bio
    for idea in (
        "non-convex",
        "generalize",
        "stationary points",
        "edge of stability",
        "implicit bias",
        "adversarial examples",
        "trajectory",
    ):
        assert idea in talk.abstract

    # The site serves it: home page is the default site's root and shows the series.
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    page = client.get(talk.url)
    assert page.status_code == 200
    assert "Jian Li" in page.content.decode()


def test_seed_gives_every_listing_something_to_show():
    call_command("seed_demo_content")
    talks = TalkPage.objects.live()
    assert talks.upcoming().exists() and talks.past().exists()
    assert talks.filter(status=TalkPage.Status.CANCELLED).exists()
    assert any("$" in t.abstract for t in talks.exclude(title=FIRST_TITLE))
    assert Venue.objects.values("time_zone").distinct().count() >= 2
