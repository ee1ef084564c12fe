"""Talk pages rendered once per version for visitors, and never stale where it matters."""

import time
from io import BytesIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Site

from demos.blocks import demo_block
from demos.models import DemoRun
from demos.registry import get_demo
from demos.runs import request_run
from talks.models import TalkPage
from talks.page_cache import RENDERED_PAGE_SECONDS, rendered_page_key
from tests.demos.conftest import run_worker
from tests.factories import make_speaker, make_talk

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")


def make_image():
    png = BytesIO()
    PILImage.new("RGB", (8, 8), "teal").save(png, "PNG")
    return get_image_model().objects.create(
        title="Portrait", file=ImageFile(png, name="portrait.png")
    )


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
    assert f"/runs/{run.public_id}/" in client.get(talk.url).content.decode()


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


def rendered(response) -> bool:
    return "talks/talk_page.html" in [template.name for template in response.templates]


def test_any_port_or_alias_of_an_allowed_host_shares_the_sites_copy(client, series):
    # Keyed by the Host header, each new port forced a fresh render: a way around the cache.
    talk = talk_with_demo(series)
    assert rendered(client.get(talk.url))
    for host in ["127.0.0.1:1", "127.0.0.1:2", "testserver:8080", "localhost"]:
        response = client.get(talk.url, HTTP_HOST=host)
        assert response.status_code == 200 and not rendered(response), host


def test_a_host_django_does_not_allow_is_refused_without_rendering(client, series):
    talk = talk_with_demo(series)
    response = client.get(talk.url, HTTP_HOST="attacker.example:1")
    assert response.status_code == 400 and not rendered(response)


def test_each_site_gets_its_own_copy(client, series):
    # The page's absolute links (canonical, JSON-LD, Open Graph) name the site that serves it.
    talk = talk_with_demo(series)
    Site.objects.create(hostname="localhost", port=80, root_page=talk.get_site().root_page)
    assert rendered(client.get(talk.url))
    on_localhost = client.get(talk.url, HTTP_HOST="localhost")
    assert rendered(on_localhost)
    assert f'"url": "http://localhost{talk.url}"' in on_localhost.content.decode()  # JSON-LD
    assert not rendered(client.get(talk.url, HTTP_HOST="localhost:8000"))


def test_the_shared_copy_names_no_address_a_visitor_made_up(client, series):
    # The first request's Host header must not reach the page that everyone is then served.
    speaker = make_speaker(photo=make_image())
    talk = make_talk(series, speakers=[speaker])
    client.get(talk.url, HTTP_HOST="127.0.0.1:6666")
    html = client.get(talk.url).content.decode()
    assert '<meta property="og:image" content="http://testserver/' in html
    assert "6666" not in html


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
