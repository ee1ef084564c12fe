"""Editors' admin for talks, through the real Wagtail views: the dashboard's upcoming talks, the
"Talks" listing, each demo block's default run in the page editor, and "Duplicate for a later
date"."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone
from wagtail.models import Page

from demos.blocks import demo_block
from demos.models import DemoRun
from demos.registry import get_demo
from talks.admin_views import duplicate_for_date
from talks.models import TalkPage
from tests.demos.conftest import run_worker
from tests.demos.test_blocks import block_value
from tests.factories import make_speaker, make_talk, shanghai, signed_in

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", "e@example.org", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


@pytest.fixture
def outsider():
    """Allowed into the admin, but with no rights on pages."""
    return signed_in("outsider", permissions=("access_admin",))


def with_demo(talk: TalkPage, **params) -> TalkPage:
    talk.body = [("demo_quadratic_stability", block_value(demo_block(QUADRATIC), **params))]
    talk.save_revision().publish()
    return TalkPage.objects.get(pk=talk.pk)


def text(response) -> str:
    return " ".join(response.content.decode().split())


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_lists_the_next_five_talks_with_their_status(series, editor):
    now = timezone.now()
    make_talk(series, title="Already given", start=now - timedelta(days=3))
    for day in range(1, 7):
        make_talk(series, title=f"Talk in {day} days", start=now + timedelta(days=day))
    draft = make_talk(series, title="A draft", start=now + timedelta(hours=5), publish=False)
    scheduled = make_talk(series, title="Scheduled", start=now + timedelta(hours=6), publish=False)
    scheduled.go_live_at = now + timedelta(hours=1)
    scheduled.save_revision().publish()

    page = text(editor.get("/admin/"))
    panel = page[page.index("Upcoming talks") : page.index("All talks")]
    titles = re.findall(r'title="Edit this talk">([^<]+)</a>', panel)
    assert titles == ["A draft", "Scheduled", "Talk in 1 days", "Talk in 2 days", "Talk in 3 days"]
    assert f'href="/admin/pages/{draft.pk}/edit/"' in panel
    assert "Current page status:</span> draft" in panel
    assert "Current page status:</span> scheduled" in panel
    assert "Current page status:</span> live" in panel
    assert "Ada Example" in panel  # the speaker
    local = draft.start.astimezone(draft.zone)
    shown = f"{local:%a} {local.day} {local:%b %Y, %H:%M} Asia/Shanghai, UTC+8"
    assert shown in re.sub("<[^>]+>", "", panel)
    add = f'href="/admin/pages/add/talks/talkpage/{series.pk}/"'
    assert add in panel and "Add talk</a>" in panel
    assert editor.get(f"/admin/pages/add/talks/talkpage/{series.pk}/").status_code == 200


def test_the_dashboard_offers_no_talk_to_edit_or_add_without_page_rights(series, outsider):
    make_talk(series, title="Next week's talk")
    page = text(outsider.get("/admin/"))
    assert "Upcoming talks" in page and "No upcoming talks." in page
    assert "Next week's talk" not in page and "Add talk</a>" not in page


# --- the "Talks" listing ------------------------------------------------------------------------


def test_the_talks_listing_has_date_speaker_and_status_newest_first(series, editor):
    speaker = make_speaker("Jian Li")
    make_talk(series, title="Earlier", start=shanghai(2024, 9, 25, 16, 0), speakers=[speaker])
    make_talk(series, title="Later", start=shanghai(2024, 10, 9, 16, 0), publish=False)
    make_talk(series, title="Cancelled one", start=shanghai(2024, 10, 2), status="cancelled")
    assert "Talks" in re.findall(r'"label": "([^"]+)"', editor.get("/admin/").content.decode())

    page = text(editor.get("/admin/talks/"))
    table = page[page.index('<table class="listing') :]
    head = table[: table.index("</thead>")]
    headings = re.findall(r"<th[^>]*>(?:\s*<a[^>]*>)?\s*([^<]+?)\s*<", head)
    assert [h for h in headings if h.strip()] == [
        "Title", "Date", "Speaker", "Talk", "Page status", "Series"
    ]  # fmt: skip
    rows = re.findall(r'data-object-id="(\d+)"', table)
    titles = [TalkPage.objects.get(pk=row).title for row in rows]
    assert titles == ["Later", "Cancelled one", "Earlier"]  # by date, newest first
    assert "Wed 25 Sep 2024, 16:00 (Asia/Shanghai, UTC+8)" in table and "Jian Li" in table
    assert "Cancelled" in table and "draft" in table and "live" in table
    oldest_first = text(editor.get("/admin/talks/?ordering=start"))
    assert oldest_first.index("Earlier") < oldest_first.index("Later")


def test_the_talks_listing_is_for_editors(series, outsider):
    make_talk(series)
    assert outsider.get("/admin/talks/").status_code in (302, 403)
    assert Client().get("/admin/talks/").status_code == 302  # to the login


# --- each demo block's default run in the page editor --------------------------------------------


def test_the_editor_shows_each_demo_blocks_default_run(series, editor):
    talk = with_demo(make_talk(series))
    run = DemoRun.objects.get()
    edit = f"/admin/pages/{talk.pk}/edit/"
    page = text(editor.get(edit))
    assert "Demo charts" in page
    queued = "(Watch the zig-zag): Queued: waiting for a demo worker."
    assert f"{QUADRATIC.title}</strong> {queued}" in page
    link = re.search(rf'<a href="/admin/demo-runs/inspect/{run.pk}/"[^>]*>([^<]*)</a>', page)
    assert link and link.group(1) == f"Run {run.public_id}"
    assert f'href="/admin/demo-runs/?talk={talk.pk}"' in page

    run_worker()
    run.refresh_from_db()
    assert f"Done in {run.seconds:.1f} s." in text(editor.get(edit))

    DemoRun.objects.filter(pk=run.pk).update(
        status=DemoRun.Status.FAILED, error="The simulation stopped with an error."
    )
    assert "Failed: The simulation stopped with an error." in text(editor.get(edit))

    # A draft with other parameters: its chart is not computed until it is published.
    draft = talk.get_latest_revision_as_object()
    draft.body = [("demo_quadratic_stability", block_value(demo_block(QUADRATIC), steps=77))]
    draft.save_revision()
    assert "Not computed yet: it is queued when the page is published." in text(editor.get(edit))


def test_a_talk_without_demos_has_no_demo_charts_panel(series, editor):
    talk = make_talk(series)
    assert "Demo charts" not in text(editor.get(f"/admin/pages/{talk.pk}/edit/"))
    assert "Demo charts" not in text(editor.get(f"/admin/pages/add/talks/talkpage/{series.pk}/"))


# --- duplicate for a later date -----------------------------------------------------------------


def test_duplicating_shifts_start_and_end_and_keeps_the_body(series, editor):
    speaker = make_speaker("Jian Li")
    talk = make_talk(
        series,
        title="Edge of stability",
        start=shanghai(2024, 9, 25, 16, 0),
        minutes=90,
        speakers=[speaker],
        topics=["optimization"],
        recording_url="https://example.org/recording",
        status="postponed",
    )
    talk = with_demo(talk, steps=55)
    sequence = TalkPage.objects.get(pk=talk.pk).calendar_fingerprint
    assert sequence  # published: its calendar state is recorded

    url = f"/admin/talks/{talk.pk}/duplicate/"
    form = text(editor.get(url))
    assert "Local time at the venue (Asia/Shanghai, UTC+8)" in form
    assert 'value="2024-10-02 16:00"' in form  # a week later, by default

    response = editor.post(url, {"start": "2024-10-09 15:30"})
    copy = TalkPage.objects.exclude(pk=talk.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{copy.pk}/edit/"
    assert copy.start == shanghai(2024, 10, 9, 15, 30)
    assert copy.end == shanghai(2024, 10, 9, 17, 0)  # the same 90 minutes
    assert not copy.live and copy.has_unpublished_changes
    assert copy.get_parent().pk == series.pk and copy.slug == "edge-of-stability-2024-10-09"
    assert copy.title == "Edge of stability" and copy.speakers == [speaker]
    assert [t.name for t in copy.topics.all()] == ["optimization"]
    assert copy.status == TalkPage.Status.SCHEDULED and copy.recording_url == ""
    assert (copy.calendar_sequence, copy.calendar_fingerprint) == (0, "")
    [block] = copy.demo_blocks()
    assert block.value["params"]["steps"] == 55 and block.value["caption"] == "Watch the zig-zag"
    # What the editor is sent to edit is the copy's draft, with the same times.
    latest = copy.get_latest_revision_as_object()
    assert (latest.start, latest.end) == (copy.start, copy.end)
    assert [b.value["params"]["steps"] for b in latest.demo_blocks()] == [55]
    # The original is untouched.
    talk.refresh_from_db()
    assert talk.start == shanghai(2024, 9, 25, 16, 0) and talk.live


def test_duplicating_moves_the_draft_times_and_refuses_an_earlier_date(series, editor):
    talk = make_talk(series, start=shanghai(2024, 9, 25, 16, 0), minutes=60)
    draft = talk.get_latest_revision_as_object()
    draft.start, draft.end = shanghai(2024, 9, 25, 18, 0), shanghai(2024, 9, 25, 20, 0)
    draft.save_revision()  # unpublished: the editor sees 18:00-20:00

    refused = editor.post(f"/admin/talks/{talk.pk}/duplicate/", {"start": "2024-09-25 17:00"})
    assert refused.status_code == 200 and "Choose a start after this talk" in text(refused)
    assert TalkPage.objects.count() == 1

    copy = duplicate_for_date(talk, shanghai(2024, 9, 26, 9, 0))
    assert (copy.start, copy.end) == (shanghai(2024, 9, 26, 9, 0), shanghai(2024, 9, 26, 11, 0))
    again = duplicate_for_date(talk, shanghai(2024, 9, 26, 10, 0))
    assert again.slug == "a-talk-2024-09-26-1"  # a free slug in the series


def test_duplicate_is_offered_to_editors_and_refused_to_others(series, editor, outsider):
    talk = make_talk(series)
    assert "Duplicate for a later date" in text(editor.get(f"/admin/pages/{talk.pk}/edit/"))
    assert "Duplicate for a later date" in text(editor.get("/admin/talks/"))
    assert "Duplicate for a later date" not in text(editor.get(f"/admin/pages/{series.pk}/edit/"))
    url = f"/admin/talks/{talk.pk}/duplicate/"
    assert outsider.post(url, {"start": "2030-01-01 10:00"}).status_code in (302, 403)
    assert Client().get(url).status_code == 302  # to the login
    assert Page.objects.type(TalkPage).count() == 1
