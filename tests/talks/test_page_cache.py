"""Visitors' pages served from the cache: without routing or a query, never stale where it
matters, never anyone's own, compressed once, and answered 304 when the browser has them."""

import gzip
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import PageViewRestriction, Site

from demos.blocks import demo_block
from demos.models import DemoRun
from demos.registry import get_demo
from demos.runs import request_run
from seminar_site import page_cache
from talks.models import TalkPage
from talks.snippets import Speaker
from tests.demos.conftest import run_worker
from tests.factories import make_speaker, make_talk

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")
ROOT = Path(__file__).resolve().parents[2]


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


def rendered(response) -> bool:
    """Whether this answer was rendered for the request, rather than served from the cache."""
    return bool(response.templates)


def text(response) -> str:
    return response.content.decode()


def make_editor() -> User:
    editor = User.objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Moderators"))
    return editor


# --- served from the cache --------------------------------------------------------------------


def test_a_stored_page_is_served_without_routing_or_a_query(
    client, series, django_assert_num_queries
):
    talk = talk_with_demo(series)
    first = client.get(talk.url)
    assert rendered(first)
    with django_assert_num_queries(0):
        again = client.get(talk.url)
    assert not rendered(again)
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    # The headers of the rendered page come along: the site's security policy among them.
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/talks/", "/talks/feed/", "/talks/calendar/"])
def test_listings_and_subscriptions_are_served_from_the_cache_too(client, series, path):
    talk_with_demo(series)
    first = client.get(path)
    assert first.status_code == 200
    again = client.get(path)
    assert again.content == first.content and not rendered(again)


def test_the_api_is_never_stored(client, series):
    # A run in progress is polled there: each answer must be the latest.
    run, _ = request_run(QUADRATIC, QUADRATIC.params(steps=43))
    url = f"/api/runs/{run.public_id}"
    assert client.get(url).json()["progress"] == 0
    DemoRun.objects.filter(pk=run.pk).update(progress=0.5)  # no new status: no invalidation
    assert client.get(url).json()["progress"] == 0.5


# --- never stale where it matters -------------------------------------------------------------


def test_a_finished_run_and_a_new_publication_show_at_once(client, series):
    talk = talk_with_demo(series)
    assert "being computed" in text(client.get(talk.url))
    run_worker()
    assert 'data-status="done"' in text(client.get(talk.url))
    talk.title = "Cached, renamed"
    talk.save_revision().publish()
    assert "Cached, renamed" in text(client.get(talk.url))
    assert "Cached, renamed" in text(client.get("/talks/"))  # and where it is listed


def test_a_run_recorded_at_the_talk_is_listed_at_once(client, series):
    talk = talk_with_demo(series)
    assert "Demos run at the talk" not in text(client.get(talk.url))
    run, _ = request_run(QUADRATIC, QUADRATIC.params(steps=41), talk=talk, recorded_at_talk=True)
    run_worker()
    assert f"/runs/{run.public_id}/" in text(client.get(talk.url))


def test_a_run_page_follows_its_run(client, series):
    run, _ = request_run(QUADRATIC, QUADRATIC.params(steps=45))
    url = f"/runs/{run.public_id}/"
    assert 'data-status="queued"' in text(client.get(url))
    assert not rendered(client.get(url))
    run_worker()
    assert 'data-status="done"' in text(client.get(url))


def test_an_unpublished_talk_is_gone_at_once(client, series):
    talk = talk_with_demo(series)
    assert client.get(talk.url).status_code == 200
    TalkPage.objects.get(pk=talk.pk).unpublish()  # as stored: this copy was never live
    assert client.get(talk.url).status_code == 404


def test_a_restriction_added_to_a_talk_applies_at_once(client, series):
    talk = talk_with_demo(series)
    assert client.get(talk.url).status_code == 200
    PageViewRestriction.objects.create(page=talk, restriction_type="login")
    assert client.get(talk.url).status_code == 302  # to the login page


def test_an_edited_speaker_shows_at_once(client, series):
    talk = talk_with_demo(series)
    speaker = talk.speakers[0]
    assert speaker.name in text(client.get(talk.url))
    speaker.name = "Renamed Speaker"
    speaker.save()
    assert "Renamed Speaker" in text(client.get(talk.url))


