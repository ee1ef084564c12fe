"""The site in English and Simplified Chinese: the seeded first talk in both, addresses that stay,
fields synchronized from the English page by wagtail-localize, one calendar event for both."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale
from wagtail_localize.models import TranslationSource

from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
from talks.models import HomePage, Speaker, TalkIndexPage, TalkPage, Venue
from tests.factories import signed_in

pytestmark = pytest.mark.django_db

# wagtail-localize publishes a translation when the transaction commits: run those callbacks.
committed = TestCase.captureOnCommitCallbacks

HOST = {"HTTP_HOST": "127.0.0.1:8000"}  # the seeded site's host (WAGTAILADMIN_BASE_URL)
FIRST_TALK = f"/talks/{FIRST_TALK_SLUG}/"
CHINESE_TITLE = "深度学习的理论基础：梯度算法的优化、泛化与隐式偏差"
# What /sitemap.xml listed for the seeded site before the site had languages (taken from the
# commit before them): every one must answer as it did.
SITEMAP_BEFORE_LANGUAGES = [
    "/",
    "/talks/",
    "/talks/theoretical-basis-of-deep-learning/",
    "/talks/implicit-bias-on-separable-data/",
    "/talks/sharpness-and-generalization-revisited/",
    "/talks/progressive-sharpening-in-practice/",
    "/talks/adversarial-examples-and-margins/",
    "/talks/sgd-noise-and-flat-minima/",
]
# Other addresses of that site that were public then, outside the sitemap.
OTHER_ADDRESSES_BEFORE = [
    "/talks/feed/",
    "/talks/calendar/",
    f"{FIRST_TALK}calendar/",
    "/speakers/jian-li/",
    "/search/?q=sharpness",
    "/embed/talks/",
    "/robots.txt",
    "/sitemap.xml",
    "/api/talks",
]


@pytest.fixture
def seeded(db):
    with committed(execute=True):
        call_command("seed_demo_content")


def chinese() -> Locale:
    return Locale.objects.get(language_code="zh-hans")


def english_talk() -> TalkPage:
    return TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="en")


def chinese_talk() -> TalkPage:
    return TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale=chinese())


def page(client: Client, path: str, **headers) -> str:
    response = client.get(path, **HOST, **headers)
    assert response.status_code == 200, path
    return response.content.decode()


def has_chinese(html: str) -> bool:
    """Whether the page has Chinese in it, other than the language switcher's "简体中文"."""
    html = re.sub(r'<nav class="language-switcher".*?</nav>', "", html, flags=re.S)
    return re.search(r"[\u4e00-\u9fff]", html) is not None


# --- languages and addresses ------------------------------------------------------------------


def test_both_languages_are_wagtail_locales(seeded):
    codes = set(Locale.objects.values_list("language_code", flat=True))
    assert codes == {"en", "zh-hans"}


@pytest.mark.parametrize("path", SITEMAP_BEFORE_LANGUAGES + OTHER_ADDRESSES_BEFORE)
def test_every_address_of_before_still_answers_in_english(client, seeded, path):
    response = client.get(path, **HOST)
    assert response.status_code == 200, path
    assert response.get("Content-Language", "en") == "en"


def test_the_sitemap_still_lists_every_english_address(client, seeded):
    listed = re.findall(r"<loc>http://127\.0\.0\.1:8000(.*?)</loc>", page(client, "/sitemap.xml"))
    assert set(SITEMAP_BEFORE_LANGUAGES) <= set(listed)


def test_the_sitemap_lists_both_languages_with_alternates(client, seeded):
    xml = page(client, "/sitemap.xml")
    base = "http://127.0.0.1:8000"
    assert f"<loc>{base}/zh-hans{FIRST_TALK}</loc>" in xml
    assert f"<loc>{base}/zh-hans/talks/</loc>" in xml
    entry = re.search(rf"<url><loc>{base}{FIRST_TALK}</loc>.*?</url>", xml).group(0)
    assert f'hreflang="zh-Hans" href="{base}/zh-hans{FIRST_TALK}"' in entry
    assert f'hreflang="en" href="{base}{FIRST_TALK}"' in entry


def test_the_first_talk_in_english_has_no_chinese(client, seeded):
    assert not has_chinese(page(client, FIRST_TALK))


def test_the_first_talk_in_chinese_lives_under_zh_hans(client, seeded):
    response = client.get(f"/zh-hans{FIRST_TALK}", **HOST)
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert CHINESE_TITLE in html
    assert "锐度" in html and "随机梯度下降" in html  # the abstract
    assert "李建" in html and "清华大学交叉信息研究院" in html  # the speaker and the bio
    assert "计算机楼" in html  # the venue
    assert "手写数字" in html  # a demo's caption


