"""Models and migrations agree, so a fresh `migrate` builds the schema the code expects."""

import dataclasses

import pytest
from django.core.management import call_command
from pydantic import Field, create_model

from demos.registry import DEMOS, get_demo
from talks.blocks import TalkBodyField
from talks.models import TalkPage


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_a_new_demo_or_a_changed_default_needs_no_migration(monkeypatch):
    demo = get_demo("edge-of-stability")
    changed = create_model(
        "Params", __base__=demo.params, steps=(int, Field(3000, ge=10, le=20_000))
    )
    monkeypatch.setitem(DEMOS, demo.slug, dataclasses.replace(demo, params=changed))
    monkeypatch.setitem(
        DEMOS, "another-demo", dataclasses.replace(demo, slug="another-demo", title="Another")
    )
    body = TalkPage._meta.get_field("body")
    rebuilt = TalkBodyField(blank=body.blank, help_text=body.help_text).stream_block
    # The talk body as the changed registry builds it: a new block, a new default and bound.
    monkeypatch.setattr(body, "stream_block", rebuilt)
    steps = body.stream_block.child_blocks["demo_edge_of_stability"].child_blocks["params"]
    assert steps.child_blocks["steps"].get_default() == 3000
    assert "demo_another_demo" in body.stream_block.child_blocks
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