def test_a_change_without_a_signal_shows_within_the_cache_lifetime(client, series, monkeypatch):
    talk = talk_with_demo(series)
    speaker = talk.speakers[0]
    assert speaker.name in text(client.get(talk.url))
    Speaker.objects.filter(pk=speaker.pk).update(name="Quietly Renamed")  # no signal sent
    assert "Quietly Renamed" not in text(client.get(talk.url))  # the stored copy
    later = time.time() + settings.PAGE_CACHE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert "Quietly Renamed" in text(client.get(talk.url))


def test_an_invalidation_reaches_the_other_processes_of_the_host(client, series, tmp_path):
    # The default cache is each process's own: the web workers and the demo worker share the
    # generation through the stamp file. Here the other process is a real one.
    stamp = tmp_path / "pages.stamp"
    talk = talk_with_demo(series)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PAGE_CACHE_STAMP_FILE", str(stamp))
        assert rendered(client.get(talk.url))
        assert not rendered(client.get(talk.url))
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup();"
                "from seminar_site.page_cache import invalidate; invalidate()",
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "seminar_site.settings.test",
                "PAGE_CACHE_STAMP_FILE": str(stamp),
            },
            check=True,
        )
        assert rendered(client.get(talk.url))


def test_an_invalidation_reaches_other_hosts_through_a_shared_cache(client, series, tmp_path):
    # Two hosts have a stamp file each; the page cache (Redis or Memcached in production, this
    # process's LocMem here) is what they share.
    talk = talk_with_demo(series)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "PAGE_CACHE_STAMP_FILE", str(tmp_path / "host-b.stamp"))
        assert rendered(client.get(talk.url))
        assert not rendered(client.get(talk.url))
        patch.setattr(settings, "PAGE_CACHE_STAMP_FILE", str(tmp_path / "host-a.stamp"))
        page_cache.invalidate()  # host A publishes
        patch.setattr(settings, "PAGE_CACHE_STAMP_FILE", str(tmp_path / "host-b.stamp"))
        assert rendered(client.get(talk.url))


# --- never anyone's own -----------------------------------------------------------------------


def test_signed_in_editors_never_get_or_leave_a_stored_copy(client, series):
    talk = talk_with_demo(series)
    client.get(talk.url)
    client.force_login(make_editor())
    response = client.get(talk.url)
    assert rendered(response) and "Present the demos" in text(response)
    assert rendered(client.get(talk.url))  # every time
    client.logout()
    assert "Present the demos" not in text(client.get(talk.url))


def test_the_presenter_view_is_never_stored(client, series):
    talk = talk_with_demo(series)
    present = talk.url + "present/"
    client.force_login(make_editor())
    assert client.get(present).status_code == 200
    client.logout()
    assert client.get(present).status_code == 302  # to the login page, not the editor's view


def test_a_page_with_a_csrf_token_is_never_stored(client, series):
    # A password-protected talk asks for the password in a form with the visitor's own token.
    talk = talk_with_demo(series)
    PageViewRestriction.objects.create(page=talk, restriction_type="password", password="pw")
    first = client.get(talk.url)
    assert "csrfmiddlewaretoken" in text(first)
    other_visitor = client.__class__()
    again = other_visitor.get(talk.url)
    assert rendered(again)
    assert first.cookies["csrftoken"].value != again.cookies["csrftoken"].value


def test_a_visitor_with_messages_waiting_is_served_afresh(client, series):
    talk = talk_with_demo(series)
    client.get(talk.url)
    client.cookies["messages"] = "anything"
    assert rendered(client.get(talk.url))


def test_a_preview_is_never_stored(client, series):
    talk = talk_with_demo(series)
    client.force_login(make_editor())
    talk.title = "Draft title"
    talk.save_revision()
    preview = client.get(f"/admin/pages/{talk.pk}/view_draft/")
    assert "Draft title" in text(preview)
    client.logout()
    assert "Draft title" not in text(client.get(talk.url))


# --- hosts ------------------------------------------------------------------------------------


def test_any_port_or_alias_of_an_allowed_host_shares_the_sites_copy(client, series):
    # Keyed by the Host header, each new port forced a fresh render: a way around the cache.
    talk = talk_with_demo(series)
    assert rendered(client.get(talk.url))
    for host in ["127.0.0.1:1", "127.0.0.1:2", "testserver:8080", "localhost"]:
        response = client.get(talk.url, HTTP_HOST=host)
        assert response.status_code == 200 and not rendered(response), host


