"""Talk pages rendered once per version for visitors, and never stale where it matters."""

import time

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from demos.blocks import demo_block
from demos.models import DemoRun
from demos.registry import get_demo
from demos.runs import request_run
from talks.models import TalkPage
from talks.page_cache import RENDERED_PAGE_SECONDS, rendered_page_key
from tests.demos.conftest import run_worker
from tests.factories import make_talk

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")


def talk_with_demo(series):
    block = demo_block(QUADRATIC)
    defaults = QUADRATIC.params().model_dump(mode="json")
    talk = make_talk(series, publish=False, title="Cached")
    talk.body = [("demo_quadratic_stability", block.to_python({"caption": "", "params": defaults}))]
    talk.save_revision().publish()
    return talk


def test_a_visitor_gets_the_page_rendered_once(client, series):
    talk = talk_with_demo(series)
    first = client.get(talk.url)
    again = client.get(talk.url)
    assert first.templates and not again.templates  # the second came from the cache
    assert again.content == first.content


def test_a_finished_run_and_a_new_publication_show_at_once(client, series):
    talk = talk_with_demo(series)
    assert "being computed" in client.get(talk.url).content.decode()
    run_worker()
    assert 'data-status="done"' in client.get(talk.url).content.decode()
    talk.title = "Cached, renamed"
    talk.save_revision().publish()
    assert "Cached, renamed" in client.get(talk.url).content.decode()


def test_a_run_recorded_at_the_talk_is_listed_at_once(client, series):
    talk = talk_with_demo(series)
    assert "Demos run at the talk" not in client.get(talk.url).content.decode()
    run, _ = request_run(QUADRATIC, QUADRATIC.params(steps=41), talk=talk, recorded_at_talk=True)
    run_worker()
    assert f"/runs/{run.pk}/" in client.get(talk.url).content.decode()


def test_signed_in_editors_never_get_the_visitors_copy(client, series):
    talk = talk_with_demo(series)
    client.get(talk.url)
    editor = User.objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(editor)
    response = client.get(talk.url)
    assert response.templates and "Present the demos" in response.content.decode()
    client.logout()
    assert "Present the demos" not in client.get(talk.url).content.decode()


def fresh(talk) -> TalkPage:
    """The talk as the next request loads it (each request's page looks up its runs once)."""
    return TalkPage.objects.get(pk=talk.pk)


def test_the_key_is_wagtails_cache_key_and_changes_with_a_runs_status(rf, series):
    talk = talk_with_demo(series)
    request = rf.get(talk.url)
    queued = fresh(talk)
    assert [run.status for run in queued.runs_shown["demo_runs"].values()] == ["queued"]
    assert rendered_page_key(queued, request).endswith(queued.cache_key)

    DemoRun.objects.filter(talk=talk).update(status=DemoRun.Status.RUNNING)
    running = fresh(talk)
    assert running.cache_key != queued.cache_key
    assert rendered_page_key(running, request) != rendered_page_key(queued, request)


def test_each_publication_has_its_own_cache_key_and_copy(client, rf, series):
    talk = talk_with_demo(series)
    first = fresh(talk)
    assert client.get(talk.url).templates
    talk.title = "Cached, second version"
    talk.save_revision().publish()
    second = fresh(talk)
    assert second.cache_key != first.cache_key
    assert client.get(talk.url).templates  # rendered again, not the first version's copy

    request = rf.get(talk.url)
    assert "Cached, second version" not in cache.get(rendered_page_key(first, request))
    assert "Cached, second version" in cache.get(rendered_page_key(second, request))


def test_each_host_gets_its_own_copy(client, series):
    # The page's absolute links (JSON-LD, Open Graph) are built from the address it was asked by.
    talk = talk_with_demo(series)
    assert client.get(talk.url).templates
    assert client.get(talk.url, HTTP_HOST="localhost").templates
    assert not client.get(talk.url, HTTP_HOST="localhost").templates


def test_an_edited_speaker_shows_within_the_cache_lifetime(client, series, monkeypatch):
    talk = talk_with_demo(series)
    speaker = talk.speakers[0]
    assert speaker.name in client.get(talk.url).content.decode()
    speaker.name = "Renamed Speaker"
    speaker.save()
    assert "Renamed Speaker" not in client.get(talk.url).content.decode()  # the cached copy
    later = time.time() + RENDERED_PAGE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert "Renamed Speaker" in client.get(talk.url).content.decode()
