"""The demo block: a form made from the demo's schema, validated by it; runs queued on publish."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from wagtail import blocks

from demos.blocks import NumberListBlock, demo_block, parameter_block
from demos.models import DemoRun, run_key
from demos.registry import get_demo
from demos.runs import request_run
from tests.demos.conftest import run_worker
from tests.factories import make_talk

pytestmark = pytest.mark.django_db

QUADRATIC = get_demo("quadratic-stability")


def block_value(block, **params):
    defaults = QUADRATIC.params().model_dump(mode="json") | params
    return block.to_python({"caption": "Watch the zig-zag", "params": defaults})


def test_the_form_comes_from_the_schema():
    steps = parameter_block(QUADRATIC.params.model_json_schema()["properties"]["steps"])
    assert isinstance(steps, blocks.IntegerBlock)
    assert (steps.field.min_value, steps.field.max_value, steps.meta.default) == (1, 1000, 40)
    eos = get_demo("edge-of-stability").params.model_json_schema()["properties"]
    assert isinstance(parameter_block(eos["activation"]), blocks.ChoiceBlock)
    sizes = parameter_block(eos["step_sizes"])
    # A list is typed in one box (tests/demos/test_block_form.py); its bounds are in the help.
    assert isinstance(sizes, NumberListBlock) and "1 to 4 values" in sizes.field.help_text
    assert "Learning rates" in sizes.field.help_text


def test_the_admin_refuses_what_the_api_refuses():
    block = demo_block(QUADRATIC)
    block.clean(block_value(block))
    with pytest.raises(blocks.StructBlockValidationError) as refused:
        block.clean(block_value(block, step_size=0.0))  # the form allows 0, the model does not
    errors = refused.value.block_errors["params"].block_errors
    assert set(errors) == {"step_size"}
    eos = demo_block(get_demo("edge-of-stability"))
    value = eos.to_python(
        {
            "caption": "",
            "params": get_demo("edge-of-stability").params().model_dump(mode="json")
            | {"steps": 10_000, "examples": 1740, "hidden_width": 128},
        }
    )
    with pytest.raises(ValidationError) as over_budget:
        eos.clean(value)
    assert set(over_budget.value.block_errors["params"].block_errors) == {"steps"}


def test_publishing_queues_the_default_runs_and_the_page_shows_the_chart(client, series):
    block = demo_block(QUADRATIC)
    talk = make_talk(series, publish=False)
    talk.body = [("demo_quadratic_stability", block_value(block, step_size=0.15))]
    talk.save_revision().publish()
    run = DemoRun.objects.get()
    assert run.talk_id == talk.pk and run.status == DemoRun.Status.QUEUED
    assert run.key == run_key(QUADRATIC, QUADRATIC.params(step_size=0.15))
    page = client.get(talk.url).content.decode()
    assert "being computed" in page and f'data-run="{run.public_id}"' in page
    run_worker()
    page = client.get(talk.url).content.decode()
    assert "Watch the zig-zag" in page and "/static/vendor/plotly.min.js" in page
    assert 'data-status="done"' in page and f'href="/runs/{run.public_id}/"' in page
    figure = page.split('data-json="figure"><script type="application/json">')[1]
    assert json.loads(figure.split("</script>")[0])["data"]
    # Publishing again finds the run already there.
    talk.save_revision().publish()
    assert DemoRun.objects.count() == 1


def test_an_editor_adds_a_demo_block_in_the_admin(client, series):
    talk = make_talk(series)
    editor = User.objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(editor)
    form = client.get(f"/admin/pages/{talk.pk}/edit/").content.decode()
    assert "Demo: The edge of stability" in form and "Default parameters" in form


def test_the_presenter_view_is_for_editors_only(client, series):
    talk = make_talk(series)
    talk.body = [("demo_quadratic_stability", block_value(demo_block(QUADRATIC)))]
    talk.save_revision().publish()
    assert client.get(talk.url + "present/").status_code == 302  # to the login page
    client.force_login(User.objects.create_user("visitor", "v@example.org", "pw"))
    assert client.get(talk.url + "present/").status_code == 403
    editor = User.objects.create_user("ed", "ed@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(editor)
    page = client.get(talk.url + "present/").content.decode()
    assert 'data-live="true"' in page and "csrfmiddlewaretoken" in page
    assert "Present the demos" in client.get(talk.url).content.decode()
    client.logout()
    assert "Present the demos" not in client.get(talk.url).content.decode()


def test_runs_recorded_at_the_talk_are_listed_on_its_page(client, series):
    from demos.runs import request_run

    talk = make_talk(series)
    run, _ = request_run(QUADRATIC, QUADRATIC.params(), talk=talk, recorded_at_talk=True)
    run_worker()
    page = client.get(talk.url).content.decode()
    assert "Demos run at the talk" in page and f"/runs/{run.public_id}/" in page
    permalink = client.get(f"/runs/{run.public_id}/").content.decode()
    assert "Recorded at the talk" in permalink and 'data-json="replay"' in permalink


def test_markup_in_captions_and_figures_never_runs(client, series):
    block = demo_block(QUADRATIC)
    talk = make_talk(series, publish=False)
    value = block_value(block)
    value["caption"] = "<script>alert('caption')</script>"
    talk.body = [("demo_quadratic_stability", value)]
    talk.save_revision().publish()
    run_worker()
    run = DemoRun.objects.get()
    run.figure["layout"]["title"]["text"] = "</script><script>alert('figure')</script>"
    run.save()
    page = client.get(talk.url).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;caption&#x27;)" in page
    figure = page.split('data-json="figure"><script type="application/json">')[1]
    assert json.loads(figure.split("</script>")[0])["layout"]["title"]["text"].startswith("</")


def test_a_run_page_lists_parameters_by_title_with_units_and_the_seed_once(client):
    edge = get_demo("edge-of-stability")
    run, _ = request_run(edge, edge.params.model_validate({"steps": 12, "seed": 7}))
    page = client.get(f"/runs/{run.public_id}/").content.decode()
    table = page[page.index('<table class="params-table">') : page.index("</table>")]
    assert "Sharpness every</th><td>20 steps</td>" in table
    assert "Step sizes</th><td>0.05, 0.1, 0.2</td>" in table
    assert "sharpness_every" not in table and "Seed" not in table
    assert page.count("<dt>Seed</dt><dd>7</dd>") == 1
