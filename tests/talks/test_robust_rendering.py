"""Stored content that points nowhere shows as text, and the admin's snippet search answers."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from wagtail.models import Page, ReferenceIndex

from tests.factories import make_speaker, make_talk, make_venue

pytestmark = pytest.mark.django_db

# Rich text as stored: a link entity names its target by id, which the editor normally fills in.
BAD_LINKS = {
    "a page id that is not a number": 'linktype="page" id="abc"',
    "an empty page id": 'linktype="page" id=""',
    "a page id too large for the column": 'linktype="page" id="99999999999999999999"',
    "a document id that is not a number": 'linktype="document" id="x"',
    "a document id too large for the column": 'linktype="document" id="99999999999999999999"',
    "a page outside every site (it has no URL)": 'linktype="page" id="{root}"',
}
UNRESOLVED = "<a>Lost link</a>"  # Wagtail's form for a deleted target: text, not a link


def stored(link_attrs: str) -> str:
    link_attrs = link_attrs.format(root=Page.get_first_root_node().pk)
    return f"<p>Before <a {link_attrs}>Lost link</a> after.</p>"


def assert_shows_as_text(response) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Before {UNRESOLVED} after." in html
    assert 'href="None"' not in html


@pytest.mark.parametrize("link", BAD_LINKS.values(), ids=BAD_LINKS.keys())
def test_a_bio_link_to_nothing_shows_as_text_on_the_speaker_and_talk_pages(client, series, link):
    speaker = make_speaker(bio=stored(link))
    talk = make_talk(series, speakers=[speaker])
    assert_shows_as_text(client.get(speaker.get_absolute_url()))
    assert_shows_as_text(client.get(talk.url))


@pytest.mark.parametrize("link", BAD_LINKS.values(), ids=BAD_LINKS.keys())
def test_an_abstract_or_series_intro_link_to_nothing_shows_as_text(client, series, link):
    # The abstract goes through the math filter, the intro through Wagtail's `richtext`.
    talk = make_talk(series, abstract=stored(link))
    assert_shows_as_text(client.get(talk.url))
    series.intro = stored(link)
    series.save_revision().publish()
    assert_shows_as_text(client.get(series.url))


def test_an_image_embed_with_a_bad_id_shows_as_an_empty_image(client, series):
    talk = make_talk(
        series, abstract='<p>Before</p><embed embedtype="image" id="x" format="left"/>'
    )
    html = client.get(talk.url).content.decode()
    assert '<p>Before</p><img alt="">' in html  # Wagtail's form for a deleted image


def test_a_link_to_a_deleted_page_shows_as_text(client, series):
    gone = make_talk(series, title="Withdrawn")
    link_attrs = f'linktype="page" id="{gone.pk}"'
    gone.delete()
    speaker = make_speaker(bio=stored(link_attrs))
    assert_shows_as_text(client.get(speaker.get_absolute_url()))


def test_a_link_to_a_live_page_still_links(client, series):
    target = make_talk(series, title="Part one")
    speaker = make_speaker(bio=f'<p><a linktype="page" id="{target.pk}">Part one</a></p>')
    html = client.get(speaker.get_absolute_url()).content.decode()
    assert f'<a href="{target.url}">Part one</a>' in html


def test_saving_a_bio_with_a_link_without_an_id_records_its_references():
    speaker = make_speaker(bio=stored('linktype="page"'))
    ReferenceIndex.create_or_update_for_object(speaker)  # raised KeyError: 'id'


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.org", "pw"))
    return client


@pytest.mark.parametrize("link", ['linktype="page" id="abc"', 'linktype="page"'])
def test_an_editor_can_open_a_bio_with_a_link_to_nothing_to_fix_it(superuser_client, link):
    speaker = make_speaker(bio=stored(link))
    response = superuser_client.get(
        reverse("wagtailsnippets_talks_speaker:edit", args=[speaker.pk])
    )
    assert response.status_code == 200
    assert "Lost link" in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    ["wagtailsnippets_talks_speaker:list", "wagtailsnippetchoosers_talks_speaker:choose"],
)
def test_the_admin_finds_speakers_by_the_start_of_a_name_or_affiliation(superuser_client, url_name):
    make_speaker("Alice Liddell", affiliation="Oxford")
    make_speaker("Bob Example", affiliation="Université de Lille")
    make_speaker("Carol Other", affiliation="Cambridge")
    response = superuser_client.get(reverse(url_name), {"q": "li"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Alice Liddell" in html and "Bob Example" in html
    assert "Carol Other" not in html


def test_the_admin_finds_venues_by_name_building_or_room(superuser_client):
    make_venue("Lecture hall", building="Linnaeus building", room="1")
    make_venue("Seminar room", building="Main", room="313")
    response = superuser_client.get(reverse("wagtailsnippets_talks_venue:list"), {"q": "lin"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lecture hall" in html and "Seminar room" not in html