def test_the_chinese_home_and_series_list_the_chinese_talk(client, seeded):
    for path in ("/zh-hans/", "/zh-hans/talks/"):
        html = page(client, path)
        assert CHINESE_TITLE in html, path
        assert f'href="/zh-hans{FIRST_TALK}"' in html, path


def test_the_english_listings_show_each_talk_once(client, seeded):
    for path in ("/", "/talks/", "/speakers/jian-li/"):
        html = page(client, path)
        assert CHINESE_TITLE not in html, path
    assert page(client, "/speakers/jian-li/").count(f'href="{FIRST_TALK}"') == 1


def test_the_speaker_page_in_chinese(client, seeded):
    html = page(client, "/zh-hans/speakers/jian-li/")
    assert "李建" in html and CHINESE_TITLE in html


def test_the_public_api_lists_each_talk_once(client, seeded):
    items = client.get("/api/talks?limit=100", **HOST).json()["items"]
    titles = [item["title"] for item in items]
    assert CHINESE_TITLE not in titles and len(titles) == len(set(titles))


# --- translations kept by wagtail-localize --------------------------------------------------


def test_the_seeded_translations_are_wagtail_localize_translations(seeded):
    for original in (english_talk(), HomePage.objects.get(locale__language_code="en")):
        source = TranslationSource.objects.get_for_instance(original)
        assert source.translations.filter(target_locale=chinese(), enabled=True).exists()
    speaker = Speaker.objects.get(slug="jian-li", locale=chinese())
    assert (
        speaker.name == "李建"
        and speaker.homepage
        == Speaker.objects.get(slug="jian-li", locale__language_code="en").homepage
    )
    venue = Venue.objects.get(locale=chinese(), name="计算机楼 313")
    assert venue.time_zone == "Asia/Shanghai" and venue.room == "313"
    assert TalkIndexPage.objects.get(locale=chinese()).url == "/zh-hans/talks/"


def test_seeding_again_keeps_the_translations(seeded):
    before = chinese_talk().latest_revision_id
    with committed(execute=True):
        call_command("seed_demo_content")
    assert chinese_talk().latest_revision_id == before
    assert chinese_talk().title == CHINESE_TITLE


def superuser_client() -> Client:
    user = User.objects.create_superuser("admin", "admin@example.org", "pw")
    client = Client()
    client.force_login(user)
    return client


def sync_from_the_admin(original: TalkPage) -> None:
    """What a moderator does after changing the English page: wagtail-localize's "Sync
    translated pages" form, publishing the translations."""
    source = TranslationSource.objects.get_for_instance(original)
    with committed(execute=True):
        response = signed_in("mod", "Moderators").post(
            reverse("wagtail_localize:update_translations", args=[source.pk]),
            {"publish_translations": "on"},
        )
    assert response.status_code == 302


def test_a_time_changed_on_the_english_page_shows_on_the_chinese_one(client, seeded):
    original = english_talk()
    original.start += timedelta(hours=1)
    original.end += timedelta(hours=1)
    original.save_revision().publish()
    sync_from_the_admin(original)
    translated = chinese_talk()
    assert (translated.start, translated.end) == (english_talk().start, english_talk().end)
    assert translated.title == CHINESE_TITLE  # the translation is kept
    assert "17:00" in page(client, f"/zh-hans{FIRST_TALK}")


def test_demo_parameters_follow_the_english_page_and_captions_stay_translated(seeded):
    original = english_talk()
    block = next(b for b in original.body if b.block_type == "demo_quadratic_stability")
    block.value["params"]["steps"] = 77
    original.save_revision().publish()
    sync_from_the_admin(original)

    def demos(talk):
        return {b.block_type: b.value for b in talk.demo_blocks()}

    english, translated = demos(english_talk()), demos(chinese_talk())
    assert translated.keys() == english.keys()
    for kind, value in english.items():
        assert dict(translated[kind]["params"]) == dict(value["params"]), kind
    assert translated["demo_quadratic_stability"]["params"]["steps"] == 77
    assert has_chinese(translated["demo_quadratic_stability"]["caption"])


def test_synchronized_fields_are_the_english_pages(seeded):
    original, translated = english_talk(), chinese_talk()
    for name in ("start", "end", "status", "venue_id", "slides_url", "recording_url", "slug"):
        assert getattr(translated, name) == getattr(original, name), name
    assert [link.speaker_id for link in translated.speaker_links.all()] == [
        link.speaker_id for link in original.speaker_links.all()
    ]
    # Shown in the page's language all the same.
    assert translated.translated_venue.name == "计算机楼 313"
    assert [s.name for s in translated.speakers] == ["李建"]


