"""The embeddable listing (/embed/talks/): upcoming talks any site may frame, links that open
in the framing window, refusals naming the value, stored like visitors' pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from talks.models import TalkIndexPage, TalkPage
from tests.factories import make_speaker, make_talk, shanghai

pytestmark = pytest.mark.django_db

EMBED = "/embed/talks/"


@pytest.fixture(autouse=True)
def own_generation(settings, tmp_path):
    """A generation stamp of this test's own: another test run on this machine (the same
    in-memory database name, so by default the same stamp file) must not start a new one."""
    settings.PAGE_CACHE_STAMP_FILE = str(tmp_path / "pages.stamp")


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def text(response) -> str:
    return response.content.decode()


def test_upcoming_talks_are_listed_with_speakers_time_and_place(client, series):
    speaker = make_speaker("Jian Li", affiliation="Tsinghua University")
    make_talk(series, title="Edge of stability", speakers=[speaker], start=shanghai(2099, 9, 25))
    make_talk(series, title="Called off", status=TalkPage.Status.CANCELLED)
    make_talk(series, title="Long ago", start=timezone.now() - timedelta(days=30))
    make_talk(series, title="Draft", publish=False)
    response = client.get(EMBED)
    assert response.status_code == 200
    page = text(response)
    shown = " ".join(strip_tags(page).split())
    assert "Edge of stability" in page and "Jian Li (Tsinghua University)" in page
    assert "Fri 25 Sep 2099, 16:00–17:00 (Asia/Shanghai, UTC+8)" in shown
    assert "Room 313, Computer Building" in page
    assert "Called off" in page and "badge-cancelled" in page
    assert "Long ago" not in page and "Draft" not in page
    assert "<script" not in page  # nothing to run inside another site's page


def test_every_link_opens_in_the_framing_window(client, series):
    make_talk(series, title="One")
    make_talk(series, title="Two")
    links = re.findall(r"<a\b[^>]*>", text(client.get(EMBED)))
    assert len(links) == 3  # two talks and "All talks"
    assert all('target="_top"' in link for link in links)


def test_the_series_and_the_number_of_talks_can_be_chosen(client, series):
    other = TalkIndexPage(title="Colloquium", slug="colloquium")
    series.get_parent().add_child(instance=other)
    other.save_revision().publish()
    for n in range(7):
        make_talk(series, title=f"Seminar talk {n}", start=shanghai(2099, 1, 1 + n))
    make_talk(other, title="Colloquium talk", start=shanghai(2099, 2, 1))
    default = text(client.get(EMBED))
    assert default.count('class="title"') == 5  # a few, the soonest
    assert "Seminar talk 4" in default and "Seminar talk 5" not in default
    chosen = text(client.get(EMBED, {"series": "colloquium", "limit": 2}))
    assert "Upcoming talks: Colloquium" in chosen and chosen.count('class="title"') == 1
    assert 'href="/colloquium/"' in chosen  # "All talks" leads to the series
    assert text(client.get(EMBED, {"limit": 20})).count('class="title"') == 8


def test_no_upcoming_talk_says_so(client, series):
    assert "No upcoming talks have been announced yet." in text(client.get(EMBED))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 21}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"series": "nope"}, "series"),
        ({"speaker": "nobody"}, "speaker"),
        ({"from": "2024-13-01"}, "from"),
        ({"when": "past"}, "when"),
    ],
)
def test_a_bad_value_is_a_400_naming_it(client, series, query, field):
    make_talk(series)
    response = client.get(EMBED, query)
    assert response.status_code == 400
    assert f"<code>{field}</code>" in text(response)


# --- framing ------------------------------------------------------------------------------------


def test_any_site_may_frame_the_embed_and_no_other_page(client, series):
    talk = make_talk(series)
    # A HEAD request, as link checkers and site builders make, is told the same (rendered).
    head = client.head(EMBED)
    assert head.status_code == 200 and csp_directives(head)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in head
    for _ in range(2):  # rendered, then served from the visitors' page cache
        embed = client.get(EMBED)
        assert csp_directives(embed)["frame-ancestors"] == "*"
        assert "X-Frame-Options" not in embed
        # The rest of the policy stays the site's.
        assert csp_directives(embed)["script-src"] == "'self'"
    for path in ("/", "/talks/", talk.url, "/api/talks"):
        other = client.get(path)
        assert csp_directives(other)["frame-ancestors"] == "'self'", path
        assert other["X-Frame-Options"] == "DENY", path


def test_the_embed_is_stored_and_follows_publications(client, series):
    talk = make_talk(series, title="Before")
    first = client.get(EMBED)
    assert "must-revalidate" in first["Cache-Control"]
    assert not client.get(EMBED).templates  # served from the cache, not rendered
    talk.title = "After"
    talk.save_revision().publish()
    assert "After" in text(client.get(EMBED))
