"""The admin forms as an editor meets them: a venue's zone picked on purpose, times named with
the venue's zone and picked by the quarter hour, speakers chosen by their photo, the site's
"Topics", and "/" typed as text in fields with math."""

import json

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from talks.mathtext import MATH_FEATURE
from talks.models import TalkPage, Venue
from talks.snippets import BIO_FEATURES
from tests.factories import make_speaker, make_talk, make_venue

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def help_text_of(html: BeautifulSoup, name: str) -> str:
    described_by = html.find(attrs={"name": name})["aria-describedby"].split()
    [help_id] = [each for each in described_by if each.endswith("-helptext")]
    return html.find(id=help_id).get_text(strip=True)


def draftail_options(html: BeautifulSoup, name: str) -> dict:
    return json.loads(html.find(attrs={"name": name})["data-w-init-detail-value"])


# --- venues: the zone is chosen, never defaulted ------------------------------------------------


def test_a_new_venue_has_no_zone_chosen(client, moderator):
    html = soup(client.get(reverse("wagtailsnippets_talks_venue:add")))
    zone = html.find("select", attrs={"name": "time_zone"})
    [chosen] = zone.find_all("option", selected=True)
    assert chosen["value"] == "" and "Choose" in chosen.get_text()
    assert zone.find("option", attrs={"value": "Asia/Shanghai"})  # all of tzdata is offered
    # The box that filters the zones as one types, and its script.
    assert zone["data-filter-placeholder"].startswith("Filter zones")
    assert html.find("script", src="/static/admin/js/filter_select.js")


def test_the_venue_form_refuses_a_missing_zone(client, moderator):
    url = reverse("wagtailsnippets_talks_venue:add")
    venue = {"name": "Room 313", "building": "", "room": "313", "address": "", "map_url": ""}
    for missing in ({}, {"time_zone": ""}):
        html = soup(client.post(url, venue | missing))
        field = html.find("select", attrs={"name": "time_zone"}).find_parent(
            attrs={"data-field": True}
        )
        assert "This field is required." in field.get_text()
    assert not Venue.objects.exists()
    response = client.post(url, venue | {"time_zone": "Asia/Shanghai"})
    assert response.status_code == 302
    assert Venue.objects.get().time_zone == "Asia/Shanghai"


def test_editing_or_copying_a_venue_keeps_its_zone(client, moderator):
    venue = make_venue(time_zone="Europe/London")
    for view in ("edit", "copy"):
        html = soup(client.get(reverse(f"wagtailsnippets_talks_venue:{view}", args=(venue.pk,))))
        chosen = html.find("select", attrs={"name": "time_zone"}).find("option", selected=True)
        assert chosen["value"] == "Europe/London", view


# --- the talk editor: the venue's zone beside start and end, times by the quarter hour ----------


def test_start_and_end_name_the_venues_zone_and_step_by_fifteen_minutes(client, series, moderator):
    talk = make_talk(series, venue=make_venue(time_zone="Asia/Shanghai"))
    html = soup(client.get(reverse("wagtailadmin_pages:edit", args=(talk.pk,))))
    for name in ("start", "end"):
        assert (
            help_text_of(html, name) == "In the venue's time zone (Asia/Shanghai), 24-hour clock."
        )
        field = html.find("input", attrs={"name": name})
        assert json.loads(field["data-venue-zones"]) == {str(talk.venue_id): "Asia/Shanghai"}
        picker = html.find("script", string=lambda s, n=name: s and f'"id_{n}"' in s).string
        assert json.loads(picker.split(", ", 1)[1].rsplit(");", 1)[0])["step"] == 15
    # Picking another venue renames the zone (static/admin/js/venue_zone.js).
    assert html.find("script", src="/static/admin/js/venue_zone.js")


def test_a_new_talk_asks_for_the_venue_first(client, series, moderator):
    url = reverse("wagtailadmin_pages:add", args=("talks", "talkpage", series.pk))
    html = soup(client.get(url))
    assert help_text_of(html, "start") == (
        "In the venue's time zone (choose the venue first), 24-hour clock."
    )