def test_both_languages_are_one_calendar_event(client, seeded):
    def uid(path):
        return re.search(r"UID:(\S+)", page(client, path)).group(1)

    english_uid = uid(f"{FIRST_TALK}calendar/")
    assert english_uid == f"talk-{english_talk().pk}@seminar.test"  # as before translations
    assert uid(f"/zh-hans{FIRST_TALK}calendar/") == english_uid
    assert chinese_talk().calendar_uid() == english_uid


# --- the page cache ----------------------------------------------------------------------------


def test_the_page_cache_never_mixes_languages(client, seeded):
    for _ in range(2):  # rendered, then from the cache
        # A Chinese browser asking for an English address gets English, and the reverse.
        english = page(client, FIRST_TALK, HTTP_ACCEPT_LANGUAGE="zh-hans,zh;q=0.9")
        translated = page(client, f"/zh-hans{FIRST_TALK}", HTTP_ACCEPT_LANGUAGE="en")
        assert not has_chinese(english)
        assert CHINESE_TITLE in translated


def test_english_pages_are_still_stored(client, seeded, django_assert_num_queries):
    page(client, FIRST_TALK)
    with django_assert_num_queries(0):
        again = client.get(FIRST_TALK, **HOST)
    assert again.status_code == 200 and not again.templates
    assert "Accept-Language" not in again["Vary"]  # the address, not the header, decides


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_edits_both_languages(seeded):
    admin = superuser_client()
    for talk in (english_talk(), chinese_talk()):
        response = admin.get(reverse("wagtailadmin_pages:edit", args=[talk.pk]))
        assert response.status_code == 200, talk.locale
    for speaker in Speaker.objects.filter(slug="jian-li"):
        url = reverse("wagtailsnippets_talks_speaker:edit", args=[speaker.pk])
        assert admin.get(url).status_code == 200, speaker.locale


def test_a_translation_published_sends_no_second_announcement(seeded):
    from subscriptions.notices import notices_for_publication

    assert notices_for_publication(chinese_talk()) == 0


# --- the switcher, alternates, lang ------------------------------------------------------------


