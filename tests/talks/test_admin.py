"""An editor posts an announcement through the real Wagtail admin views."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from demos.blocks import demo_block
from demos.registry import get_demo
from talks.models import Speaker, TalkPage, Venue
from tests.factories import make_speaker, make_talk, make_venue

pytestmark = pytest.mark.django_db


def talk_form(speaker, venue, **overrides):
    data = {
        "title": "Theoretical basis of deep learning",
        "slug": "theoretical-basis",
        "speaker_links": inline_formset([{"speaker": speaker.pk}], min=1),
        "venue": venue.pk,
        "start": "2024-09-25 16:00",  # typed as the venue's wall clock
        "end": "2024-09-25 17:30",
        "status": "scheduled",
        "recording_margin": "30",
        "online_url": "",
        "online_visibility": "public",
        "online_minutes_before": "15",
        "abstract": rich_text("<p>Sharpness hovers at $2/\\eta$.</p>"),
        "topics": "optimization, edge of stability",
        "slides_url": "",
        "recording_url": "",
        "body": streamfield([]),
        "comments": inline_formset([]),
        "action-publish": "action-publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def test_editor_creates_speaker_venue_and_talk_and_publishes(client, series, moderator):
    response = client.post(
        reverse("wagtailsnippets_talks_speaker:add"),
        nested_form_data(
            {
                "name": "Jian Li",
                "slug": "",
                "position": "Distinguished Professor",
                "affiliation": "Tsinghua University",
                "bio": rich_text("<p>Works on theory.</p>"),
                "homepage": "",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    speaker = Speaker.objects.get(name="Jian Li")
    assert speaker.slug == "jian-li"

    response = client.post(
        reverse("wagtailsnippets_talks_venue:add"),
        {
            "name": "Computer Building 313",
            "building": "Computer Building",
            "room": "313",
            "address": "",
            "time_zone": "Asia/Shanghai",
            "map_url": "",
        },
    )
    assert response.status_code == 302
    venue = Venue.objects.get(name="Computer Building 313")

    add_url = reverse("wagtailadmin_pages:add", args=("talks", "talkpage", series.pk))
    response = client.post(add_url, talk_form(speaker, venue))
    assert response.status_code == 302, response.content.decode()[:3000]

    talk = TalkPage.objects.get(slug="theoretical-basis")
    assert talk.live
    assert talk.start == datetime(2024, 9, 25, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    assert talk.end == datetime(2024, 9, 25, 9, 30, tzinfo=UTC)
    assert [s.name for s in talk.speakers] == ["Jian Li"]
    assert sorted(t.name for t in talk.topics.all()) == ["edge of stability", "optimization"]

    listing = client.get(series.url).content.decode()
    assert "Theoretical basis of deep learning" in listing


def test_end_before_start_is_refused_with_a_message(client, series, moderator):
    add_url = reverse("wagtailadmin_pages:add", args=("talks", "talkpage", series.pk))
    response = client.post(add_url, talk_form(make_speaker(), make_venue(), end="2024-09-25 15:00"))
    assert response.status_code == 200
    assert "The talk must end after it starts." in response.content.decode()
    assert not TalkPage.objects.exists()


def test_preview_shows_the_draft(client, series, moderator):
    preview_url = reverse(
        "wagtailadmin_pages:preview_on_add", args=("talks", "talkpage", series.pk)
    )
    data = talk_form(make_speaker(), make_venue(), title="Draft preview title")
    response = client.post(preview_url, data)
    assert response.json()["is_valid"] is True
    page = client.get(preview_url).content.decode()
    assert "Draft preview title" in page
    assert "16:00–17:30 (Asia/Shanghai, UTC+8)" in re.sub(r"<[^>]+>", "", page)


def test_scheduled_publishing(client, series, moderator):
    go_live = timezone.now() + timedelta(hours=1)
    add_url = reverse("wagtailadmin_pages:add", args=("talks", "talkpage", series.pk))
    data = talk_form(make_speaker(), make_venue(), go_live_at=go_live.strftime("%Y-%m-%d %H:%M"))
    response = client.post(add_url, data)
    assert response.status_code == 302
    talk = TalkPage.objects.get(slug="theoretical-basis")
    assert not talk.live
    assert client.get(series.url).content.decode().count("Theoretical basis") == 0

    # Time passes: the scheduled revision comes due and the cron command publishes it.
    due = timezone.now() - timedelta(minutes=1)
    revision = Revision.page_revisions.get(
        object_id=str(talk.pk), approved_go_live_at__isnull=False
    )
    revision.approved_go_live_at = due
    revision.content["go_live_at"] = due.isoformat()
    revision.save()
    call_command("publish_scheduled")
    talk.refresh_from_db()
    assert talk.live
    assert "Theoretical basis" in client.get(series.url).content.decode()


def test_editors_group_can_manage_speakers_but_not_publish(db):
    editors = Group.objects.get(name="Editors")
    codenames = set(editors.permissions.values_list("codename", flat=True))
    assert {
        "add_speaker",
        "change_speaker",
        "add_venue",
        "change_venue",
        "access_admin",
    } <= codenames


def test_the_presenter_view_sends_a_signed_out_editor_to_the_login_and_back(client, series):
    quadratic = get_demo("quadratic-stability")
    talk = make_talk(series, publish=False)
    params = quadratic.params().model_dump(mode="json")
    talk.body = [("demo_quadratic_stability", demo_block(quadratic).to_python({"params": params}))]
    talk.save_revision().publish()
    present = talk.url + "present/"
    to_login = client.get(present)
    assert to_login.status_code == 302
    login_url = to_login["Location"]
    assert login_url.startswith("/admin/login/") and "next=" in login_url
    assert client.get(login_url).status_code == 200  # Wagtail's login, not a 404
    editor = User.objects.create_user("presenter", "p@example.org", "a-long-pass-phrase")
    editor.groups.add(Group.objects.get(name="Moderators"))
    back = client.post(
        login_url, {"username": "presenter", "password": "a-long-pass-phrase", "next": present}
    )
    assert back.status_code == 302 and back["Location"] == present
    assert client.get(present).status_code == 200


def test_slugs_made_from_titles_are_ascii(series):
    # "2η" in a slug becomes "%CE%B7" in every link a visitor copies.
    assert make_talk(series, title="Sharpness at 2η, really").slug == "sharpness-at-2-really"
