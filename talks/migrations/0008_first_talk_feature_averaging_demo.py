"""Puts the feature-averaging demo on the first talk, right after the adversarial-vulnerability
demo, where a database seeded before the demo existed has the talk without it.

The live body and the live and latest revisions get the block (a draft in progress keeps the
editor's other changes); a talk that has the block, or no first talk, is left as it is. The
block's parameters are the demo's defaults as they were when this migration was written (the
block validates them when shown and falls back to the current defaults), and the caption is the
seed command's. Reversing leaves the block: an editor may have changed it since.
"""

import json
import uuid

from django.db import migrations

FIRST_TALK_SLUG = "theoretical-basis-of-deep-learning"
BLOCK_TYPE = "demo_feature_averaging"
AFTER = "demo_adversarial_vulnerability"
CAPTION = (
    "Why GD's solutions are not robust, in the speaker's own work (Li, Pan, Lyu & Li, ICLR"
    " 2025): trained on ±1 labels, each neuron averages its class's features and a center flips"
    " at √(d/k); trained on the cluster labels, the same network keeps its answer to √(d/2)."
)
PARAMS = {
    "dimension": 100,
    "clusters": 10,
    "points_per_cluster": 20,
    "noise": 0.1,
    "width": 20,
    "step_size": 0.5,
    "steps": 3000,
    "sweep_clusters": [2, 4, 20],
    "seed": 0,
}


def with_block(blocks: list[dict]) -> list[dict] | None:
    """The body's blocks (raw JSON) with the demo after AFTER (else at the end), or None if it
    has the demo already."""
    if any(block.get("type") == BLOCK_TYPE for block in blocks):
        return None
    new = {
        "type": BLOCK_TYPE,
        "value": {"caption": CAPTION, "params": dict(PARAMS)},
        "id": str(uuid.uuid4()),
    }
    kinds = [block.get("type") for block in blocks]
    position = kinds.index(AFTER) + 1 if AFTER in kinds else len(blocks)
    return [*blocks[:position], new, *blocks[position:]]


def add_to_revision(revision) -> None:
    body = revision.content.get("body")
    as_text = isinstance(body, str)  # Wagtail's serialization stores the stream as a JSON string
    blocks = json.loads(body) if as_text else body
    if not isinstance(blocks, list):
        return
    changed = with_block(blocks)
    if changed is not None:
        revision.content["body"] = json.dumps(changed) if as_text else changed
        revision.save(update_fields=["content"])


def add_demo(apps, schema_editor):
    TalkPage = apps.get_model("talks", "TalkPage")
    Revision = apps.get_model("wagtailcore", "Revision")
    for talk in TalkPage.objects.filter(slug=FIRST_TALK_SLUG):
        changed = with_block(list(talk.body.raw_data))
        if changed is not None:
            talk.body = changed
            talk.save(update_fields=["body"])
        revisions = {talk.live_revision_id, talk.latest_revision_id} - {None}
        for revision in Revision.objects.filter(pk__in=revisions):
            add_to_revision(revision)


class Migration(migrations.Migration):
    dependencies = [
        ("talks", "0007_talkpage_recording_margin"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(add_demo, migrations.RunPython.noop)]
