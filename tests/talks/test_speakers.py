"""Speaker pages: every talk with its slides and recording, homepage and ORCID links, and the
ORCID iD checked (format and ISO 7064 MOD 11-2 check digit)."""

import json

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wagtail.test.utils.form_data import nested_form_data, rich_text

from talks.models import Speaker
from talks.snippets import orcid_check_digit, validate_orcid
from tests.factories import make_speaker, make_talk, shanghai

pytestmark = pytest.mark.django_db

# Published by ORCID as examples (https://support.orcid.org/hc/en-us/articles/360006897674).
VALID_ORCIDS = ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"]


@pytest.mark.parametrize("orcid", VALID_ORCIDS)
def test_valid_orcid_ids_are_accepted(orcid):
    validate_orcid(orcid)


@pytest.mark.parametrize(
    "orcid, code",
    [
        ("0000-0002-1825-0098", "orcid_checksum"),  # last digit wrong
        ("0000-0002-1825-0079", "orcid_checksum"),  # two digits swapped
        ("0000-0002-1694-2330", "orcid_checksum"),  # X is the right check character
        ("0000000218250097", "orcid_format"),
        ("https://orcid.org/0000-0002-1825-0097", "orcid_format"),
        ("0000-0002-1825-009", "orcid_format"),
        ("0000-0002-1825-0097 ", "orcid_format"),
        ("0000-000X-1825-0097", "orcid_format"),
        ("0000-0002-1825-009x", "orcid_format"),
        ("٠٠٠٠-٠٠٠٢-١٨٢٥-٠٠٩٧", "orcid_format"),  # Arabic-Indic digits match \d, not ORCID
    ],
)
def test_bad_orcid_ids_are_refused(orcid, code):
    with pytest.raises(ValidationError) as error:
        validate_orcid(orcid)
    assert error.value.code == code


@given(digits=st.text(alphabet="0123456789", min_size=16, max_size=16), position=st.integers(0, 14))
def test_changing_any_one_digit_of_a_valid_id_breaks_its_check_digit(digits, position):
    base = digits[:15]
    valid = base + orcid_check_digit(base)
    formatted = "-".join(valid[i : i + 4] for i in range(0, 16, 4))
    validate_orcid(formatted)
    wrong = str((int(base[position]) + 1) % 10)
    typo = base[:position] + wrong + base[position + 1 :]
    assert orcid_check_digit(typo) != valid[15]  # MOD 11-2 catches every single-digit error
    with pytest.raises(ValidationError):
        validate_orcid("-".join((typo + valid[15])[i : i + 4] for i in range(0, 16, 4)))


def test_editor_gets_a_form_error_for_a_bad_orcid(client, moderator):
    def post(orcid):
        data = {"name": "Jian Li", "slug": "", "bio": rich_text(""), "homepage": ""}
        return client.post(
            reverse("wagtailsnippets_talks_speaker:add"), nested_form_data(data | {"orcid": orcid})
        )

    response = post("0000-0002-1825-0098")
    assert response.status_code == 200
    assert "not a valid ORCID iD" in response.content.decode()
    assert not Speaker.objects.exists()
    assert post("0000-0002-1825-0097").status_code == 302
    assert Speaker.objects.get().orcid == "0000-0002-1825-0097"


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_speaker_page_links_homepage_and_orcid(client, series):
    ada = make_speaker(
        "Ada Example", homepage="https://ada.example.org/", orcid="0000-0002-1825-0097"
    )
    make_talk(series, "Ada's talk", speakers=[ada])
    html = soup(client.get(ada.get_absolute_url()))
    links = {a.get_text(" ", strip=True): a["href"] for a in html.select(".speaker-links a")}
    assert links == {
        "Homepage": "https://ada.example.org/",
        "ORCID 0000-0002-1825-0097": "https://orcid.org/0000-0002-1825-0097",
    }


def test_speaker_page_without_links_shows_none(client, series):
    ada = make_speaker("Ada Example")
    make_talk(series, "Ada's talk", speakers=[ada])
    assert soup(client.get(ada.get_absolute_url())).select(".speaker-links") == []


def test_speaker_page_lists_every_talk_with_slides_and_recording(client, series):
    ada = make_speaker("Ada Example")
    make_talk(series, "Upcoming", speakers=[ada], slides_url="https://slides.example.org/u")
    make_talk(
        series,
        "Past with both",
        start=shanghai(2024, 9, 25),
        speakers=[ada],
        slides_url="https://slides.example.org/p",
        recording_url="https://video.example.org/p",
    )
    make_talk(series, "Past bare", start=shanghai(2023, 3, 1), speakers=[ada])
    make_talk(series, "Not hers", speakers=[make_speaker("Bo Sample")])

    html = soup(client.get(ada.get_absolute_url()))
    cards = {
        card.select_one(".talk-card-title a").get_text(strip=True): {
            a.contents[0].strip(): a["href"] for a in card.select(".talk-card-links a")
        }
        for card in html.select(".talk-card")
    }
    assert cards == {
        "Upcoming": {"Slides": "https://slides.example.org/u"},
        "Past with both": {
            "Slides": "https://slides.example.org/p",
            "Recording": "https://video.example.org/p",
        },
        "Past bare": {},
    }
    # Each link names its talk for a screen reader, where "Slides" alone is ambiguous.
    slides = html.select_one(".talk-card-links a")
    assert slides.get_text(strip=True) == "Slides: Upcoming"


def test_speaker_page_offers_the_speaker_calendar_of_each_series(client, series):
    ada = make_speaker("Ada Example")
    make_talk(series, "Ada's talk", speakers=[ada])
    html = soup(client.get(ada.get_absolute_url()))
    (link,) = html.select(".subscribe a")
    assert link["href"] == series.url + "calendar/?speaker=ada-example"
    assert client.get(link["href"]).status_code == 200


def test_talk_page_shows_the_speakers_orcid(client, series):
    ada = make_speaker("Ada Example", orcid="0000-0002-1694-233X")
    talk = make_talk(series, speakers=[ada])
    html = soup(client.get(talk.url))
    assert html.select_one('.speakers a[href="https://orcid.org/0000-0002-1694-233X"]')
    event = json.loads(html.select_one('script[type="application/ld+json"]').string)
    assert event["performer"][0]["sameAs"] == ["https://orcid.org/0000-0002-1694-233X"]


visitor_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(["speaker", "topic", "year", "alarm"]), visitor_text, max_size=4
    )
)
def test_no_calendar_query_makes_a_500(client, series, params):
    if not Speaker.objects.exists():
        talk = make_talk(series, "Fuzzed", topics=["optimization"])
    talk = series.get_children().first()
    for url in (series.url + "calendar/", talk.url + "calendar/"):
        response = client.get(url, params)
        assert response.status_code in {200, 400, 404}, (url, params)
