"""talks 0008 puts the feature-averaging demo on a first talk seeded before it existed, once."""

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from demos.registry import get_demo
from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
from talks.models import TalkPage

pytestmark = pytest.mark.django_db

migration = importlib.import_module("talks.migrations.0008_first_talk_feature_averaging_demo")


def seeded_without_the_demo() -> TalkPage:
    call_command("seed_demo_content")
    talk = TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="en")
    talk.body = [(c.block_type, c.value) for c in talk.body if c.block_type != migration.BLOCK_TYPE]
    talk.save_revision().publish()
    return TalkPage.objects.get(pk=talk.pk)


def kinds(body) -> list[str]:
    return [child.block_type for child in body]


def test_the_block_goes_right_after_the_adversarial_demo_in_the_body_and_revisions():
    talk = seeded_without_the_demo()
    before = kinds(talk.body)
    assert migration.BLOCK_TYPE not in before
    migration.add_demo(apps, None)
    talk.refresh_from_db()
    after = kinds(talk.body)
    position = before.index(migration.AFTER) + 1
    assert after == [*before[:position], migration.BLOCK_TYPE, *before[position:]]
    block = talk.body[position]
    assert block.value["caption"] == migration.CAPTION
    # The parameters are valid for the demo, and what the chart shows.
    assert block.block.shown_params(block.value) == get_demo("feature-averaging").params()
    for revision in (talk.live_revision, talk.latest_revision):
        assert kinds(revision.as_object().body) == after
    # and the page serves it
    assert kinds(TalkPage.objects.get(pk=talk.pk).get_latest_revision_as_object().body) == after


def test_a_second_run_or_a_talk_that_has_it_changes_nothing():
    call_command("seed_demo_content")
    talk = TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="en")
    seeded = kinds(talk.body)
    assert seeded.count(migration.BLOCK_TYPE) == 1
    assert seeded.index(migration.BLOCK_TYPE) == seeded.index(migration.AFTER) + 1
    revisions = talk.revisions.count()
    migration.add_demo(apps, None)
    migration.add_demo(apps, None)
    talk.refresh_from_db()
    assert kinds(talk.body) == seeded and talk.revisions.count() == revisions


def test_no_first_talk_no_change():
    migration.add_demo(apps, None)
    assert not TalkPage.objects.exists()
