"""The demo block's form as an editor meets it: lists typed in one box, fields labelled and
bounded as on the public page, the run time estimated before saving, refusals in plain words."""

import json

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail import blocks
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from demos.blocks import NumberListBlock, demo_block, parameter_block
from demos.registry import get_demo
from talks.models import TalkPage
from tests.factories import make_talk

pytestmark = pytest.mark.django_db

EDGE = get_demo("edge-of-stability")
GD_VS_SGD = get_demo("gd-vs-sgd")
QUADRATIC = get_demo("quadratic-stability")


def typed(demo, **changes) -> dict[str, str]:
    """The demo's defaults as an editor sees them in the form (lists with commas), then changes."""
    values = demo.params().model_dump(mode="json")
    shown = {
        name: ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        for name, value in values.items()
    }
    return shown | changes


def over_budget(demo, **changes):
    block = demo_block(demo)
    params = demo.params().model_dump(mode="json") | changes
    return block, block.to_python({"caption": "", "params": params})


# --- a list is one text box -------------------------------------------------------------------


def test_a_list_parameter_is_one_text_box_parsed_into_numbers():
    sizes = parameter_block(EDGE.params_schema["properties"]["step_sizes"], "step_sizes")
    assert isinstance(sizes, NumberListBlock)
    assert sizes.get_form_state([0.05, 0.1, 0.2]) == "0.05, 0.1, 0.2"
    assert sizes.clean("0.05, 0.1,0.2 ") == [0.05, 0.1, 0.2]
    assert sizes.clean("0.05 0.1; 0.3") == [0.05, 0.1, 0.3]
    with pytest.raises(ValidationError, match="“fast” is not a number"):
        sizes.clean("0.05, fast")
    with pytest.raises(ValidationError, match="not a finite number"):
        sizes.clean("0.05, inf")
    batches = parameter_block(GD_VS_SGD.params_schema["properties"]["batch_sizes"], "batch_sizes")
    assert batches.clean("20, 50, 500") == [20, 50, 500]
    with pytest.raises(ValidationError, match="“2.5” is not a whole number"):
        batches.clean("20, 2.5")


def test_a_list_saved_by_the_former_list_block_still_reads():
    block = demo_block(EDGE)
    stored = EDGE.params().model_dump(mode="json") | {
        "step_sizes": [{"type": "item", "value": 0.3, "id": "a"}, {"type": "item", "value": 0.4}]
    }
    value = block.to_python({"caption": "", "params": stored})
    assert value["params"]["step_sizes"] == [0.3, 0.4]
    assert block.get_prep_value(value)["params"]["step_sizes"] == [0.3, 0.4]
    assert block.params_of(value).step_sizes == [0.3, 0.4]


def test_a_list_out_of_bounds_is_refused_by_the_model_naming_the_value():
    block, value = over_budget(EDGE, step_sizes=[0.05, 1.5])
    with pytest.raises(blocks.StructBlockValidationError) as refused:
        block.clean(value)
    [message] = refused.value.block_errors["params"].block_errors["step_sizes"].messages
    assert message == "1.5: must be at most 1"
    block, value = over_budget(EDGE, step_sizes=[0.1] * 5)
    with pytest.raises(blocks.StructBlockValidationError) as refused:
        block.clean(value)
    [message] = refused.value.block_errors["params"].block_errors["step_sizes"].messages
    assert message == "give at most 4 values"


# --- labels, units and bounds as on the public page --------------------------------------------


def test_fields_are_labelled_with_the_schema_titles_units_and_bounds():
    params = demo_block(QUADRATIC).child_blocks["params"].child_blocks
    assert params["step_size"].label == "Step size η"
    assert params["step_size"].field.help_text == (
        "Learning rate of gradient descent. Above 0, at most 10."
    )
    assert params["curvature_1"].label == "λ₁"
    assert params["steps"].label == "Steps"  # the unit is in the title already
    assert params["steps"].field.help_text == "Number of GD steps. 1 to 1000 steps."
    edge = demo_block(EDGE).child_blocks["params"].child_blocks
    assert edge["sharpness_every"].label == "Sharpness every (steps)"
    assert edge["activation"].field.help_text.endswith("One of tanh, relu, elu.")
    assert edge["step_sizes"].field.help_text.endswith(
        "1 to 4 values, separated by commas; each above 0, at most 1."
    )


def test_the_talk_editor_shows_the_titles_and_the_demo_it_estimates(client, series, moderator):
    talk = make_talk(series)
    form = client.get(reverse("wagtailadmin_pages:edit", args=(talk.pk,))).content.decode()
    # The block definitions come as JSON, non-ASCII letters escaped.
    assert json.dumps("Step size η")[1:-1] in form and "Sharpness every (steps)" in form
    assert "1 to 4 values, separated by commas" in form
    assert "data-demo-slug" in form and "edge-of-stability" in form
    estimate_url = reverse("demo_estimate", args=["__slug__"])
    assert f'src="/static/admin/js/demo_estimate.js" data-estimate-url="{estimate_url}"' in form


