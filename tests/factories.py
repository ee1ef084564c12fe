"""Small builders for talks, speakers and venues, so each test states only what it is about."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from talks.models import HomePage, Speaker, TalkIndexPage, TalkPage, TalkSpeaker, Venue


def make_site() -> TalkIndexPage:
    """A home page as the default site's root, with one series under it."""
    # A transactional test starts from a flushed database, without Wagtail's tree root.
    Locale.objects.get_or_create(language_code="en")
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = HomePage(title="Seminar home", slug="home-test")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"root_page": home, "hostname": "testserver", "port": 80, "site_name": "Seminar"},
    )
    series = TalkIndexPage(title="Seminar", slug="talks")
    home.add_child(instance=series)
    series.save_revision().publish()
    return series


def make_speaker(name="Ada Example", **fields) -> Speaker:
    speaker = Speaker(name=name, **fields)
    speaker.save()
    return speaker


def make_venue(name="Room 313", time_zone="Asia/Shanghai", **fields) -> Venue:
    fields.setdefault("building", "Computer Building")
    fields.setdefault("room", "313")
    return Venue.objects.create(name=name, time_zone=time_zone, **fields)


def make_talk(
    series: TalkIndexPage,
    title="A talk",
    start: datetime | None = None,
    minutes=60,
    speakers=(),
    venue: Venue | None = None,
    topics=(),
    publish=True,
    **fields,
) -> TalkPage:
    start = start or timezone.now() + timedelta(days=7)
    venue = venue or Venue.objects.first() or make_venue()
    talk = TalkPage(
        title=title, start=start, end=start + timedelta(minutes=minutes), venue=venue, **fields
    )
    for order, speaker in enumerate(speakers or [Speaker.objects.first() or make_speaker()]):
        talk.speaker_links.add(TalkSpeaker(speaker=speaker, sort_order=order))
    if topics:
        talk.topics.add(*topics)
    talk.live = publish  # a new Page is live by default; a draft must say otherwise
    series.add_child(instance=talk)
    revision = talk.save_revision()
    if publish:
        revision.publish()
    return TalkPage.objects.get(pk=talk.pk)


def shanghai(year, month, day, hour=16, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


def signed_in(
    username: str, *groups: str, permissions: tuple[str, ...] = (), csrf_checks: bool = False
) -> Client:
    """A test client signed in as a new user in ``groups`` (those the migrations made) with the
    extra permissions named by codename."""
    user = User.objects.create_user(username, f"{username}@example.org", "pw")
    user.groups.add(*Group.objects.filter(name__in=groups))
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)
    return client
