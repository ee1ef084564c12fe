"""The series' Atom feed, parsed by feedparser and checked field by field."""

import feedparser
import pytest

from tests.factories import make_speaker, make_talk, shanghai

pytestmark = pytest.mark.django_db


def test_atom_feed(client, series):
    ada = make_speaker("Ada Example")
    first = make_talk(
        series,
        "First talk",
        start=shanghai(2024, 9, 25, 16),
        speakers=[ada],
        topics=["optimization"],
        abstract="<p>On sharpness.</p>",
    )
    make_talk(series, "Called off", status="cancelled")
    make_talk(series, "Not yet published", publish=False)

    response = client.get(series.url + "feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Seminar"
    assert feed.feed.link == "http://testserver/talks/"

    entries = {e.title: e for e in feed.entries}
    assert set(entries) == {"First talk", "Cancelled: Called off"}
    entry = entries["First talk"]
    assert entry.link == "http://testserver" + first.url
    assert entry.id == f"tag:seminar.test,2024:talk-{first.pk}"
    assert entry.author == "Ada Example"
    assert [t.term for t in entry.tags] == ["optimization"]
    assert "Wednesday 25 September 2024, 16:00 (Asia/Shanghai, UTC+8)" in entry.summary
    assert "On sharpness." in entry.summary
    assert entry.published_parsed is not None and entry.updated_parsed is not None