# --- the cost error in plain words on saving ---------------------------------------------------


def test_over_budget_is_refused_on_the_costly_field_in_plain_words(settings):
    settings.DEMO_EDITOR_SECONDS = 20
    block, value = over_budget(QUADRATIC)
    block.clean(value)  # the defaults fit
    block, value = over_budget(EDGE, steps=10_000, examples=1740, hidden_width=128)
    seconds = block.params_of(value, seconds_budget=float("inf")).cost()
    assert seconds > 20
    with pytest.raises(blocks.StructBlockValidationError) as refused:
        block.clean(value)
    errors = refused.value.block_errors["params"].block_errors
    assert set(errors) == {"steps"}
    about = f"{float(f'{seconds:.2g}'):g}"
    assert errors["steps"].messages == [f"about {about} s; at most 20 s: lower Steps"]


def test_saving_a_talk_over_budget_shows_the_sentence_on_the_field(client, series, moderator):
    talk = make_talk(series)
    params = EDGE.params().model_dump(mode="json") | {"steps": 10_000, "examples": 1740}
    params["hidden_width"] = 128
    params["step_sizes"] = "0.05, 0.1, 0.2"
    data = nested_form_data(
        {
            "title": talk.title,
            "slug": talk.slug,
            "speaker_links": inline_formset([{"speaker": talk.speakers[0].pk}], min=1),
            "venue": talk.venue_id,
            "start": "2030-09-25 16:00",
            "end": "2030-09-25 17:00",
            "status": "scheduled",
            "recording_margin": 30,
            "online_visibility": "public",
            "online_minutes_before": 15,
            "abstract": rich_text(""),
            "topics": "",
            "slides_url": "",
            "recording_url": "",
            "body": streamfield([("demo_edge_of_stability", {"caption": "", "params": params})]),
            "comments": inline_formset([]),
        }
    )
    response = client.post(reverse("wagtailadmin_pages:edit", args=(talk.pk,)), data)
    assert response.status_code == 200  # shown again, not saved
    page = response.content.decode()
    assert "s; at most 60 s: lower Steps" in page
    assert not TalkPage.objects.get(pk=talk.pk).has_unpublished_changes


# --- the estimate before saving ----------------------------------------------------------------


def estimate(client, slug, params):
    return client.post(
        reverse("demo_estimate", args=[slug]),
        json.dumps({"params": params}),
        content_type="application/json",
    )


def test_the_estimate_is_the_cost_models_for_the_typed_parameters(client, moderator):
    response = estimate(client, "edge-of-stability", typed(EDGE, steps="500"))
    assert response.status_code == 200
    body = response.json()
    expected = EDGE.params(steps=500).cost()
    assert body["seconds"] == pytest.approx(expected)
    assert body["budget"] == 60 and body["errors"] == []
    assert body["summary"] == f"about {float(f'{expected:.2g}'):g} s (at most 60 s)"


def test_the_estimate_names_what_saving_would_refuse(client, moderator, settings):
    settings.DEMO_EDITOR_SECONDS = 20
    costly = typed(EDGE, steps="10000", examples="1740", hidden_width="128")
    body = estimate(client, "edge-of-stability", costly).json()
    assert body["seconds"] > 20
    [error] = body["errors"]
    assert error["field"] == "steps" and error["title"] == "Steps"
    assert error["message"].endswith("s; at most 20 s: lower Steps")
    assert body["summary"] == error["message"]

    body = estimate(client, "edge-of-stability", typed(EDGE, step_sizes="0.05, 2")).json()
    assert body["seconds"] is None
    assert body["summary"] == "Step sizes: 2: must be at most 1"
    body = estimate(client, "quadratic-stability", typed(QUADRATIC, steps="many")).json()
    assert body["errors"][0]["field"] == "steps" and body["seconds"] is None


def test_the_estimate_is_for_signed_in_editors_only(client):
    response = estimate(client, "edge-of-stability", typed(EDGE))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(User.objects.create_user("visitor", "v@example.org", "pw"))
    response = estimate(client, "edge-of-stability", typed(EDGE))
    assert response.status_code in {302, 403}
    assert "seconds" not in response.content.decode()


def test_the_estimate_refuses_unknown_demos_and_malformed_bodies(client, moderator):
    assert estimate(client, "no-such-demo", {}).status_code == 404
    url = reverse("demo_estimate", args=["edge-of-stability"])
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    assert client.post(url, "[]", content_type="application/json").status_code == 400
    assert client.get(url).status_code == 405
