"""An editor's translation of a talk in the Wagtail admin, end to end: the English talk is
submitted for translation into Chinese, its title translated in wagtail-localize's editor and
the translation published; then the editor changes the time once, on the English page, and
the Chinese page shows the new time, its Chinese title kept."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Locale
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield
from wagtail_localize.models import StringSegment, Translation

from talks.models import TalkPage
from tests.factories import make_speaker, make_venue

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def editor(client):
    user = get_user_model().objects.create_superuser("editor", "e@example.org", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def chinese():
    return Locale.objects.get_or_create(language_code="zh-hans")[0]


def new_talk(series) -> TalkPage:
    speaker, venue = make_speaker(), make_venue()
    talk = TalkPage(
        title="Sharpness in transformers",
        slug="sharpness-in-transformers",
        start=datetime(2026, 12, 10, 16, 0, tzinfo=SHANGHAI),
        end=datetime(2026, 12, 10, 17, 30, tzinfo=SHANGHAI),
        venue=venue,
        abstract="<p>Where the edge of stability meets attention.</p>",
    )
    series.add_child(instance=talk)
    talk.speaker_links.create(speaker=speaker, sort_order=0)
    talk.save_revision().publish()
    return TalkPage.objects.get(pk=talk.pk)


def edit_form(talk: TalkPage, **changes) -> dict:
    """The English talk's edit form as the admin posts it, with ``changes``, to publish."""
    fields = {
        "title": talk.title,
        "slug": talk.slug,
        "start": f"{talk.start.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
        "end": f"{talk.end.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
        "venue": talk.venue_id,
        "status": talk.status,
        "recording_margin": talk.recording_margin,
        "abstract": rich_text(talk.abstract),
        "topics": "",
        "online_url": "",
        "online_visibility": talk.online_visibility,
        "online_minutes_before": talk.online_minutes_before,
        "slides_url": "",
        "recording_url": "",
        "body": streamfield([]),
        "speaker_links": inline_formset(
            [{"id": link.pk, "speaker": link.speaker_id} for link in talk.speaker_links.all()],
            initial=talk.speaker_links.count(),
            min=1,
        ),
        "action-publish": "action-publish",
        **changes,
    }
    return nested_form_data(fields)


def test_an_editor_translates_a_new_talk_and_its_time_follows_the_english_page(
    editor, chinese, series, django_capture_on_commit_callbacks
):
    talk = new_talk(series)
    # "Translate" from the page's menu, into Chinese.
    response = editor.post(f"/admin/localize/submit/page/{talk.pk}/", {"locales": [chinese.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    translated = TalkPage.objects.get(translation_key=talk.translation_key, locale=chinese)
    assert response["Location"] == f"/admin/pages/{translated.pk}/edit/"
    # In wagtail-localize's editor, the title's string is translated, then the page published.
    translation = Translation.objects.get(source__object_id=talk.translation_key)
    title = StringSegment.objects.get(source=translation.source, context__path="title")
    saved = editor.put(
        f"/admin/localize/translate/{translation.pk}/strings/{title.pk}/edit/",
        "value=变换器中的锐度",
        content_type="application/x-www-form-urlencoded",
    )
    assert saved.status_code == 201, saved.content.decode()[:500]
    with django_capture_on_commit_callbacks(execute=True):
        published = editor.post(f"/admin/pages/{translated.pk}/edit/", {"action": "publish"})
    assert published.status_code == 302
    translated.refresh_from_db()
    assert translated.live and translated.title == "变换器中的锐度"
    assert translated.start == talk.start

    # The editor moves the talk by an hour, once, on the English page.
    with django_capture_on_commit_callbacks(execute=True):
        moved = editor.post(
            f"/admin/pages/{talk.pk}/edit/",
            edit_form(talk, start="2026-12-10 17:00", end="2026-12-10 18:30"),
        )
    assert moved.status_code == 302, moved.context and moved.context["form"].errors
    talk.refresh_from_db()
    translated.refresh_from_db()
    assert talk.start == datetime(2026, 12, 10, 17, 0, tzinfo=SHANGHAI)
    assert translated.start == talk.start and translated.end == talk.end
    assert translated.title == "变换器中的锐度" and translated.live
    page = editor.get(translated.url).content.decode()
    assert "2026年12月10日" in page and "17:00" in page and "变换器中的锐度" in page
