"""Demo runs in the Wagtail admin: the list, and an editor hiding, re-queueing and deleting runs
through the real admin views, with what visitors and workers then see."""

import re
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django_tasks_db.models import DBTaskResult

from demos.models import DemoRun
from demos.registry import get_demo
from demos.runs import NotARecordedRun, request_run, set_hidden
from seminar_site import page_cache
from tests.demos.conftest import run_worker
from tests.factories import make_talk, signed_in

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")
RUNS = "/admin/demo-runs/"


def quadratic(**params):
    return QUADRATIC.params(**params)


@pytest.fixture
def editor():
    return signed_in("editor", "Editors")


@pytest.fixture
def outsider():
    """Signed in and allowed into the admin, but not one of the editors."""
    return signed_in("outsider", permissions=("access_admin",))


def recorded_run(talk, steps=41):
    run, _ = request_run(QUADRATIC, quadratic(steps=steps), talk=talk, recorded_at_talk=True)
    return run


def failed_run(talk=None, steps=43) -> DemoRun:
    """A run that really failed in the worker (its simulation raised)."""
    run, _ = request_run(QUADRATIC, quadratic(steps=steps), talk=talk, limited=False)

    def broken(params, progress=None):
        raise RuntimeError("the simulation broke")

    with mock.patch.object(QUADRATIC.compute, "run", broken):
        run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.FAILED
    return run


def listed(client, query: str) -> list[str]:
    """The public ids of the runs the admin's list shows, in its order."""
    page = client.get(RUNS + query).content.decode()
    return re.findall(r"Run ([\w-]{16})\s*</a>", page)


def csrf_token(client, url) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


# --- the list -----------------------------------------------------------------------------------


def test_editors_groups_may_view_change_and_delete_runs_but_never_add_them():
    for name in ("Editors", "Moderators"):
        codenames = set(
            Group.objects.get(name=name)
            .permissions.filter(content_type__app_label="demos")
            .values_list("codename", flat=True)
        )
        assert codenames == {"view_demorun", "change_demorun", "delete_demorun"}