def test_a_host_django_does_not_allow_is_refused_without_rendering(client, series):
    talk = talk_with_demo(series)
    client.get(talk.url)
    response = client.get(talk.url, HTTP_HOST="attacker.example:1")
    assert response.status_code == 400
    assert "talks/talk_page.html" not in [template.name for template in response.templates]


def test_each_site_gets_its_own_copy(client, series):
    # The page's absolute links (canonical, JSON-LD, Open Graph) name the site that serves it.
    talk = talk_with_demo(series)
    Site.objects.create(hostname="localhost", port=80, root_page=talk.get_site().root_page)
    assert rendered(client.get(talk.url))
    on_localhost = client.get(talk.url, HTTP_HOST="localhost")
    assert rendered(on_localhost)
    assert f'"url": "http://localhost{talk.url}"' in text(on_localhost)  # JSON-LD
    assert not rendered(client.get(talk.url, HTTP_HOST="localhost:8000"))


def test_the_shared_copy_names_no_address_a_visitor_made_up(client, series):
    # The first request's Host header must not reach the page that everyone is then served.
    speaker = make_speaker(photo=make_image())
    talk = make_talk(series, speakers=[speaker])
    client.get(talk.url, HTTP_HOST="127.0.0.1:6666")
    html = text(client.get(talk.url))
    assert '<meta property="og:image" content="http://testserver/' in html
    assert "6666" not in html


@pytest.mark.parametrize(
    ("hostname", "port", "expected"),
    [
        ("a.org", 80, "http://a.org"),  # hostname and port
        ("a.org", 8080, "http://a.org:8080"),
        ("a.org", 9999, None),  # two sites on that name, neither on that port: not clear
        ("b.org", 1234, "http://b.org"),  # the one site of that name
        ("elsewhere.org", 80, "http://default.org"),  # no site of that name: the default
    ],
)
def test_sites_are_matched_as_wagtail_routes_them(hostname, port, expected):
    sites = [
        page_cache.KnownSite("default.org", 80, True, "http://default.org"),
        page_cache.KnownSite("a.org", 80, False, "http://a.org"),
        page_cache.KnownSite("a.org", 8080, False, "http://a.org:8080"),
        page_cache.KnownSite("b.org", 80, False, "http://b.org"),
    ]
    assert page_cache.site_root_url(hostname, port, sites) == expected


# --- conditional requests and compression -----------------------------------------------------


def test_a_browser_that_has_the_page_gets_304_until_it_changes(client, series):
    talk = talk_with_demo(series)
    first = client.get(talk.url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert "must-revalidate" in first["Cache-Control"]
    unchanged = client.get(talk.url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    since = client.get(talk.url, HTTP_IF_MODIFIED_SINCE=last_modified)
    assert since.status_code == 304
    talk.title = "Cached, changed"
    talk.save_revision().publish()
    changed = client.get(talk.url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Cached, changed" in text(changed)


def test_pages_are_stored_and_sent_compressed(client, series):
    talk = talk_with_demo(series)
    plain = client.get(talk.url)
    assert "Content-Encoding" not in plain
    compressed = client.get(talk.url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert compressed["Content-Encoding"] == "gzip" and not rendered(compressed)
    assert "Accept-Encoding" in compressed["Vary"] and "Cookie" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 2


# --- a CDN or Varnish in front ----------------------------------------------------------------


class PurgeRecorder(BaseHTTPRequestHandler):
    purged: list[str] = []

    def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
        self.purged.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def frontend_cache(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    PurgeRecorder.purged = []
    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_port}",
        }
    }
    yield PurgeRecorder.purged
    server.shutdown()


def test_a_cdn_in_front_is_purged_on_publication_and_when_runs_finish(
    client, series, frontend_cache, django_capture_on_commit_callbacks
):
    talk = talk_with_demo(series)
    with django_capture_on_commit_callbacks(execute=True):
        talk.title = "Cached, for the CDN"
        talk.save_revision().publish()
    assert {talk.url, talk.url + "calendar/", "/talks/", "/"} <= set(frontend_cache)
    assert "s-maxage" in client.get(talk.url)["Cache-Control"]

    frontend_cache.clear()
    run, _ = request_run(QUADRATIC, QUADRATIC.params(steps=47), talk=talk, recorded_at_talk=True)
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    assert talk.url in frontend_cache