def test_a_form_shown_again_names_the_zone_of_the_venue_just_chosen(client, series, moderator):
    talk = make_talk(series, venue=make_venue(time_zone="Asia/Shanghai"))
    london = make_venue(name="Senate House", time_zone="Europe/London")
    data = nested_form_data(
        {
            "title": talk.title,
            "slug": talk.slug,
            "speaker_links": inline_formset([{"speaker": talk.speakers[0].pk}], min=1),
            "venue": london.pk,
            "start": "2030-09-25 16:00",
            "end": "2030-09-25 15:00",  # before the start: refused, the form is shown again
            "status": "scheduled",
            "recording_margin": 30,
            "online_visibility": "public",
            "online_minutes_before": 15,
            "abstract": rich_text(""),
            "topics": "",
            "slides_url": "",
            "recording_url": "",
            "body": streamfield([]),
            "comments": inline_formset([]),
        }
    )
    html = soup(client.post(reverse("wagtailadmin_pages:edit", args=(talk.pk,)), data))
    assert "The talk must end after it starts." in html.get_text()
    assert help_text_of(html, "end") == "In the venue's time zone (Europe/London), 24-hour clock."


def test_topics_are_called_topics_in_the_editor_as_on_the_site(client, series, moderator):
    talk = make_talk(series)
    html = soup(client.get(reverse("wagtailadmin_pages:edit", args=(talk.pk,))))
    assert html.find("label", attrs={"for": "id_topics"}).get_text(strip=True) == "Topics"
    assert "visitors filter by topic" in help_text_of(html, "topics")


# --- speakers: the chooser shows the photo; the photo's crop is explained -----------------------


def test_the_photo_field_says_how_the_site_crops_it(client, moderator):
    speaker = make_speaker()
    url = reverse("wagtailsnippets_talks_speaker:edit", args=(speaker.pk,))
    help_text = help_text_of(soup(client.get(url)), "photo")
    assert "square" in help_text and "focal point" in help_text


def test_the_speaker_chooser_shows_each_photo(client, moderator):
    photo = get_image_model().objects.create(title="Ada", file=get_test_image_file())
    make_speaker("Ada Example", photo=photo, affiliation="Analytical Engines Ltd")
    make_speaker("Bo Without-Photo")
    response = client.get(reverse("wagtailsnippetchoosers_talks_speaker:choose"))
    html = BeautifulSoup(response.json()["html"], "html.parser")
    rows = {row.find("a").get_text(strip=True): row for row in html.select("tbody tr")}
    thumbnail = rows["Ada Example"].find("img")
    assert thumbnail is not None and ".fill-80x80" in thumbnail["src"]
    assert thumbnail["alt"] == ""  # the name is beside it
    assert "Analytical Engines Ltd" in rows["Ada Example"].get_text()
    assert rows["Bo Without-Photo"].find("img") is None
    assert "BW" in rows["Bo Without-Photo"].get_text()  # initials instead
    # Searching keeps the photos.
    results = client.get(
        reverse("wagtailsnippetchoosers_talks_speaker:choose_results"), {"q": "Ada"}
    )
    assert ".fill-80x80" in results.content.decode()


# --- math: "/" is text in fields whose math is rendered -----------------------------------------


def test_bios_have_no_slash_command_palette(client, moderator):
    assert MATH_FEATURE in BIO_FEATURES
    speaker = make_speaker()
    html = soup(client.get(reverse("wagtailsnippets_talks_speaker:edit", args=(speaker.pk,))))
    options = draftail_options(html, "bio")
    assert "commandToolbar" in options and options["commandToolbar"] is None
    assert "/" not in options["placeholder"]


def test_the_abstract_has_no_slash_command_palette(client, series, moderator):
    talk = make_talk(series, abstract="<p>Sharpness hovers at $2/\\eta$.</p>")
    html = soup(client.get(reverse("wagtailadmin_pages:edit", args=(talk.pk,))))
    options = draftail_options(html, "abstract")
    assert "commandToolbar" in options and options["commandToolbar"] is None
    # The math is kept as typed, slash and all.
    assert "2/\\\\eta" in html.find(attrs={"name": "abstract"})["value"]
    assert TalkPage.objects.get(pk=talk.pk).abstract.count("$") == 2
