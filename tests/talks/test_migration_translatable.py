"""talks 0010–0012 on a database written before the site had languages: every speaker and venue
there is kept, becomes English with its own translation key, and the talks that name them still
do; both locales exist afterwards."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("talks", "0009_speaker_orcid_talk_online_link")]
AFTER = [("talks", "0012_speaker_venue_translatable")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_speakers_and_venues_from_before_become_english_and_are_kept():
    old = migrate(BEFORE)
    Speaker, Venue = old.get_model("talks", "Speaker"), old.get_model("talks", "Venue")
    speakers = [
        Speaker.objects.create(name="Jian Li", slug="jian-li", bio="<p>Tsinghua.</p>"),
        Speaker.objects.create(name="Ada Example", slug="ada-example"),
    ]
    venue = Venue.objects.create(name="Room 313", room="313", time_zone="Asia/Shanghai")
    try:
        new = migrate(AFTER)
        Speaker, Venue = new.get_model("talks", "Speaker"), new.get_model("talks", "Venue")
        Locale = new.get_model("wagtailcore", "Locale")
        assert set(Locale.objects.values_list("language_code", flat=True)) >= {"en", "zh-hans"}
        english = Locale.objects.get(language_code="en")
        kept = list(Speaker.objects.order_by("pk"))
        assert [(s.pk, s.name, s.slug, s.bio) for s in kept] == [
            (s.pk, s.name, s.slug, s.bio) for s in speakers
        ]
        assert all(s.locale_id == english.pk and s.translation_key for s in kept)
        assert len({s.translation_key for s in kept}) == 2  # each its own
        moved = Venue.objects.get()
        assert (moved.pk, moved.name, moved.room) == (venue.pk, "Room 313", "313")
        assert moved.locale_id == english.pk and moved.translation_key
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
