"""Venue time zones: checked against tzdata on save, picked from a list, kept out of migrations."""

import zoneinfo

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from talks.models import Venue
from talks.snippets import validate_time_zone
from tests.factories import make_venue

pytestmark = pytest.mark.django_db

UNKNOWN_ZONE = "Mars/Olympus_Mons"


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", "e@example.org", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return user


def venue_form(venue, **overrides):
    data = {
        "name": venue.name,
        "building": venue.building,
        "room": venue.room,
        "address": venue.address,
        "time_zone": venue.time_zone,
        "map_url": venue.map_url,
    }
    return data | overrides


def test_an_unknown_zone_is_refused_by_full_clean_naming_it():
    venue = Venue(name="Nowhere", time_zone=UNKNOWN_ZONE)
    with pytest.raises(ValidationError) as refused:
        venue.full_clean()
    [message] = refused.value.message_dict["time_zone"]
    assert UNKNOWN_ZONE in message and "not a known IANA time zone" in message


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Argentina/Buenos_Aires", "UTC"])
def test_a_known_zone_passes_full_clean(zone):
    Venue(name="Somewhere", time_zone=zone).full_clean()


def test_the_admin_offers_the_zones_as_a_list(client, editor):
    venue = make_venue(time_zone="Asia/Shanghai")
    page = client.get(reverse("wagtailsnippets_talks_venue:edit", args=(venue.pk,)))
    html = page.content.decode()
    assert '<select name="time_zone"' in html
    assert '<option value="Asia/Shanghai" selected>' in html
    assert '<option value="Europe/London">' in html


def test_the_admin_refuses_an_unknown_zone_with_a_message(client, editor):
    venue = make_venue(time_zone="Asia/Shanghai")
    url = reverse("wagtailsnippets_talks_venue:edit", args=(venue.pk,))
    response = client.post(url, venue_form(venue, time_zone=UNKNOWN_ZONE))
    assert response.status_code == 200
    assert f"“{UNKNOWN_ZONE}” is not a known IANA time zone" in response.content.decode()
    venue.refresh_from_db()
    assert venue.time_zone == "Asia/Shanghai"


def test_the_admin_saves_a_known_zone(client, editor):
    venue = make_venue(time_zone="Asia/Shanghai")
    url = reverse("wagtailsnippets_talks_venue:edit", args=(venue.pk,))
    response = client.post(url, venue_form(venue, time_zone="Europe/London"))
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.time_zone == "Europe/London"


def test_the_zones_are_read_from_tzdata_when_used(client, editor, monkeypatch):
    # What a tzdata update does: a new zone is offered and accepted, with no migration.
    zones = zoneinfo.available_timezones() | {"America/New_Zone"}
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: zones)
    Venue(name="New", time_zone="America/New_Zone").full_clean()
    venue = make_venue()
    html = client.get(reverse("wagtailsnippets_talks_venue:edit", args=(venue.pk,))).content
    assert '<option value="America/New_Zone">' in html.decode()


def test_the_migrations_do_not_freeze_the_list_of_zones():
    # A tzdata update adds or renames zones; choices in the migration state would then drift.
    state = MigrationLoader(connection).project_state()
    field = state.models["talks", "venue"].fields["time_zone"]
    assert not field.choices
    assert validate_time_zone in field.validators