def test_the_list_shows_runs_newest_first_with_the_queue(series, editor):
    talk = make_talk(series, title="Sharpness at the talk")
    failed = failed_run(talk)
    recorded = recorded_run(talk)
    visitors, _ = request_run(QUADRATIC, quadratic(steps=45))
    DemoRun.objects.filter(pk=visitors.pk).update(status=DemoRun.Status.RUNNING)

    response = editor.get(RUNS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "In the queue now: 1 queued, 1 running." in page
    table = page.index('<table class="listing">')
    head = page[table : page.index("</thead>", table)]
    headings = re.findall(r"<th(?:\s[^>]*)?>\s*(?:<a[^>]*>)?\s*([^<]+?)\s*<", head)
    assert headings == [
        "Run", "Status", "Public", "Demo", "Talk", "Recorded at the talk",
        "Created", "Finished", "Seconds", "Error",
    ]  # fmt: skip
    assert listed(editor, "") == [visitors.public_id, recorded.public_id, failed.public_id]
    assert "Sharpness at the talk" in page and QUADRATIC.title in page
    assert failed.error_summary and failed.error_summary in page.replace("&#x27;", "'")
    assert listed(editor, "?status=failed") == [failed.public_id]
    assert listed(editor, "?recorded_at_talk=true") == [recorded.public_id]
    assert listed(editor, f"?talk={talk.pk}") == [recorded.public_id, failed.public_id]
    assert "Demo runs" in editor.get("/admin/").content.decode()  # the menu item


def test_a_long_error_is_shortened_to_its_first_line():
    run = DemoRun(error="The worker stopped.\nTraceback (most recent call last): ...")
    assert run.error_summary == "The worker stopped."
    run.error = "x" * 200
    assert len(run.error_summary) == 80 and run.error_summary.endswith("…")


def test_non_editors_neither_see_nor_change_runs(series, outsider):
    run = recorded_run(make_talk(series))
    assert outsider.get(RUNS).status_code in (302, 403)
    assert "Demo runs" not in outsider.get("/admin/").content.decode()
    for action in ("hide", "requeue", "delete"):
        outsider.post(f"{RUNS}{action}/{run.pk}/")
    run.refresh_from_db()
    assert not run.hidden and DemoRun.objects.filter(pk=run.pk).exists()
    anonymous = Client().get(RUNS)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


# --- hide ---------------------------------------------------------------------------------------


def test_a_hidden_run_leaves_the_talk_page_and_its_own_page_is_a_404(series):
    editor = signed_in("editor", "Editors", csrf_checks=True)
    talk = make_talk(series)
    keep, mistake = recorded_run(talk, steps=41), recorded_run(talk, steps=42)
    run_worker()
    visitor = Client()
    before = visitor.get(talk.url).content.decode()  # now in the visitors' page cache
    assert f"/runs/{mistake.public_id}/" in before and f"/runs/{keep.public_id}/" in before

    url = f"{RUNS}hide/{mistake.pk}/"
    confirm = editor.get(url)
    assert confirm.status_code == 200 and "Yes, hide it" in confirm.content.decode()
    mistake.refresh_from_db()
    assert not mistake.hidden  # asking is not doing
    assert editor.post(url).status_code == 403  # no CSRF token
    response = editor.post(url, {"csrfmiddlewaretoken": editor.cookies["csrftoken"].value})
    assert response.status_code == 302 and response["Location"] == RUNS
    mistake.refresh_from_db()
    assert mistake.hidden and mistake.status == DemoRun.Status.DONE  # kept, not deleted
    history = editor.get(f"{RUNS}history/{mistake.pk}/").content.decode()
    assert "Hidden from the public" in history and "editor" in history

    after = visitor.get(talk.url).content.decode()
    assert f"/runs/{mistake.public_id}/" not in after and f"/runs/{keep.public_id}/" in after
    assert visitor.get(f"/runs/{mistake.public_id}/").status_code == 404
    assert visitor.get(f"/api/runs/{mistake.public_id}").status_code == 404
    assert visitor.get(f"/runs/{keep.public_id}/").status_code == 200
    present = editor.get(talk.url + "present/").content.decode()
    assert mistake.public_id not in present and keep.public_id in present
    listed = editor.get(RUNS).content.decode()
    assert "Hidden" in listed and "Show to the public again" in listed

    # Shown again, it is back where it was.
    token = csrf_token(editor, f"{RUNS}show/{mistake.pk}/")
    editor.post(f"{RUNS}show/{mistake.pk}/", {"csrfmiddlewaretoken": token})
    assert f"/runs/{mistake.public_id}/" in visitor.get(talk.url).content.decode()
    assert visitor.get(f"/runs/{mistake.public_id}/").status_code == 200


def test_only_runs_recorded_at_a_talk_can_be_hidden(series, editor):
    shared, _ = request_run(QUADRATIC, quadratic(steps=44))
    with pytest.raises(NotARecordedRun):
        set_hidden(shared, True)
    editor.post(f"{RUNS}hide/{shared.pk}/")
    shared.refresh_from_db()
    assert not shared.hidden
    assert "Hide from the public" not in editor.get(RUNS).content.decode()


def test_hiding_starts_a_new_generation_of_visitors_pages(series):
    run = recorded_run(make_talk(series))
    before = page_cache.generation()
    assert set_hidden(run, True)
    assert page_cache.generation() != before
    unchanged = page_cache.generation()
    assert not set_hidden(run, True)  # already hidden: nothing to change
    assert page_cache.generation() == unchanged


def test_the_presenter_running_a_hidden_runs_parameters_again_shows_it_again(series):
    talk = make_talk(series)
    run = recorded_run(talk)
    set_hidden(run, True)
    again = recorded_run(talk)
    assert again.pk == run.pk and not again.hidden
    assert list(DemoRun.objects.recorded_at(talk)) == [run]


# --- re-queue -----------------------------------------------------------------------------------


def test_a_failed_run_requeued_gets_exactly_one_new_task_and_then_computes(series):
    editor = signed_in("editor", "Editors", csrf_checks=True)
    run = failed_run(make_talk(series))
    old_task = run.task_id
    assert DBTaskResult.objects.filter(status="READY").count() == 0

    inspect = editor.get(f"{RUNS}inspect/{run.pk}/").content.decode()
    url = f"{RUNS}requeue/{run.pk}/"
    assert f'href="{url}"' in inspect and "Re-queue" in inspect
    token = csrf_token(editor, url)
    assert "Yes, re-queue it" in editor.get(url).content.decode()
    assert DemoRun.objects.get(pk=run.pk).status == DemoRun.Status.FAILED  # GET changes nothing
    response = editor.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert f"Run {run.public_id} is queued again." in response.content.decode()

    run.refresh_from_db()
    waiting = DBTaskResult.objects.filter(status="READY")
    assert waiting.count() == 1
    task = waiting.get()
    # What the worker reads: the run is queued afresh and the new task names it.
    assert run.status == DemoRun.Status.QUEUED and run.task_id == str(task.id) != old_task
    assert (run.attempts, run.error, run.failure, run.finished_at) == (0, "", "", None)
    assert task.args_kwargs["args"] == [run.pk] and task.priority == run.priority

    # A second click (or a second editor) finds nothing to re-queue.
    editor.post(url, {"csrfmiddlewaretoken": token})
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE and run.attempts == 1


def test_only_failed_runs_are_requeued(series, editor):
    run = recorded_run(make_talk(series))
    run_worker()
    tasks = DBTaskResult.objects.count()
    response = editor.post(f"{RUNS}requeue/{run.pk}/", follow=True)
    assert "Only a failed run can be re-queued" in response.content.decode()
    assert DBTaskResult.objects.count() == tasks
    assert DemoRun.objects.get(pk=run.pk).status == DemoRun.Status.DONE


# --- delete -------------------------------------------------------------------------------------


def test_deleting_a_run_asks_first_and_removes_it_from_the_talk_page(series, editor):
    talk = make_talk(series)
    run = recorded_run(talk)
    run_worker()
    visitor = Client()
    assert f"/runs/{run.public_id}/" in visitor.get(talk.url).content.decode()
    url = f"{RUNS}delete/{run.pk}/"
    assert "Yes, delete" in editor.get(url).content.decode()
    assert DemoRun.objects.filter(pk=run.pk).exists()
    assert editor.post(url).status_code == 302
    assert not DemoRun.objects.filter(pk=run.pk).exists()
    assert f"/runs/{run.public_id}/" not in visitor.get(talk.url).content.decode()