def switcher_links(html: str) -> dict[str, str]:
    """The switcher's links by their hreflang (the current language is not a link)."""
    nav = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)
    return {lang: href for href, lang in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', nav)}


def test_the_switcher_goes_to_the_same_talk_in_the_other_language(client, seeded):
    assert switcher_links(page(client, FIRST_TALK)) == {"zh-Hans": f"/zh-hans{FIRST_TALK}"}
    assert switcher_links(page(client, f"/zh-hans{FIRST_TALK}")) == {"en": FIRST_TALK}


def test_the_switcher_goes_home_where_there_is_no_translation_yet(client, seeded):
    html = page(client, "/talks/sgd-noise-and-flat-minima/")
    assert switcher_links(html) == {"zh-Hans": "/zh-hans/"}


def test_the_switcher_on_a_speaker_page(client, seeded):
    assert switcher_links(page(client, "/speakers/jian-li/")) == {
        "zh-Hans": "/zh-hans/speakers/jian-li/"
    }


def test_each_page_names_its_language_and_its_translations(client, seeded):
    base = "http://127.0.0.1:8000"
    for path, lang, og in (
        (FIRST_TALK, "en", "en_GB"),
        (f"/zh-hans{FIRST_TALK}", "zh-Hans", "zh_CN"),
    ):
        html = page(client, path)
        assert f'<html lang="{lang}">' in html
        assert f'<link rel="alternate" hreflang="en" href="{base}{FIRST_TALK}">' in html
        assert (
            f'<link rel="alternate" hreflang="zh-Hans" href="{base}/zh-hans{FIRST_TALK}">' in html
        )
        assert f'<link rel="alternate" hreflang="x-default" href="{base}{FIRST_TALK}">' in html
        assert f'<meta property="og:locale" content="{og}">' in html
    # A talk not translated yet has no alternate.
    assert 'hreflang="zh-Hans" href' not in page(client, "/talks/sgd-noise-and-flat-minima/")


def test_the_header_and_footer_stay_in_the_page_language(client, seeded):
    html = page(client, f"/zh-hans{FIRST_TALK}")
    for path in (
        "/zh-hans/",
        "/zh-hans/talks/",
        "/zh-hans/talks/calendar/",
        "/zh-hans/talks/feed/",
    ):
        assert f'href="{path}"' in html, path
    english = page(client, FIRST_TALK)
    for path in ("/", "/talks/", "/talks/calendar/", "/talks/feed/"):
        assert f'href="{path}"' in english, path
    for path in ("/zh-hans/talks/calendar/", "/zh-hans/talks/feed/"):
        assert client.get(path, **HOST).status_code == 200, path


# --- talks not translated yet -------------------------------------------------------------------


def cards(html: str) -> list[tuple[str, str | None, str]]:
    """(title, lang, badge) of each talk card in a listing."""
    soup = BeautifulSoup(html, "html.parser")
    return [
        (
            card.select_one(".talk-card-title a").get_text(strip=True),
            card.get("lang"),
            " ".join(b.get_text(strip=True) for b in card.select(".badge-language")),
        )
        for card in soup.select(".talk-card")
    ]


def test_a_chinese_listing_shows_the_talks_not_translated_yet_in_english(client, seeded):
    english = cards(page(client, "/talks/"))
    chinese = cards(page(client, "/zh-hans/talks/"))
    assert (
        len(chinese) == len(english) == TalkPage.objects.filter(locale__language_code="en").count()
    )
    translated = chinese_talk().title
    assert (translated, None, "") in chinese  # in Chinese, with no mark
    waiting = [card for card in chinese if card[0] != translated]
    assert waiting and all(lang == "en" and badge == "英语" for _, lang, badge in waiting)
    assert {title for title, _, _ in waiting} == {t for t, _, _ in english} - {english_talk().title}
    assert all(lang is None and badge == "" for _, lang, badge in english)
    # The Chinese home and search do the same.
    home = cards(page(client, "/zh-hans/"))
    assert any(lang == "en" for _, lang, _ in home) and any(t == translated for t, _, _ in home)
    found = cards(page(client, "/zh-hans/search/?q=stability"))
    assert found and all(title != english_talk().title for title, _, _ in found)


def test_the_presenter_view_of_the_chinese_talk_is_in_chinese(seeded):
    from tests.factories import signed_in

    presenter = signed_in("presenter", "Editors")
    html = presenter.get(chinese_talk().url + "present/", **HOST).content.decode()
    assert "演示：深度学习的理论基础" in html
    # The talk of 2024 is long over: outside its time, said in Chinese with Chinese dates.
    assert "演示者视图，当前不在报告时间内" in html and "2024年9月25日" in html
    assert "目前已记录" in html and 'lang="zh-Hans"' in html


def test_topics_have_their_chinese_names_on_chinese_pages(client, seeded):
    soup = BeautifulSoup(page(client, chinese_talk().url), "html.parser")
    topics = [a.get_text(strip=True) for a in soup.select(".tags a")]
    assert topics == ["深度学习理论", "优化", "稳定性边缘", "隐式偏差"]
    assert soup.select(".tags a")[2]["href"].endswith("?topic=edge-of-stability")  # one address
    english = BeautifulSoup(page(client, english_talk().url), "html.parser")
    assert [a.get_text(strip=True) for a in english.select(".tags a")][:2] == [
        "deep learning theory",
        "optimization",
    ]
    listing = BeautifulSoup(page(client, "/zh-hans/talks/"), "html.parser")
    choices = [o.get_text(strip=True) for o in listing.select("select[name=topic] option")]
    assert "鲁棒性" in choices and "robustness" not in choices
    # A Chinese topic name finds the talks on it, translated or not yet.
    found = cards(page(client, "/zh-hans/search/?q=鲁棒性"))
    assert found and all(lang == "en" for _, lang, _ in found)


def test_the_embedded_listing_in_chinese(client, seeded):
    english = english_talk()
    english.start, english.end = (
        timezone.now() + timedelta(days=3),
        timezone.now() + timedelta(days=3, hours=1),
    )
    english.save_revision().publish()  # the translation follows (synchronized)
    html = page(client, "/zh-hans/embed/talks/")
    soup = BeautifulSoup(html, "html.parser")
    titles = [a.get_text(strip=True) for a in soup.select("a")]
    assert chinese_talk().title in titles and english.title not in titles
    assert soup.select_one(".more a")["href"] == "/zh-hans/"
    assert 'lang="zh-hans"' in html.lower()
    assert english.title in page(client, "/embed/talks/")  # the English address unchanged


def test_the_chinese_calendar_and_feed_name_topics_in_chinese(client, seeded):
    import icalendar

    calendar = icalendar.Calendar.from_ical(page(client, "/zh-hans/talks/calendar/"))
    event = next(e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == chinese_talk().title)
    categories = [str(c) for c in event["CATEGORIES"].cats]
    assert "隐式偏差" in categories and "implicit bias" not in categories
    feed = page(client, "/zh-hans/talks/feed/")
    assert 'term="隐式偏差"' in feed
