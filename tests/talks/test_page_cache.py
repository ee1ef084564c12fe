"""Talk pages rendered once per version for visitors, and never stale where it matters."""

import pytest
from django.contrib.auth.models import Group, User

from demos.blocks import demo_block
from demos.registry import get_demo
from demos.runs import request_run
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
